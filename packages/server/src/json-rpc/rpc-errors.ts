import type { MethodRefusal } from '../security/method-filter.js'

/**
 * The JSON-RPC `error` member the proxy sends. Errors the proxy makes itself carry `data.code`, a stable
 * string a client can branch on (see {@link ProxyErrorCode}); upstream errors pass through as received.
 */
export interface RpcErrorObject {
  code: number
  message: string
  data?: unknown
}

/**
 * The `data.code` values of errors the proxy makes itself over HTTP and at the WebSocket upgrade
 * (messages on an open WebSocket add a few of their own, see `ws/rpc-connection.ts`; pool failures carry
 * core error codes). A test checks each is documented in docs/server.md or docs/websocket-rpc.md.
 */
export const proxyErrorCodes = [
  'PARSE_ERROR',
  'INVALID_REQUEST',
  'BATCH_TOO_LARGE',
  'NESTING_TOO_DEEP',
  'METHOD_NOT_ALLOWED',
  'HTTP_METHOD_NOT_ALLOWED',
  'UPGRADE_REQUIRED',
  'UNKNOWN_CHAIN',
  'UNKNOWN_STRATEGY',
  'UNKNOWN_PROVIDER',
  'RESERVED_SEGMENT',
  'NOT_FOUND',
  'UNAUTHORIZED',
  'RATE_LIMITED',
  'TOO_MANY_CONNECTIONS',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'BAD_REQUEST',
  'INTERNAL_ERROR',
] as const

/**
 * Why the proxy itself answered with an error, as `data.code`. Pool failures reuse the core error codes
 * (`ALL_PROVIDERS_FAILED`, `NO_PROVIDER_AVAILABLE`, `UPSTREAM_TIMEOUT`, ...).
 */
export type ProxyErrorCode = (typeof proxyErrorCodes)[number]

/**
 * JSON-RPC error codes the proxy uses. The spec's own codes where one fits; EIP-1474's `-32001`
 * (resource not found) and `-32005` (limit exceeded) where Ethereum clients already know them; and
 * three proxy codes in the server range for conditions only an HTTP front has.
 */
export const rpcErrorCodes = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  internalError: -32603,
  resourceNotFound: -32001,
  limitExceeded: -32005,
  unauthorized: -32040,
  payloadTooLarge: -32041,
  unsupportedMediaType: -32042,
} as const

/** Builds an error object the proxy made itself: `message` for people, `data.code` for programs. */
export function proxyError(
  code: number,
  message: string,
  reason: ProxyErrorCode | string,
  extra?: Record<string, unknown>,
): RpcErrorObject {
  return { code, message, data: { code: reason, ...extra } }
}

/** `-32700`: the body is not JSON. */
export function parseError(): RpcErrorObject {
  return proxyError(
    rpcErrorCodes.parseError,
    'Parse error: the request body is not valid JSON',
    'PARSE_ERROR',
  )
}

/** `-32600`: the JSON is not a valid JSON-RPC 2.0 request; `reason` says which rule it breaks. */
export function invalidRequest(reason: string, dataCode: ProxyErrorCode = 'INVALID_REQUEST'): RpcErrorObject {
  return proxyError(rpcErrorCodes.invalidRequest, `Invalid request: ${reason}`, dataCode)
}

/**
 * `-32601`: the method is blocked by the method lists. The message names the method, the rule that
 * blocked it and the config change that would serve it, so whoever runs into it knows what to ask for.
 */
export function methodNotAllowed(method: string, refusal: MethodRefusal): RpcErrorObject {
  const name = truncate(method, 100)
  const data =
    refusal.rule === 'allow'
      ? { method: name, rule: refusal.rule }
      : { method: name, rule: refusal.rule, pattern: refusal.pattern }
  const why =
    refusal.rule === 'deny'
      ? `it matches "${refusal.pattern}" in the server's rpc.methods.deny; remove that entry to serve it`
      : refusal.rule === 'allow'
        ? "it is not in the server's rpc.methods.allow; add it there to serve it"
        : `${refusal.why} methods ("${refusal.pattern}") are denied by default; to serve it, add "${refusal.pattern}" or "${name}" to the server's rpc.methods.enable`
  return proxyError(
    rpcErrorCodes.methodNotFound,
    `Method "${name}" is not allowed by this ChainPulse endpoint: ${why}`,
    'METHOD_NOT_ALLOWED',
    data,
  )
}

/** `-32603`: something unexpected; the details go to the log, not to the client. */
export function internalError(): RpcErrorObject {
  return proxyError(rpcErrorCodes.internalError, 'Internal error', 'INTERNAL_ERROR')
}

/** Shortens client-supplied text echoed in messages. */
export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text
}
