import { logsRangeError, logsResultsError } from '@chainpulse/core/testing'
import type { JsonRpcErrorObject, JsonRpcRequest, JsonRpcResponse } from '../rpc/json-rpc.js'

// A provider with a block-range limit refuses an `eth_getLogs` whose range is wider, with an
// "invalid params" error naming the limit, as hosted providers do; the wording is core's
// `logsRangeError`, shared with the mock provider.

/** Whether `request` is an `eth_getLogs` over a block range with a tag bound, so its width depends on the head. */
export function logsRangeNeedsHead(request: JsonRpcRequest): boolean {
  const filter = rangeFilter(request)
  return filter !== undefined && (isTag(filter.fromBlock) || isTag(filter.toBlock))
}

/**
 * The refusal of `request` by a provider that serves `eth_getLogs` ranges of at most `maxRange` blocks
 * (`toBlock - fromBlock + 1`), or `undefined` when it serves it. Tags (`latest`, `pending`, `safe`,
 * `finalized`, or an omitted bound) count as `head`, `earliest` as 0. Queries by `blockHash`, inverted
 * ranges and malformed bounds are left to the node to answer.
 *
 * @example
 * logsRangeRefusal({ jsonrpc: '2.0', id: 1, method: 'eth_getLogs', params: [{ fromBlock: '0x0', toBlock: '0x9' }] }, 5, 20)
 * // { code: -32602, message: 'query exceeds max block range 5' }
 */
export function logsRangeRefusal(
  request: JsonRpcRequest,
  maxRange: number,
  head: number | undefined,
): JsonRpcErrorObject | undefined {
  const filter = rangeFilter(request)
  if (filter === undefined) return undefined
  const from = blockOf(filter.fromBlock, head)
  const to = blockOf(filter.toBlock, head)
  if (from === undefined || to === undefined || to < from) return undefined
  return to - from + 1 > maxRange ? logsRangeError(maxRange) : undefined
}

/**
 * The refusal of the node's `answer` to an `eth_getLogs` `request` by a provider whose answers hold at most
 * `maxResults` logs, or `undefined` when it passes (fewer logs, an error, another method). Any
 * `eth_getLogs` counts, by range or by `blockHash`.
 *
 * @example
 * logsResultsRefusal(request, { jsonrpc: '2.0', id: 1, result: [log, log, log] }, 2)
 * // { code: -32005, message: 'query returned more than 2 results' }
 */
export function logsResultsRefusal(
  request: JsonRpcRequest,
  answer: JsonRpcResponse,
  maxResults: number,
): JsonRpcErrorObject | undefined {
  if (request.method !== 'eth_getLogs' || !('result' in answer) || !Array.isArray(answer.result))
    return undefined
  return answer.result.length > maxResults ? logsResultsError(maxResults) : undefined
}

interface RangeFilter {
  fromBlock?: unknown
  toBlock?: unknown
}

function rangeFilter(request: JsonRpcRequest): RangeFilter | undefined {
  if (request.method !== 'eth_getLogs' || !Array.isArray(request.params)) return undefined
  const filter: unknown = request.params[0] ?? {}
  if (typeof filter !== 'object' || filter === null || 'blockHash' in filter) return undefined
  return filter as RangeFilter
}

/** Bounds that mean "the head" here; an omitted bound is `latest`. */
const HEAD_TAGS = new Set<unknown>([undefined, 'latest', 'pending', 'safe', 'finalized'])

function isTag(bound: unknown): boolean {
  return HEAD_TAGS.has(bound)
}

function blockOf(bound: unknown, head: number | undefined): number | undefined {
  if (bound === 'earliest') return 0
  if (HEAD_TAGS.has(bound)) return head
  if (typeof bound === 'string' && /^0x[0-9a-fA-F]+$/.test(bound)) return Number.parseInt(bound, 16)
  return undefined
}
