/** A JSON-RPC 2.0 request id. `null` only appears in responses to requests whose id could not be read. */
export type JsonRpcId = string | number | null

/** A JSON-RPC 2.0 call that expects an answer (it has an id). */
export interface JsonRpcRequest<Params = unknown> {
  jsonrpc: '2.0'
  id: string | number
  method: string
  params?: Params
}

/** A JSON-RPC 2.0 message without an id: no answer is expected (e.g. `eth_subscription` pushes). */
export interface JsonRpcNotification<Params = unknown> {
  jsonrpc: '2.0'
  method: string
  params?: Params
}

/** The `error` member of a JSON-RPC 2.0 error response, exactly as the upstream sent it. */
export interface JsonRpcError {
  code: number
  message: string
  data?: unknown
}

/** A successful JSON-RPC 2.0 response. */
export interface JsonRpcSuccess<Result = unknown> {
  jsonrpc: '2.0'
  id: JsonRpcId
  result: Result
}

/** A JSON-RPC 2.0 error response. */
export interface JsonRpcErrorResponse {
  jsonrpc: '2.0'
  id: JsonRpcId
  error: JsonRpcError
}

/** Either kind of JSON-RPC 2.0 response. */
export type JsonRpcResponse<Result = unknown> = JsonRpcSuccess<Result> | JsonRpcErrorResponse

/** The `params` of an `eth_subscription` notification. */
export interface EthSubscriptionParams<Result = unknown> {
  subscription: string
  result: Result
}

/**
 * What an upstream JSON-RPC error means for routing:
 *
 * - `execution`: a deterministic answer any provider would give (revert, invalid params, nonce too low,
 *   already known, …). Return it as-is; do not retry and do not count it against the provider.
 * - `rate-limit`: the provider throttled us. Cool it down and try another provider.
 * - `method-unsupported`: this provider does not serve the method. Try another; if every provider says
 *   so, return the error.
 * - `request-limit`: this provider refuses the request's size (log range or result cap, batch size).
 *   Other providers often have other limits, so try another; if every provider says so, return it.
 *   Neither a breaker failure nor a cooldown.
 * - `unknown-block`: the node does not have the block the call names (yet): a lagging node, or a block
 *   above every head. Another provider whose head has reached it can answer.
 * - `missing-state`: the node does not keep the state or index the call needs (pruned, not an archive
 *   node, its transaction index still being built). Another node can answer.
 * - `upstream`: the node had a problem of its own, or says something the others may not (internal error,
 *   timeouts, resource unavailable, still syncing, a refused API key). Retriable on another provider.
 *
 * What each class means for the provider's health is the pool's failure model (`docs/failure-model.md`).
 */
export type RpcErrorClass =
  | 'execution'
  | 'rate-limit'
  | 'method-unsupported'
  | 'request-limit'
  | 'unknown-block'
  | 'missing-state'
  | 'upstream'

// Patterns are matched against lower-cased messages. They are deliberately specific: broad words such as
// "exceeded" alone would also match "gas required exceeds allowance" or "log response size exceeded".
// Two kinds of text in a message are chosen by whoever sends the request, not by the provider: a revert
// reason (any contract's author writes it) and the method name a "method not found" answer echoes. So
// reverts are recognised first and method-not-found right after: "execution reverted: rate limit" or a
// method called `eth_ratelimit` must not read as a throttle (a cooldown) or, for a revert, as "method
// not served" (remembered against every provider).
const REVERT = /revert/
// Transaction checks: deterministic whatever code carries them (Besu answers an unaffordable transaction
// with -32004, EIP-1474's "method not supported", and a gas limit above the block's with -32005, its
// "limit exceeded").
const TX_REJECTED =
  /nonce too (?:low|high)|insufficient funds|upfront cost|exceeds (?:account )?balance|gas limit|intrinsic gas|underpriced|already known|known transaction|fee cap/
const METHOD_UNSUPPORTED =
  /method not found|does not exist\/is not available|(?:method|namespace) .*not (?:supported|available|enabled|allowed|whitelisted)|unsupported method|method .*is not available|method \S+ does not support/
const RATE_LIMIT =
  /rate[ -]?limit|too many requests|throughput|compute units|capacity|quota|credits|(?:request|daily|monthly|usage) (?:count |limit )?(?:exceeded|reached)|(?:request|rate) exceeded|request limit|(?:requests|calls) per second/
// A log range reaching past this node's head: a lagging node's answer (geth also says "invalid block
// range" when `fromBlock` is above its head and `toBlock` is `latest`). Checked before the size limits,
// whose "block range" it also contains.
const BEYOND_HEAD = /beyond (?:the )?(?:current )?head|invalid block range/
const REQUEST_LIMIT =
  /block range|range (?:is )?too (?:large|wide|big)|range \d+ (?:exceeds|is bigger than)|exceeds (?:the )?(?:max(?:imum)?|limit)|(?:more|greater) than \d+ (?:results|logs|blocks)|too many (?:logs|results|blocks)|response size (?:exceeded|too large)|max(?:imum)? results|ranges? over \d+ blocks|limited to (?:a )?\d+|blocks? distance|batch (?:size|limit)|batch too large|batch of more than \d+|response too large/
