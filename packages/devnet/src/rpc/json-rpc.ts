/** A JSON-RPC 2.0 request as the devnet sees it (params kept loose: providers forward them verbatim). */
export interface JsonRpcRequest {
  jsonrpc: '2.0'
  id?: string | number | null
  method: string
  params?: unknown
}

/** A JSON-RPC 2.0 error object. */
export interface JsonRpcErrorObject {
  code: number
  message: string
  data?: unknown
}

/** A JSON-RPC 2.0 response. */
export interface JsonRpcResponse {
  jsonrpc: '2.0'
  id: string | number | null
  result?: unknown
  error?: JsonRpcErrorObject
}

/** Raised by {@link rpcCall} when the node answers with a JSON-RPC error. */
export class JsonRpcCallError extends Error {
  override readonly name = 'JsonRpcCallError'
  constructor(
    readonly method: string,
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(`${method}: ${message} (code ${code})`)
  }
}

/** Whether a parsed JSON value looks like a JSON-RPC request object. */
export function isJsonRpcRequest(value: unknown): value is JsonRpcRequest {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { method?: unknown }).method === 'string'
  )
}

/** A JSON-RPC error response for a request id. */
export function errorResponse(
  id: JsonRpcResponse['id'] | undefined,
  error: JsonRpcErrorObject,
): JsonRpcResponse {
  return { jsonrpc: '2.0', id: id ?? null, error }
}

/** Parses a `0x…` quantity into a number. */
export function hexToNumber(hex: unknown): number {
  if (typeof hex !== 'string' || !/^0x[0-9a-fA-F]+$/.test(hex))
    throw new TypeError(`not a hex quantity: ${hex}`)
  return Number.parseInt(hex, 16)
}

/** Formats a non-negative integer as a `0x…` quantity. */
export function numberToHex(value: number): string {
  return `0x${value.toString(16)}`
}

let nextId = 1

/**
 * Calls one JSON-RPC method over HTTP and returns its result.
 *
 * @throws {JsonRpcCallError} when the answer is a JSON-RPC error
 * @throws {Error} when the HTTP status is not 2xx or the body is not JSON
 * @example
 * const head = hexToNumber(await rpcCall('http://127.0.0.1:8545', 'eth_blockNumber'))
 */
export async function rpcCall<T = unknown>(
  url: string,
  method: string,
  params: unknown[] = [],
  init: { signal?: AbortSignal } = {},
): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }),
    signal: init.signal ?? null,
  })
  const text = await response.text()
  if (!response.ok) throw new Error(`${method}: HTTP ${response.status} ${text.slice(0, 200)}`)
  const body = JSON.parse(text) as JsonRpcResponse
  if (body.error) throw new JsonRpcCallError(method, body.error.code, body.error.message, body.error.data)
  return body.result as T
}
