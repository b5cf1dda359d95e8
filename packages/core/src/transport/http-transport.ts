import { toAbortSignal } from '../abort/cancellation.js'
import { onAbort } from '../abort/on-abort.js'
import { type Clock, systemClock } from '../clock/clock.js'
import { startDeadline } from '../clock/deadline.js'
import type { ChainPulseError } from '../errors/base-error.js'
import {
  AbortedError,
  MalformedResponseError,
  RateLimitedError,
  UpstreamHttpError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../errors/errors.js'
import { redactUrl } from '../errors/redact.js'
import { parseOptions } from '../validation/parse-options.js'
import * as v from '../validation/schema.js'
import { clockSchema, functionSchema } from '../validation/schemas.js'
import {
  isJsonRpcResponse,
  type JsonRpcErrorResponse,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from './json-rpc.js'
import { urlSchema } from './options.js'
import { backoffFromErrorData, parseRetryAfter } from './retry-after.js'
import { createSecretScrubber, scrubCause, scrubRpcErrors } from './secrets.js'

/** What the HTTP transport passes to its `fetch`: a standard `RequestInit`, plus `timeoutMs`. */
export interface FetchInit extends RequestInit {
  /**
   * The attempt's deadline (ms). Always set; only a fetch that says `enforcesTimeout` acts on it, the
   * global `fetch` ignores it (the transport then enforces the deadline through `signal`).
   */
  timeoutMs?: number
}

/**
 * The subset of `fetch` the HTTP transport uses; the global `fetch` fits.
 *
 * A fetch may also enforce the deadline itself: it sets `enforcesTimeout`, reads `init.timeoutMs`, and
 * rejects with an error named `TimeoutError` when the call (connect, headers and body read) is not done
 * in time, as `fetch` does for `AbortSignal.timeout`. The transport then hands it the caller's signal as
 * is instead of creating an AbortController and a timer per attempt, which on Node 20 costs tens of
 * microseconds of CPU per call (see the server's `createUndiciFetch`).
 *
 * A fetch that sets `acceptsLightSignals` only reads `aborted` and `reason` of `init.signal` and waits on
 * it with core's `onAbort` (or `addEventListener('abort', …)`); it may then be given the pool's own light
 * signal (a coalesced or hedged call's) as is. Any other fetch gets a real AbortSignal.
 */
export type FetchLike = ((url: string, init: FetchInit) => Promise<Response>) & {
  readonly enforcesTimeout?: boolean
  readonly acceptsLightSignals?: boolean
}

/** Options of {@link createHttpTransport}. */
export interface HttpTransportOptions {
  /** The upstream's `http://` or `https://` URL. It may hold an API key: it is only ever shown redacted. */
  url: string
  /** Per-attempt timeout (ms), covering connect, headers and body. @default 10_000 */
  timeoutMs?: number
  /** Extra request headers (e.g. `authorization`). Never copied into errors. */
  headers?: Record<string, string>
  /** The `fetch` to use. @default globalThis.fetch */
  fetch?: FetchLike
  /** Time source for the timeout. @default systemClock */
  clock?: Clock
  /** The provider's id, copied into every error. */
  providerId?: string
  /** Wall-clock `Date.now()`, used only to turn an HTTP-date `Retry-After` into a delay. @default Date.now */
  dateNow?: () => number
}

/** Per-call options of {@link HttpTransport.request}. */
export interface HttpRequestOptions {
  /** The caller's signal; aborting it rejects with {@link AbortedError}. */
  signal?: AbortSignal | undefined
  /** Overrides the transport's `timeoutMs` for this attempt. */
  timeoutMs?: number | undefined
}

/** What {@link HttpTransport.request} resolves with. */
export interface HttpTransportResult<Body> {
  /**
   * The parsed, shape-checked JSON-RPC response(s), JSON-RPC error responses included. A JSON-RPC error
   * that quotes a secret of the transport's URL has it masked (`***`); nothing else is changed.
   */
  response: Body
  /**
   * The body exactly as the upstream sent it (already parsed once into `response`), scrubbed like
   * `response` when an error in it quoted a secret. A proxy that forwarded its client's ids can return
   * it verbatim instead of re-serialising `response`.
   */
  text: string
  /** The HTTP status: 2xx, or a 4xx whose body was a JSON-RPC error response. */
  status: number
}

/** What a batch call can resolve with: one response per request, or one error for the whole batch. */
export type HttpBatchResponse = JsonRpcResponse[] | JsonRpcErrorResponse

/**
 * A JSON-RPC client for one upstream over HTTP. Stateless apart from its options: connection reuse
 * (keep-alive) is the runtime's `fetch`'s job — Node's global `fetch` (undici) keeps connections alive
 * and pools them per origin by default, and browsers and edge runtimes do the same.
 */
export interface HttpTransport {
  readonly kind: 'http'
  /** The upstream URL, redacted. */
  readonly url: string
  readonly providerId: string | undefined
  /**
   * Sends one call (or a batch) in one HTTP POST and resolves with the parsed response. JSON-RPC error
   * responses resolve too — classify them with `classifyRpcError`; everything else that went wrong
   * rejects with an `UpstreamError` subclass.
   *
   * @throws {AbortedError} the caller's signal aborted (before or during the call).
   * @throws {UpstreamTimeoutError} no full answer within the timeout.
   * @throws {UpstreamUnavailableError} network error: refused, DNS, reset before the response.
   * @throws {RateLimitedError} HTTP 429; `retryAfterMs` from `Retry-After`.
   * @throws {UpstreamHttpError} any other non-2xx status without a JSON-RPC error body.
   * @throws {MalformedResponseError} empty, truncated, non-JSON or wrongly shaped body, or mismatched ids.
   */
  request(
    payload: JsonRpcRequest,
    options?: HttpRequestOptions,
  ): Promise<HttpTransportResult<JsonRpcResponse>>
  request(
    payload: readonly JsonRpcRequest[],
    options?: HttpRequestOptions,
  ): Promise<HttpTransportResult<HttpBatchResponse>>
}

const optionsSchema = v.strictObject({
  url: urlSchema(['http:', 'https:']),
  timeoutMs: v._default(v.number().check(v.positive()), 10_000),
  headers: v.optional(v.record(v.string(), v.string())),
  fetch: v.optional(functionSchema<FetchLike>()),
  clock: v.optional(clockSchema),
  providerId: v.optional(v.string().check(v.minLength(1))),
  dateNow: v.optional(functionSchema<() => number>()),
})

const SNIPPET_LENGTH = 200
/** How much of an error body is scrubbed for its snippet; bodies are rarely longer. */
const SCRUB_LIMIT = 65_536

/**
 * Creates an HTTP transport for one upstream.
 *
 * @throws {ConfigError} when an option is invalid (the message never shows the URL).
 * @example
 * const http = createHttpTransport({ url: 'https://mainnet.infura.io/v3/KEY', timeoutMs: 5_000, providerId: 'infura' })
 * const { response } = await http.request({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber' })
 * if ('error' in response) console.log(classifyRpcError(response.error))
 */
export function createHttpTransport(options: HttpTransportOptions): HttpTransport {
  const parsed = parseOptions(optionsSchema, options, 'HTTP transport options')
  const rawUrl = parsed.url
  // fetch refuses URLs with user info, so `https://user:pass@host` becomes a Basic authorization header.
  const { fetchUrl, authorization } = splitCredentials(rawUrl)
  const clock = parsed.clock ?? systemClock
  const doFetch: FetchLike = parsed.fetch ?? ((url, init) => globalThis.fetch(url, init))
  const fetchEnforcesTimeout = doFetch.enforcesTimeout === true
  const fetchAcceptsLightSignals = doFetch.acceptsLightSignals === true
  const dateNow = parsed.dateNow ?? Date.now
  const { providerId } = parsed
  const scrub = createSecretScrubber(rawUrl)
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    ...(authorization === undefined ? {} : { authorization }),
    ...parsed.headers,
  }
  // Errors get the display form only: the raw URL never leaves this closure (and the fetch).
  const shownUrl = redactUrl(rawUrl)
  const context = { providerId, url: shownUrl }

  function snippet(text: string): string {
    // Scrub before cutting: a key cut in two by the cut would no longer be recognised.
    const scrubbed = scrub(text.length > SCRUB_LIMIT ? text.slice(0, SCRUB_LIMIT) : text)
    return scrubbed.length > SNIPPET_LENGTH ? `${scrubbed.slice(0, SNIPPET_LENGTH)}…` : scrubbed
  }

  /** The answer as the caller gets it: JSON-RPC errors that echo a secret come back scrubbed. */
  function answer(
    body: unknown,
    text: string,
    status: number,
  ): HttpTransportResult<JsonRpcResponse | HttpBatchResponse> {
    const response = body as JsonRpcResponse | HttpBatchResponse
    const clean = scrubRpcErrors(response, scrub)
    return clean === response ? { response, text, status } : { response: clean, text: scrub(text), status }
  }

  async function request(
    payload: JsonRpcRequest | readonly JsonRpcRequest[],
    requestOptions: HttpRequestOptions = {},
  ): Promise<HttpTransportResult<JsonRpcResponse | HttpBatchResponse>> {
    const { signal } = requestOptions
    const timeoutMs = requestOptions.timeoutMs ?? parsed.timeoutMs
    if (signal?.aborted) throw new AbortedError({ ...context, cause: signal.reason })

    // `redirect: 'manual'`: a 3xx is reported, never followed to a host the config did not name.
    const init: FetchInit = {
      method: 'POST',
      headers,
      body: JSON.stringify(payload),
      redirect: 'manual',
      timeoutMs,
    }
    const { response, text } = fetchEnforcesTimeout
      ? await sendWithFetchDeadline(init, signal, timeoutMs)
      : await sendWithOwnDeadline(init, signal, timeoutMs)
    return interpret(payload, response, text)
  }

  /** The fetch keeps the deadline: the caller's signal goes to it (as a real one unless it takes light ones). */
  async function sendWithFetchDeadline(
    init: FetchInit,
    signal: AbortSignal | undefined,
    timeoutMs: number,
  ): Promise<{ response: Response; text: string }> {
    if (signal) init.signal = fetchAcceptsLightSignals ? signal : toAbortSignal(signal)
    const abortedBy = (error: unknown) =>
      (error as { name?: unknown } | undefined)?.name === 'TimeoutError'
        ? 'timeout'
        : signal?.aborted
          ? 'caller'
          : undefined
    let response: Response
    try {
      response = await doFetch(fetchUrl, init)
    } catch (error) {
      throw failure(error, 'request', abortedBy(error), signal, timeoutMs)
    }
    try {
      return { response, text: await response.text() }
    } catch (error) {
      throw failure(error, 'body', abortedBy(error), signal, timeoutMs)
    }
  }

  /** One controller per attempt, fed by our timer and by the caller's signal. */
  async function sendWithOwnDeadline(
    init: FetchInit,
    signal: AbortSignal | undefined,
    timeoutMs: number,
  ): Promise<{ response: Response; text: string }> {
    // A controller of our own rather than AbortSignal.any: it works in runtimes without it and tells
    // which of the two fired.
    const controller = new AbortController()
    let abortedBy: 'timeout' | 'caller' | undefined
    const onCallerAbort = () => {
      abortedBy ??= 'caller'
      controller.abort(signal?.reason)
    }
    const stopWaitingForAbort = signal ? onAbort(signal, onCallerAbort) : undefined
    const cancelDeadline = startDeadline(clock, timeoutMs, () => {
      abortedBy ??= 'timeout'
      controller.abort()
    })
    init.signal = controller.signal
    try {
      let response: Response
      try {
        response = await doFetch(fetchUrl, init)
      } catch (error) {
        throw failure(error, 'request', abortedBy, signal, timeoutMs)
      }
      try {
        // Always read the body, even for errors: an unread body keeps the connection from being reused.
        return { response, text: await response.text() }
      } catch (error) {
        throw failure(error, 'body', abortedBy, signal, timeoutMs)
      }
    } finally {
      cancelDeadline()
      stopWaitingForAbort?.()
    }
  }

  /** The error for a fetch or body read that threw; built only on that path, not per request. */
  function failure(
    error: unknown,
    phase: 'request' | 'body',
    abortedBy: 'timeout' | 'caller' | undefined,
    signal: AbortSignal | undefined,
    timeoutMs: number,
  ): ChainPulseError {
    if (abortedBy === 'caller') return new AbortedError({ ...context, cause: signal?.reason })
    if (abortedBy === 'timeout') return new UpstreamTimeoutError({ ...context, timeoutMs })
    const cause = scrubCause(error, scrub)
    return phase === 'request'
      ? new UpstreamUnavailableError({ ...context, reason: `network error (${describe(error)})`, cause })
      : new MalformedResponseError({
          ...context,
          reason: 'body truncated (connection lost while reading)',
          cause,
        })
  }

  function interpret(
    payload: JsonRpcRequest | readonly JsonRpcRequest[],
    response: Response,
    text: string,
  ): HttpTransportResult<JsonRpcResponse | HttpBatchResponse> {
    const { status } = response
    if (status === 429) {
      // No hint: `undefined`, and the pool applies its own `defaultCooldownMs`.
      const retryAfterMs =
        parseRetryAfter(response.headers.get('retry-after'), dateNow()) ?? backoffFromBody(text)
      throw new RateLimitedError({ ...context, status, retryAfterMs })
    }
    const ok = status >= 200 && status < 300
    if (!ok) {
      // A 4xx carrying a JSON-RPC error (Alchemy answers 400/403 with one) is an answer, not a transport
      // failure: hand it back so the pool classifies its code and message.
      const body = status < 500 ? tryParse(text) : undefined
      if (body !== undefined && validate(payload, body) === undefined && onlyErrors(body)) {
        return answer(body, text, status)
      }
      throw new UpstreamHttpError({ ...context, status, bodySnippet: snippet(text) || undefined })
    }
    if (text.trim() === '') throw new MalformedResponseError({ ...context, reason: 'empty body' })
    const body = tryParse(text)
    if (body === undefined) {
      throw new MalformedResponseError({ ...context, reason: 'body is not JSON', bodySnippet: snippet(text) })
    }
    const problem = validate(payload, body)
    if (problem !== undefined) {
      throw new MalformedResponseError({ ...context, reason: problem, bodySnippet: snippet(text) })
    }
    return answer(body, text, status)
  }

  return {
    kind: 'http',
    url: shownUrl,
    providerId,
    request: request as HttpTransport['request'],
  }
}

function splitCredentials(url: string): { fetchUrl: string; authorization: string | undefined } {
  const parsed = new URL(url)
  if (parsed.username === '' && parsed.password === '') return { fetchUrl: url, authorization: undefined }
  const user = decodeURIComponent(parsed.username)
  const password = decodeURIComponent(parsed.password)
  parsed.username = ''
  parsed.password = ''
  // btoa only takes Latin-1: encode to UTF-8 bytes first so any credential survives.
  const bytes = new TextEncoder().encode(`${user}:${password}`)
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return { fetchUrl: parsed.toString(), authorization: `Basic ${btoa(binary)}` }
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** Returns why `body` is not a valid answer to `payload`, or `undefined` when it is. */
function validate(payload: JsonRpcRequest | readonly JsonRpcRequest[], body: unknown): string | undefined {
  if (!Array.isArray(payload)) {
    const single = payload as JsonRpcRequest
    if (!isJsonRpcResponse(body)) return 'not a JSON-RPC 2.0 response'
    // `id: null` is how a server answers a request it could not read; only valid with an error.
    if (body.id === null && 'error' in body) return undefined
    return body.id === single.id
      ? undefined
      : `response id ${JSON.stringify(body.id)} does not match request id`
  }
  // A server may reject a whole batch (too large, unreadable) with one error response.
  if (!Array.isArray(body)) {
    return isJsonRpcResponse(body) && 'error' in body
      ? undefined
      : 'batch answer is neither an array nor an error'
  }
  const expected = new Set(payload.map((item) => item.id))
  const seen = new Set<unknown>()
  for (const item of body) {
    if (!isJsonRpcResponse(item)) return 'batch item is not a JSON-RPC 2.0 response'
    if (!expected.has(item.id as string | number) || seen.has(item.id)) {
      return `unexpected id ${JSON.stringify(item.id)} in batch response`
    }
    seen.add(item.id)
  }
  if (seen.size !== expected.size) return `batch response answers ${seen.size} of ${expected.size} requests`
  return undefined
}

function onlyErrors(body: unknown): boolean {
  const items = Array.isArray(body) ? body : [body]
  return (
    items.length > 0 && items.every((item) => typeof item === 'object' && item !== null && 'error' in item)
  )
}

/** Infura's 429 body suggests a wait in `error.data.rate.backoff_seconds`. */
function backoffFromBody(text: string): number | undefined {
  return backoffFromErrorData((tryParse(text) as { error?: { data?: unknown } } | undefined)?.error?.data)
}

/** A short reason from fetch's error: undici hides the useful part (`ECONNREFUSED`) in `cause.code`. */
function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause
  if (typeof cause?.code === 'string') return cause.code
  const code = (error as { code?: unknown } | undefined)?.code
  if (typeof code === 'string') return code
  return error instanceof Error ? error.name : 'unknown'
}
