import { blockParameterIndex } from '@chainpulse/core'
import type { JsonRpcErrorObject, JsonRpcRequest, JsonRpcResponse } from '../rpc/json-rpc.js'
import { numberToHex } from '../rpc/json-rpc.js'

// Which methods take a block parameter, and where, is core's table: the pool's lag-aware routing and
// this simulated lag must agree on it. A lagging provider answers as a node that has imported blocks up
// to its lagged head and no further: `latest` (or a missing tag) is that head, a block number above it
// is refused the way anvil refuses a number above its own head, and what it is asked for by hash it
// does not know when that block is above its head.

const MOVING_TAGS = new Set(['latest', 'pending'])

/** By-hash lookups whose answer carries the block it belongs to: unknown (null) above the lagged head. */
const BLOCK_NUMBER_FIELD: Readonly<Record<string, 'number' | 'blockNumber'>> = {
  eth_getBlockByHash: 'number',
  eth_getTransactionByHash: 'blockNumber',
  eth_getTransactionReceipt: 'blockNumber',
  eth_getTransactionByBlockHashAndIndex: 'blockNumber',
}

/**
 * How anvil answers a block number above its head, per method (checked against anvil 1.7.1): `null` for
 * block lookups, "Resource not found" for uncle counts, and `BlockOutOfRangeError` (-32602) for the rest —
 * state reads, calls, counts, `eth_getLogs` from a future block. anvil answers `eth_feeHistory` with an
 * empty history instead; a lagging provider refuses it like the rest, which is what a node should do.
 */
const FUTURE_BLOCK_ANSWER: Readonly<Record<string, 'null' | 'not-found'>> = {
  eth_getBlockByNumber: 'null',
  eth_getBlockReceipts: 'null',
  eth_getTransactionByBlockNumberAndIndex: 'null',
  eth_getUncleCountByBlockNumber: 'not-found',
}

/** anvil's answer for a block hash it does not know, in `eth_getLogs`. */
const UNKNOWN_BLOCK: JsonRpcErrorObject = { code: -32000, message: 'unknown block' }

/** A request as a lagging provider handles it: forwarded (maybe rewritten), or answered on the spot. */
export type LaggedRequest =
  | { forward: JsonRpcRequest }
  | { answer: { result: unknown } | { error: JsonRpcErrorObject } }

/** Whether a request's answer depends on the head, so a lagging provider must know its lagged head first. */
export function dependsOnHead(request: JsonRpcRequest): boolean {
  return (
    request.method === 'eth_blockNumber' ||
    request.method === 'eth_getLogs' ||
    request.method in BLOCK_NUMBER_FIELD ||
    blockParameterIndex(request.method) !== undefined
  )
}

/**
 * Handles a request as a provider whose head is `laggedHead` would: `latest`/`pending` (or an omitted
 * block tag) become `laggedHead`; a block number above it (plain or EIP-1898 `{ blockNumber }`) is
 * answered as anvil answers a future block; `eth_getLogs` ranges end at `laggedHead` and a range starting
 * above it is refused. Other tags (`earliest`, `safe`, `finalized`) and block hashes are forwarded as they
 * are. The input is not modified.
 *
 * @example
 * lagRequest({ jsonrpc: '2.0', id: 1, method: 'eth_getBalance', params: [addr, 'latest'] }, 10)
 * // { forward: { ..., params: [addr, '0xa'] } }
 * lagRequest({ jsonrpc: '2.0', id: 1, method: 'eth_getBlockByNumber', params: ['0xb', false] }, 10)
 * // { answer: { result: null } }
 */
