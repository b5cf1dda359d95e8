import {
  errorResponse,
  hexToNumber,
  isJsonRpcRequest,
  type JsonRpcErrorObject,
  type JsonRpcRequest,
  type JsonRpcResponse,
  numberToHex,
  rpcCall,
} from '../rpc/json-rpc.js'
import { dependsOnHead, lagAnswer, lagRequest } from './head-lag.js'
import { logsRangeNeedsHead, logsRangeRefusal, logsResultsRefusal } from './logs-range.js'
import type { NodeFilters } from './node-filters.js'
import { type BlockLookup, prunedStateRefusal, stateBlockOf } from './state-history.js'

/** Answers a request locally (subscriptions) instead of forwarding it, or returns undefined to forward. */
export type LocalHandler = (request: JsonRpcRequest) => JsonRpcResponse | undefined

/** Relays JSON-RPC traffic from a provider front to its chain's node. */
export interface Forwarder {
  /** Relays a body verbatim and returns the node's status and body verbatim: the faithful fast path. */
  raw(body: string): Promise<{ status: number; body: string }>
  /**
   * Forwards parsed request objects (the items of one body), applying local handlers, the provider's own
   * filter ids, the `eth_getLogs` range limit and head lag. Returns one response per item that has an id,
   * in item order; notifications
   * get none.
   */
  requests(items: unknown[], options: ForwardOptions): Promise<JsonRpcResponse[]>
}

/** How a provider's personality shapes the requests it forwards. */
export interface ForwardOptions {
  /** Blocks the provider trails the head by. */
  lagBlocks: number
  /** Widest `eth_getLogs` block range served; `null` or omitted: no limit. */
  maxLogsBlockRange?: number | null
  /** Most logs an `eth_getLogs` answer may hold; `null` or omitted: no limit. */
  maxLogsResults?: number | null
  /** How many of its newest blocks' state the provider keeps; `null` or omitted: all. */
  stateHistoryBlocks?: number | null
  local?: LocalHandler
}

const UPSTREAM_FAILED = { code: -32603, message: 'upstream node unavailable' }
const INVALID_REQUEST = { code: -32600, message: 'Invalid request' }

/**
 * Creates the forwarder of one provider; uses the global fetch (undici keeps connections alive). With
 * `filters`, filter calls are checked against the ids this provider created (see `createNodeFilters`).
 *
 * @example
 * const forwarder = createForwarder('http://127.0.0.1:8545', { filters: createNodeFilters() })
 * await forwarder.requests([{ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber' }], { lagBlocks: 2 })
 */
