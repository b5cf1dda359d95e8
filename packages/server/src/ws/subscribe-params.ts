import type { LogFilter, PoolSubscriptionKind } from '@chainpulse/core'
import { z } from 'zod'
import { proxyError, type RpcErrorObject, truncate } from '../json-rpc/rpc-errors.js'

/** JSON-RPC 2.0's "invalid params"; `rpcErrorCodes` has no entry because the HTTP proxy never makes it. */
export const invalidParamsCode = -32602

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'expected a 20-byte hex address')
const topic = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'expected a 32-byte hex topic')

// Strict: a filter key we would silently ignore (fromBlock, blockHash) would change what the client gets.
const logFilterSchema = z.strictObject({
  address: z.union([address, z.array(address).max(1_000)]).optional(),
  topics: z
    .array(z.union([z.null(), topic, z.array(topic).max(1_000)]))
    .max(4, 'at most 4 topic positions')
    .optional(),
})

/**
 * Reads `eth_subscribe` params: `["newHeads"]` or `["logs", filter?]`, where `filter` has only `address`
 * (one or many) and `topics` (up to four positions, each `null`, a topic or alternatives), as in geth.
 * Other kinds (`newPendingTransactions`, `syncing`) are not served: the pool's exactly-once streams
 * cover heads and logs only.
 *
 * @returns what to subscribe to, or the `-32602` error object to answer with.
 * @example
 * parseSubscribeParams(['logs', { address: '0x…', topics: [transferTopic] }]) // { logs: { ... } }
 */
export function parseSubscribeParams(params: unknown): PoolSubscriptionKind | RpcErrorObject {
  if (!Array.isArray(params) || params.length === 0) {
    return invalidParams('expected params ["newHeads"] or ["logs", filter]')
  }
  const [kind, filter] = params as unknown[]
  if (kind === 'newHeads') return 'newHeads'
  if (kind !== 'logs') {
    const shown = typeof kind === 'string' ? `"${truncate(kind, 64)}"` : typeof kind
    return invalidParams(`unsupported subscription ${shown}; this endpoint serves "newHeads" and "logs"`)
  }
  if (filter === undefined || filter === null) return { logs: {} }
  const parsed = logFilterSchema.safeParse(filter)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const path = issue?.path.map(String).join('.') ?? ''
    return invalidParams(`invalid logs filter${path ? ` at "${path}"` : ''}: ${issue?.message ?? 'invalid'}`)
  }
  const logs: LogFilter = {}
  if (parsed.data.address !== undefined) logs.address = parsed.data.address
  if (parsed.data.topics !== undefined) logs.topics = parsed.data.topics
  return { logs }
}

function invalidParams(reason: string): RpcErrorObject {
  return proxyError(invalidParamsCode, `Invalid params: ${reason}`, 'INVALID_PARAMS')
}
