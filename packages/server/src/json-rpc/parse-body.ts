import { invalidRequest, parseError, type RpcErrorObject } from './rpc-errors.js'
import { type ScannedElement, scanJson } from './scan-json.js'

/** A valid JSON-RPC 2.0 call from a request body. */
export interface RpcCall {
  /** The id exactly as the client wrote it (`"a"`, `null`, `1.0`, `9007199254740993`); `undefined` for a notification. */
  idRaw: string | undefined
  method: string
  /** `undefined` when the call has no `params` member. */
  params: unknown
}

/** One request of a body: a call to run, or an invalid request to answer with `error` at once. */
export type RpcBodyEntry =
  | { kind: 'call'; call: RpcCall }
  | {
      kind: 'invalid'
      /** The id to answer with: the request's own when it has a valid one, else `null`. */
      idRaw: string
      error: RpcErrorObject
    }

/** What a request body holds. `rejected` is answered with one error response whose id is `null`. */
export type ParsedRpcBody =
  | { kind: 'single'; entry: RpcBodyEntry }
  | { kind: 'batch'; entries: RpcBodyEntry[] }
  | { kind: 'rejected'; error: RpcErrorObject }

/** Limits applied while parsing a body. */
export interface ParseRpcBodyOptions {
  /** Most calls in one batch. */
  maxBatchSize: number
  /** Most nested JSON containers (objects and arrays, the batch array included). */
  maxDepth: number
}

/**
 * Parses a JSON-RPC 2.0 request body into calls, keeping each id's original text so it can be echoed
 * byte for byte. Applies the envelope rules: not JSON → parse error; empty batch, oversized batch or
 * too-deep nesting → one invalid-request error; each malformed request → its own invalid-request error.
 *
 * @example
 * parseRpcBody('{"jsonrpc":"2.0","id":1e3,"method":"eth_chainId"}', { maxBatchSize: 100, maxDepth: 64 })
 * // { kind: 'single', entry: { kind: 'call', call: { idRaw: '1e3', method: 'eth_chainId', params: undefined } } }
 */
export function parseRpcBody(text: string, options: ParseRpcBodyOptions): ParsedRpcBody {
  const scan = scanJson(text, options.maxDepth)
  if (scan.kind === 'syntax-error') return { kind: 'rejected', error: parseError() }
  if (scan.kind === 'too-deep') {
    return {
      kind: 'rejected',
      error: invalidRequest(`JSON is nested deeper than ${scan.limit} levels`, 'NESTING_TOO_DEEP'),
    }
  }
  if (scan.top === 'array') {
    if (scan.elements.length === 0) return { kind: 'rejected', error: invalidRequest('empty batch') }
    if (scan.elements.length > options.maxBatchSize) {
      return {
        kind: 'rejected',
        error: invalidRequest(
          `batch of ${scan.elements.length} calls exceeds the limit of ${options.maxBatchSize}`,
          'BATCH_TOO_LARGE',
        ),
      }
    }
  }

  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    // The scanner is stricter than JSON.parse, so this is not expected; answer as the spec says anyway.
    return { kind: 'rejected', error: parseError() }
  }

  if (scan.top === 'array') {
    const items = value as unknown[]
    return { kind: 'batch', entries: items.map((item, index) => toEntry(item, scan.elements[index])) }
  }
  return { kind: 'single', entry: toEntry(value, scan.elements[0]) }
}

function toEntry(value: unknown, scanned: ScannedElement | undefined): RpcBodyEntry {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { kind: 'invalid', idRaw: 'null', error: invalidRequest('a request must be a JSON object') }
  }
  const request = value as Record<string, unknown>
  const hasId = Object.hasOwn(request, 'id')
  const id = request.id
  const idIsValid = id === null || typeof id === 'string' || typeof id === 'number'
  // The scanner saw the same last `id` member JSON.parse kept; a valid id always has its raw text.
  const idRaw = hasId && idIsValid ? scanned?.idRaw : undefined
  const invalid = (reason: string): RpcBodyEntry => ({
    kind: 'invalid',
    idRaw: idRaw ?? 'null',
    error: invalidRequest(reason),
  })

  if (hasId && (!idIsValid || idRaw === undefined)) return invalid('"id" must be a string, a number or null')
  if (request.jsonrpc !== '2.0') return invalid('"jsonrpc" must be exactly "2.0"')
  if (typeof request.method !== 'string') return invalid('"method" must be a string')
  const params = request.params
  if (Object.hasOwn(request, 'params') && (typeof params !== 'object' || params === null)) {
    return invalid('"params" must be an array or an object')
  }
  return { kind: 'call', call: { idRaw, method: request.method, params } }
}
