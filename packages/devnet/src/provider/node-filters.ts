import { errorResponse, type JsonRpcRequest, type JsonRpcResponse } from '../rpc/json-rpc.js'

// Every simulated provider of a chain forwards to the same anvil node, so without this a filter made
// through one provider would work through all of them. Real providers are separate nodes: a filter lives
// on the node that made it. So each provider remembers the ids it created and answers for any other id
// the way a node answers for an id it does not have. The node still does the filtering; only the
// question "is this filter mine?" is answered here.

/** Methods that create a filter on the node; their result is the new id. */
const CREATE_METHODS = new Set(['eth_newFilter', 'eth_newBlockFilter', 'eth_newPendingTransactionFilter'])
/** Methods that take a filter id as their first param. */
const USE_METHODS = new Set(['eth_getFilterChanges', 'eth_getFilterLogs', 'eth_uninstallFilter'])

/** What geth and anvil answer for a filter id they do not hold. */
export const FILTER_NOT_FOUND = { code: -32000, message: 'filter not found' } as const

/**
 * anvil drops a filter nobody polled for 5 minutes (and answers "filter not found" afterwards); ids older
 * than that are forgotten here too, so the set stays bounded by what is in use.
 */
export const FILTER_IDLE_MS = 5 * 60_000

/** The filters one simulated provider's node holds. Shared by its HTTP and WebSocket fronts. */
export interface NodeFilters {
  /** Ids this provider created and has not forgotten. */
  readonly size: number
  /** Bumped by {@link NodeFilters.forget}: an answer to a request sent before it must not add an id. */
  readonly generation: number
  /**
   * Answers a filter call locally when its id is not this provider's: `filter not found` for a poll,
   * `false` for an uninstall (as geth does). Returns undefined for everything this provider forwards.
   */
  intercept(request: JsonRpcRequest): JsonRpcResponse | undefined
  /**
   * Learns from the node's answer to a forwarded request: a created id becomes this provider's, an
   * uninstalled or expired one is forgotten. `generation` is the value read when the request was sent.
   */
  observe(request: JsonRpcRequest, response: JsonRpcResponse, generation: number): void
  /**
   * Forgets every filter, as a node that restarts does. Returns the ids so the caller can uninstall them
   * from the shared node.
   */
  forget(): string[]
}

/** Whether a method creates or uses a filter (so a provider must look at the request before forwarding). */
export function isFilterMethod(method: string): boolean {
  return CREATE_METHODS.has(method) || USE_METHODS.has(method)
}

/**
 * Creates the filter ids of one provider.
 *
 * @example
 * const filters = createNodeFilters()
 * filters.intercept({ jsonrpc: '2.0', id: 1, method: 'eth_getFilterChanges', params: ['0x1'] })
 * // { jsonrpc: '2.0', id: 1, error: { code: -32000, message: 'filter not found' } }
 */
export function createNodeFilters(options: { now?: () => number } = {}): NodeFilters {
  const now = options.now ?? (() => performance.now())
  /** Filter id (lowercase) → when it was last created or used. */
  const owned = new Map<string, number>()
  let generation = 0

  const idOf = (request: JsonRpcRequest): string | undefined => {
    const first = Array.isArray(request.params) ? request.params[0] : undefined
    return typeof first === 'string' ? first.toLowerCase() : undefined
  }
  const expire = () => {
    const cutoff = now() - FILTER_IDLE_MS
    for (const [id, usedAt] of owned) if (usedAt < cutoff) owned.delete(id)
  }

  return {
    get size() {
      return owned.size
    },
    get generation() {
      return generation
    },
    intercept(request) {
      if (!USE_METHODS.has(request.method)) return undefined
      const id = idOf(request)
      // a missing or non-string id is a malformed request: the node's invalid-params answer is the real one
      if (id === undefined) return undefined
      expire()
      if (owned.has(id)) {
        owned.set(id, now())
        return undefined
      }
      return request.method === 'eth_uninstallFilter'
        ? { jsonrpc: '2.0', id: request.id ?? null, result: false }
        : errorResponse(request.id, FILTER_NOT_FOUND)
    },
    observe(request, response, sentIn) {
      if (CREATE_METHODS.has(request.method)) {
        if (sentIn !== generation || typeof response.result !== 'string') return
        expire()
        owned.set(response.result.toLowerCase(), now())
        return
      }
      if (!USE_METHODS.has(request.method)) return
      const id = idOf(request)
      if (id === undefined) return
      const gone =
        request.method === 'eth_uninstallFilter'
          ? response.result !== undefined
          : response.error?.message === FILTER_NOT_FOUND.message
      if (gone) owned.delete(id)
    },
    forget() {
      generation++
      const ids = [...owned.keys()]
      owned.clear()
      return ids
    },
  }
}
