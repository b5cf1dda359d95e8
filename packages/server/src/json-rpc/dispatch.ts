import type { ParsedRpcBody, RpcBodyEntry, RpcCall } from './parse-body.js'
import { internalError, type RpcErrorObject } from './rpc-errors.js'

/** How one call was routed, for the `x-chainpulse-*` response headers. */
export interface CallRouting {
  providerId: string | undefined
  strategy: string | undefined
  attempts: number | undefined
  /**
   * How the answer relates to ChainPulse's response cache and sharing of upstream calls: `hit` (the
   * cache answered), `miss` (a cacheable read the cache did not have), `coalesced` (an identical read in
   * flight answered it), `bypass` (the client asked for a call of its own); absent for calls that are
   * never cached (writes, filters) when nothing was shared.
   */
  cache?: 'hit' | 'miss' | 'coalesced' | 'bypass' | undefined
}

/** How one call ended: the upstream's `result`, or an error object to answer with. */
export type CallOutcome =
  | { ok: true; result: unknown; rawResult?: string | undefined; routing: CallRouting }
  | { ok: false; error: RpcErrorObject; rawError?: string | undefined; routing: CallRouting | undefined }

/** Runs one valid call (allow/deny, the pool, error mapping). Should not throw; if it does, see {@link DispatchOptions.onUnexpectedError}. */
export type CallHandler = (call: RpcCall) => Promise<CallOutcome>

/** Options of {@link dispatchRpcBody}. */
export interface DispatchOptions {
  /** Called with anything a handler threw or a result that cannot be serialised; the call answers `-32603`. */
  onUnexpectedError?: (error: unknown, call: RpcCall) => void
}

/**
 * The answer to a request body. `body` is `undefined` when nothing is to be sent (a notification, or a
 * batch of notifications only): HTTP answers 204. `routing` has one entry per response object, in order.
 */
export interface RpcReply {
  body: string | undefined
  routing: (CallRouting | undefined)[]
}

/**
 * Runs the calls of a parsed body (a batch's calls concurrently) and builds the response text. Results
 * are serialised with `JSON.stringify`; ids are written back as their original text.
 *
 * @example
 * const reply = await dispatchRpcBody(parseRpcBody(text, limits), async (call) => ({ ok: true, result: '0x1', routing }))
 * reply.body // '{"jsonrpc":"2.0","id":1,"result":"0x1"}'
 */
export async function dispatchRpcBody(
  parsed: ParsedRpcBody,
  handle: CallHandler,
  options: DispatchOptions = {},
): Promise<RpcReply> {
  if (parsed.kind === 'rejected') return { body: errorResponse('null', parsed.error), routing: [undefined] }
  if (parsed.kind === 'single') {
    const answer = await answerEntry(parsed.entry, handle, options)
    return answer ? { body: answer.text, routing: [answer.routing] } : { body: undefined, routing: [] }
  }
  const answers = await Promise.all(parsed.entries.map((entry) => answerEntry(entry, handle, options)))
  const texts: string[] = []
  const routing: (CallRouting | undefined)[] = []
  for (const answer of answers) {
    if (!answer) continue
    texts.push(answer.text)
    routing.push(answer.routing)
  }
  // A batch of notifications only gets no response at all (JSON-RPC 2.0, section 6).
  return texts.length === 0 ? { body: undefined, routing } : { body: `[${texts.join(',')}]`, routing }
}

interface Answer {
  text: string
  routing: CallRouting | undefined
}

async function answerEntry(
  entry: RpcBodyEntry,
  handle: CallHandler,
  options: DispatchOptions,
): Promise<Answer | undefined> {
  if (entry.kind === 'invalid') return { text: errorResponse(entry.idRaw, entry.error), routing: undefined }
  const { call } = entry
  let outcome: CallOutcome
  try {
    outcome = await handle(call)
  } catch (error) {
    options.onUnexpectedError?.(error, call)
    outcome = { ok: false, error: internalError(), routing: undefined }
  }
  // Notifications are executed (the client may want the side effect) but never answered.
  if (call.idRaw === undefined) return undefined
  if (!outcome.ok)
    return { text: errorResponse(call.idRaw, outcome.error, outcome.rawError), routing: outcome.routing }
  try {
    return { text: resultResponse(call.idRaw, outcome.result, outcome.rawResult), routing: outcome.routing }
  } catch (error) {
    // A result JSON cannot represent (a bigint, a cycle) is a bug upstream of here, not the client's.
    options.onUnexpectedError?.(error, call)
    return { text: errorResponse(call.idRaw, internalError()), routing: outcome.routing }
  }
}

/**
 * A success response; `idRaw` is written verbatim, and so is `rawResult` (the upstream's own text of the
 * result) when given, so results pass through unchanged.
 * @throws {TypeError} when `result` cannot be serialised.
 */
export function resultResponse(idRaw: string, result: unknown, rawResult?: string): string {
  return `{"jsonrpc":"2.0","id":${idRaw},"result":${rawResult ?? JSON.stringify(result) ?? 'null'}}`
}

/**
 * An error response; `idRaw` is written verbatim, and so is `rawError` (an upstream's own text of the
 * error object) when given, so the client gets the upstream's error exactly as it came.
 */
export function errorResponse(idRaw: string, error: RpcErrorObject, rawError?: string): string {
  return `{"jsonrpc":"2.0","id":${idRaw},"error":${rawError ?? JSON.stringify(error)}}`
}