export function createForwarder(nodeUrl: string, options: { filters?: NodeFilters } = {}): Forwarder {
  const { filters } = options
  return {
    async raw(body) {
      const response = await fetch(nodeUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      })
      return { status: response.status, body: await response.text() }
    },

    async requests(items, { lagBlocks, maxLogsBlockRange, maxLogsResults, stateHistoryBlocks, local }) {
      const generation = filters?.generation ?? 0
      const answers: (JsonRpcResponse | undefined)[] = new Array(items.length)
      const wantsAnswer = items.map((item) => !isJsonRpcRequest(item) || 'id' in item)
      const maxRange = maxLogsBlockRange ?? undefined
      // The provider's own head: the node's, minus the lag.
      let head: number | undefined
      const needsHead = items.some(
        (item) =>
          isJsonRpcRequest(item) &&
          ((lagBlocks > 0 && dependsOnHead(item)) ||
            (maxRange !== undefined && logsRangeNeedsHead(item)) ||
            (stateHistoryBlocks != null && stateBlockOf(item) !== undefined)),
      )
      if (needsHead) {
        try {
          head = Math.max(0, hexToNumber(await rpcCall(nodeUrl, 'eth_blockNumber')) - lagBlocks)
        } catch {
          return items.map((item) => errorResponse(idOf(item), UPSTREAM_FAILED))
        }
      }
      const laggedHead = lagBlocks > 0 ? head : undefined
      // Old state this provider no longer keeps: refused before anything is forwarded.
      const pruned = new Map<number, JsonRpcErrorObject>()
      if (stateHistoryBlocks != null && head !== undefined) {
        const lookup = blockLookup(nodeUrl)
        await Promise.all(
          items.map(async (item, index) => {
            if (!isJsonRpcRequest(item)) return
            const refusal = await prunedStateRefusal(item, head!, stateHistoryBlocks, lookup)
            if (refusal) pruned.set(index, refusal)
          }),
        )
      }
      const upstream: { index: number; request: JsonRpcRequest }[] = []
      items.forEach((item, index) => {
        if (!isJsonRpcRequest(item)) {
          answers[index] = errorResponse(null, INVALID_REQUEST)
          return
        }
        const localAnswer = local?.(item) ?? filters?.intercept(item)
        if (localAnswer) {
          answers[index] = localAnswer
          return
        }
        const refusal = maxRange === undefined ? undefined : logsRangeRefusal(item, maxRange, head)
        const missing = refusal ?? pruned.get(index)
        if (missing) {
          answers[index] = errorResponse(item.id, missing)
          return
        }
        if (laggedHead !== undefined && item.method === 'eth_blockNumber') {
          answers[index] = { jsonrpc: '2.0', id: item.id ?? null, result: numberToHex(laggedHead) }
          return
        }
        const lagged = laggedHead === undefined ? { forward: item } : lagRequest(item, laggedHead)
        if ('answer' in lagged) {
          answers[index] = { jsonrpc: '2.0', id: item.id ?? null, ...lagged.answer }
          return
        }
        // our own ids make the node's answers easy to match, whatever ids the client chose
        upstream.push({ index, request: { ...lagged.forward, jsonrpc: '2.0', id: index } })
      })
      if (upstream.length > 0) {
        const byId = await postBatch(
          nodeUrl,
          upstream.map((u) => u.request),
        )
        for (const { index } of upstream) {
          const item = items[index] as JsonRpcRequest
          const answer = byId?.get(index)
          if (!answer) {
            answers[index] = errorResponse(item.id, UPSTREAM_FAILED)
            continue
          }
          filters?.observe(item, answer, generation)
          const own = { ...answer, id: item.id ?? null }
          const lagged = laggedHead === undefined ? own : lagAnswer(item, own, laggedHead)
          const tooMany =
            maxLogsResults == null ? undefined : logsResultsRefusal(item, lagged, maxLogsResults)
          answers[index] = tooMany ? errorResponse(item.id, tooMany) : lagged
        }
      }
      return answers.filter(
        (answer, index): answer is JsonRpcResponse => answer !== undefined && wantsAnswer[index] === true,
      )
    },
  }
}

async function postBatch(
  nodeUrl: string,
  batch: JsonRpcRequest[],
): Promise<Map<number, JsonRpcResponse> | undefined> {
  try {
    const response = await fetch(nodeUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(batch),
    })
    const body = (await response.json()) as unknown
    const answers = Array.isArray(body) ? (body as JsonRpcResponse[]) : [body as JsonRpcResponse]
    return new Map(answers.map((answer) => [Number(answer.id), answer]))
  } catch {
    return undefined
  }
}

/** Looks a block up on the node, by number or hash: its number and state root, or `undefined` when unknown. */
function blockLookup(nodeUrl: string): BlockLookup {
  return async (block) => {
    const found = await rpcCall<{ number: string; stateRoot: string } | null>(
      nodeUrl,
      'number' in block ? 'eth_getBlockByNumber' : 'eth_getBlockByHash',
      ['number' in block ? numberToHex(block.number) : block.hash, false],
    ).catch(() => null)
    return found ? { number: hexToNumber(found.number), stateRoot: found.stateRoot } : undefined
  }
}

function idOf(item: unknown): JsonRpcResponse['id'] {
  return isJsonRpcRequest(item) ? (item.id ?? null) : null
}
