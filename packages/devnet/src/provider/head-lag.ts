import { blockParameterIndex } from '@chainpulse/core'
import { type JsonRpcRequest, numberToHex } from '../rpc/json-rpc.js'

// Which methods take a block parameter, and where, is core's table: the pool's lag-aware routing and
// this simulated lag must agree on it. A lagging provider rewrites `latest` (or a missing tag) there to
// its own, older head, the way a node that has not imported the newest blocks would answer.

const MOVING_TAGS = new Set(['latest', 'pending'])

/** Whether a request's answer depends on the head, so a lagging provider must know its lagged head first. */
export function dependsOnHead(request: JsonRpcRequest): boolean {
  return (
    request.method === 'eth_blockNumber' ||
    request.method === 'eth_getLogs' ||
    blockParameterIndex(request.method) !== undefined
  )
}

/**
 * Rewrites a request as a provider whose head is `laggedHead` would see it: `latest`/`pending` (or an
 * omitted block tag) become `laggedHead`; `eth_getLogs` ranges are capped at it. Requests by hash are left
 * alone. Returns a new request; the input is not modified.
 *
 * @example
 * lagRequest({ jsonrpc: '2.0', id: 1, method: 'eth_getBalance', params: [addr, 'latest'] }, 10)
 * // params: [addr, '0xa']
 */
export function lagRequest(request: JsonRpcRequest, laggedHead: number): JsonRpcRequest {
  const head = numberToHex(laggedHead)
  const params = Array.isArray(request.params) ? [...request.params] : []
  if (request.method === 'eth_getLogs') {
    const filter = params[0]
    if (typeof filter !== 'object' || filter === null || 'blockHash' in filter) return request
    const next = { ...(filter as Record<string, unknown>) }
    if (next.toBlock === undefined || MOVING_TAGS.has(String(next.toBlock))) next.toBlock = head
    if (MOVING_TAGS.has(String(next.fromBlock))) next.fromBlock = head
    return { ...request, params: [next, ...params.slice(1)] }
  }
  const index = blockParameterIndex(request.method)
  if (index === undefined) return request
  // too few params is the node's error to report, not ours to paper over
  if (params.length < index) return request
  const tag = params[index]
  // an omitted tag means latest
  if (tag !== undefined && !MOVING_TAGS.has(String(tag))) return request
  params[index] = head
  return { ...request, params }
}