export function lagRequest(request: JsonRpcRequest, laggedHead: number): LaggedRequest {
  const head = numberToHex(laggedHead)
  const params = Array.isArray(request.params) ? [...request.params] : []
  if (request.method === 'eth_getLogs') {
    const filter = params[0]
    if (typeof filter !== 'object' || filter === null || 'blockHash' in filter) return { forward: request }
    const next = { ...(filter as Record<string, unknown>) }
    const from = quantity(next.fromBlock)
    if (from !== undefined && from > laggedHead) return { answer: { error: outOfRange(laggedHead, from) } }
    if (MOVING_TAGS.has(String(next.fromBlock))) next.fromBlock = head
    const to = quantity(next.toBlock)
    // anvil ends a range reaching past its head at its head; so does a lagging provider, at its own
    if (next.toBlock === undefined || MOVING_TAGS.has(String(next.toBlock)) || (to ?? 0) > laggedHead)
      next.toBlock = head
    return { forward: { ...request, params: [next, ...params.slice(1)] } }
  }
  const index = blockParameterIndex(request.method)
  if (index === undefined) return { forward: request }
  // too few params is the node's error to report, not ours to paper over
  if (params.length < index) return { forward: request }
  const tag = params[index]
  const named =
    typeof tag === 'object' && tag !== null
      ? quantity((tag as { blockNumber?: unknown }).blockNumber)
      : quantity(tag)
  if (named !== undefined) {
    return named > laggedHead
      ? { answer: futureBlockAnswer(request.method, laggedHead, named) }
      : { forward: request }
  }
  // an omitted tag means latest
  if (tag !== undefined && !MOVING_TAGS.has(String(tag))) return { forward: request }
  params[index] = head
  return { forward: { ...request, params } }
}

/**
 * Adjusts the node's answer to what a provider whose head is `laggedHead` would know: a block,
 * transaction or receipt looked up by hash that belongs to a block above it is unknown (`null`), and so
 * are the receipts of such a block; `eth_getLogs` by the hash of such a block is refused (anvil's answer
 * for an unknown hash). A by-hash answer that names no block (an empty log list, a count) cannot be told
 * apart and passes as it is.
 *
 * @example
 * lagAnswer(getReceipt, { jsonrpc: '2.0', id: 1, result: { blockNumber: '0xc', ... } }, 10)
 * // { jsonrpc: '2.0', id: 1, result: null }
 */
export function lagAnswer(
  request: JsonRpcRequest,
  response: JsonRpcResponse,
  laggedHead: number,
): JsonRpcResponse {
  const { result } = response
  if (result === null || typeof result !== 'object') return response
  const above = (value: unknown) => (quantity(value) ?? -1) > laggedHead
  const field = BLOCK_NUMBER_FIELD[request.method]
  if (field)
    return above((result as Record<string, unknown>)[field]) ? { ...response, result: null } : response
  if (!Array.isArray(result)) return response
  const first = result[0] as { blockNumber?: unknown } | undefined
  if (request.method === 'eth_getBlockReceipts')
    return above(first?.blockNumber) ? { ...response, result: null } : response
  if (
    request.method === 'eth_getLogs' &&
    result.some((log) => above((log as { blockNumber?: unknown }).blockNumber))
  )
    return { jsonrpc: '2.0', id: response.id, error: UNKNOWN_BLOCK }
  return response
}

function futureBlockAnswer(
  method: string,
  laggedHead: number,
  requested: number,
): { result: unknown } | { error: JsonRpcErrorObject } {
  const kind = FUTURE_BLOCK_ANSWER[method]
  if (kind === 'null') return { result: null }
  if (kind === 'not-found') return { error: { code: -32001, message: 'Resource not found' } }
  return { error: outOfRange(laggedHead, requested) }
}

function outOfRange(laggedHead: number, requested: number): JsonRpcErrorObject {
  return {
    code: -32602,
    message: `BlockOutOfRangeError: block height is ${laggedHead} but requested was ${requested}`,
  }
}

/** A block number written as a hex quantity; block hashes (64 hex digits) and tags are not. */
function quantity(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{1,13}$/.test(value)) return undefined
  return Number.parseInt(value.slice(2), 16)
}