// Plan-gated methods ("… is not available on the Free tier"): after the size limits, since a free tier's
// range cap is worded the same way.
const NOT_ON_PLAN = /not (?:supported|available) on (?:the )?(?:free|current)/
// The provider refused our key or origin: its configuration, not the request.
const AUTH =
  /unauthori[sz]ed|authenticat|invalid (?:api[ -]?key|project id|token)|api[ -]?key|project id|app is inactive|not on (?:the )?(?:white|allow)list|access denied|forbidden/
const UNKNOWN_BLOCK =
  /header (?:for hash )?not found|unknown block|block not found|could not find block|block (?:#\d+|0x[0-9a-f]+|\d+) not found|(?:requested )?block (?:number )?(?:is )?(?:in the future|not (?:yet )?(?:available|found))|after last accepted block|blockoutofrange|block height is \d+ but requested was \d+/
const MISSING_STATE =
  /missing trie node|historical state|state (?:is )?not available|no state (?:available )?for block|state unavailable|state (?:at block .* )?(?:is )?pruned|pruned|archive|indexing is in progress/
const UPSTREAM =
  /timed? ?out|timeout|execution aborted|internal (?:server )?error|service unavailable|bad gateway|temporarily unavailable|try again|syncing|initial sync|sync (?:is )?(?:still )?in progress|database (?:closed|error)|leveldb|upstream|connection (?:reset|refused|closed)/

/**
 * Classifies an upstream JSON-RPC error object by what the pool should do with it (see
 * {@link RpcErrorClass}). Pure and cheap: a few code checks and a handful of regular expressions over the
 * message. Unknown errors are `execution` — the conservative choice, because re-sending a call that may
 * have side effects (`eth_sendRawTransaction`) is worse than returning an error another node might not
 * have given. `docs/failure-model.md` has a table of real nodes' and providers' messages and their class.
 *
 * @example
 * classifyRpcError({ code: 3, message: 'execution reverted: not owner' }) // 'execution'
 * classifyRpcError({ code: -32005, message: 'daily request count exceeded, request rate limited' }) // 'rate-limit'
 * classifyRpcError({ code: -32000, message: 'header not found' }) // 'unknown-block'
 */
export function classifyRpcError(error: Pick<JsonRpcError, 'code' | 'message'>): RpcErrorClass {
  const { code } = error
  const message = typeof error.message === 'string' ? error.message.toLowerCase() : ''
  if (code === 3 || REVERT.test(message) || TX_REJECTED.test(message)) return 'execution'
  if (code === -32601 || METHOD_UNSUPPORTED.test(message)) return 'method-unsupported'
  // Messages before codes: a limit reported with an "invalid params" code (Alchemy, Infura) is still a
  // limit, and a rate limit reported as -32600 (Alchemy's monthly capacity) is still a rate limit.
  if (code === 429 || RATE_LIMIT.test(message)) return 'rate-limit'
  if (BEYOND_HEAD.test(message)) return 'unknown-block'
  if (REQUEST_LIMIT.test(message)) return 'request-limit'
  if (NOT_ON_PLAN.test(message)) return 'method-unsupported'
  // EIP-1474 -32005 is "limit exceeded"; without a size hint in the message it is a throttle.
  if (code === -32005) return 'rate-limit'
  if (code === -32004) return 'method-unsupported'
  if (AUTH.test(message)) return 'upstream'
  if (UNKNOWN_BLOCK.test(message)) return 'unknown-block'
  if (MISSING_STATE.test(message)) return 'missing-state'
  if (UPSTREAM.test(message)) return 'upstream'
  // EIP-1474: -32603 internal error, -32002 resource unavailable.
  if (code === -32603 || code === -32002) return 'upstream'
  return 'execution'
}

/** True when `value` has the shape of a JSON-RPC 2.0 error object (`code` integer, `message` string). */
export function isJsonRpcError(value: unknown): value is JsonRpcError {
  if (typeof value !== 'object' || value === null) return false
  const { code, message } = value as Record<string, unknown>
  return Number.isInteger(code) && typeof message === 'string'
}

/**
 * True when `value` has the shape of a JSON-RPC 2.0 response: `jsonrpc: '2.0'`, an id that is a string,
 * number or null, and exactly one of `result` or a well-formed `error`. A hand-written predicate, not a
 * schema, because it runs on every response.
 */
export function isJsonRpcResponse(value: unknown): value is JsonRpcResponse {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const record = value as Record<string, unknown>
  if (record.jsonrpc !== '2.0') return false
  const { id } = record
  if (!(id === null || typeof id === 'string' || typeof id === 'number')) return false
  const hasResult = 'result' in record
  const hasError = 'error' in record
  if (hasResult === hasError) return false
  return hasResult || isJsonRpcError(record.error)
}

/** True when `response` is an error response. */
export function isJsonRpcErrorResponse(response: JsonRpcResponse): response is JsonRpcErrorResponse {
  return 'error' in response
}
