import {
  type Clock,
  type FetchInit,
  type FetchLike,
  onAbort,
  startDeadline,
  systemClock,
} from '@chainpulse/core'
import { Agent, errors } from 'undici'

const { RequestAbortedError } = errors

/** URLs whose origin and path are kept parsed; past it the cache starts over (pools call a few). */
const MAX_PARSED_URLS = 1_024

/** Options of {@link createUndiciFetch}. */
export interface UndiciFetchOptions {
  /** Idle keep-alive sockets are closed after this long (ms). @default 30_000 */
  keepAliveTimeoutMs?: number
  /** Most sockets per upstream origin. @default 256 */
  connectionsPerOrigin?: number
  /** Time source of the per-call deadline (`init.timeoutMs`). @default systemClock */
  clock?: Clock
}

/** A dispatcher-backed {@link FetchLike} that keeps the transport's deadline and can release its sockets. */
export type UndiciFetch = FetchLike & {
  readonly enforcesTimeout: true
  readonly acceptsLightSignals: true
  close(): Promise<void>
}

/**
 * A `fetch` for the pool's HTTP transport built on undici's dispatcher, for Node servers. The global
 * `fetch` (WHATWG streams, full Response objects) costs several hundred microseconds of CPU per call
 * on Node 20, which caps a proxy at a couple of thousand calls per second per core; a dispatch handler
 * of its own (see `UpstreamCall`) does the same keep-alive POST for a fraction of that, and for less
 * than undici's `request`, whose body stream and abort-signal plumbing the transport does not need.
 * Core stays on the global `fetch` so it runs anywhere; the server, which only runs on Node, injects
 * this one. It also keeps the transport's per-attempt deadline itself (`enforcesTimeout`), so the
 * transport creates no AbortController per attempt.
 *
 * @example
 * const fetch = createUndiciFetch()
 * const pool = createProviderPool({ chains, providers, fetch })
 */
export function createUndiciFetch(options: UndiciFetchOptions = {}): UndiciFetch {
  const dispatcher = new Agent({
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
    connections: options.connectionsPerOrigin ?? 256,
  })
  const clock = options.clock ?? systemClock
  // undici's top-level request(url) parses the URL on every call; a pool calls a handful of URLs over
  // and over, so each is parsed once and the dispatcher is called with its origin and path.
  const targets = new Map<string, { origin: string; path: string }>()
  const targetOf = (url: string) => {
    let target = targets.get(url)
    if (target === undefined) {
      const parsed = new URL(url)
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
        throw new TypeError(`not an http(s) URL: ${parsed.protocol}`)
      target = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` }
      if (targets.size >= MAX_PARSED_URLS) targets.clear()
      targets.set(url, target)
    }
    return target
  }

  function undiciFetch(url: string, init: FetchInit): Promise<Response> {
    const callerSignal = init.signal ?? undefined
    if (callerSignal?.aborted) return Promise.reject(abortError(callerSignal.reason))
    let target: { origin: string; path: string }
    try {
      target = targetOf(url)
    } catch (error) {
      return Promise.reject(error)
    }
    return new Promise<Response>((resolve, reject) => {
      const call = new UpstreamCall(resolve, reject, init.timeoutMs, clock)
      if (callerSignal)
        call.stopWaitingForAbort = onAbort(callerSignal, () => call.cancel(new RequestAbortedError()))
      dispatcher.dispatch(
        {
          origin: target.origin,
          path: target.path,
          method: (init.method ?? 'GET') as 'POST',
          headers: init.headers as Record<string, string>,
          body: init.body as string,
        },
        call,
      )
    })
  }

  return Object.assign(undiciFetch, {
    enforcesTimeout: true as const,
    // It only reads `aborted`/`reason` and waits with onAbort: the pool's light signals need no real one.
    acceptsLightSignals: true as const,
    close: () => dispatcher.close(),
  })
}

/**
 * One call, as undici's dispatch handler: the answer's status, raw headers and body chunks are kept as
 * they arrive, with none of the stream, body mixin and abort-signal plumbing of undici's `request`,
 * which cost about 15 µs of CPU per call on Node 20 (the proxy makes one per client request). The
 * "Response" resolves on the headers, as `request` does; `text()` decodes the body as `body.text()`
 * does (UTF-8, a BOM skipped) once it has all arrived. The deadline covers the body read too.
 */
class UpstreamCall {
  /** undici's way to cancel the call once it has a socket; before that a cancel waits in `cancelled`. */
  private abortUpstream: ((reason: Error) => void) | undefined = undefined
  private cancelled: Error | undefined = undefined
  private timedOut = false
  private readonly cancelDeadline: (() => void) | undefined
  stopWaitingForAbort: (() => void) | undefined = undefined
  private answered = false
  private rawHeaders: readonly (Buffer | string)[] = []
  private readonly chunks: Buffer[] = []
  private length = 0
  private ended = false
  private failed: { error: unknown } | undefined = undefined
  private reader: { resolve: (text: string) => void; reject: (error: unknown) => void } | undefined =
    undefined

  constructor(
    private readonly resolve: (response: Response) => void,
    private readonly reject: (error: unknown) => void,
    private readonly timeoutMs: number | undefined,
    clock: Clock,
  ) {
    this.cancelDeadline =
      timeoutMs === undefined
        ? undefined
        : startDeadline(clock, timeoutMs, () => {
            this.timedOut = true
            this.cancel(timeoutError(timeoutMs))
          })
  }

  /** Stops the call: the caller left, or the deadline passed. */
  cancel(reason: Error): void {
    if (this.abortUpstream) this.abortUpstream(reason)
    else this.cancelled ??= reason
  }

  onConnect(abort: (reason: Error) => void): void {
    if (this.cancelled) abort(this.cancelled)
    else this.abortUpstream = abort
  }

  onHeaders(statusCode: number, rawHeaders: (Buffer | string)[]): boolean {
    // 1xx informational answers come before the real one.
    if (statusCode < 200) return true
    this.answered = true
    this.rawHeaders = rawHeaders
    this.resolve({
      status: statusCode,
      ok: statusCode >= 200 && statusCode < 300,
      headers: { get: (name: string) => this.header(name) },
      text: () => this.text(),
    } as unknown as Response)
    return true
  }

  onData(chunk: Buffer): boolean {
    this.chunks.push(chunk)
    this.length += chunk.length
    return true
  }

  onComplete(): void {
    this.settle()
    this.ended = true
    this.reader?.resolve(this.decode())
  }

  onError(error: unknown): void {
    this.settle()
    const failure = this.timedOut ? timeoutError(this.timeoutMs) : error
    if (!this.answered) {
      this.reject(failure)
      return
    }
    this.failed = { error: failure }
    this.reader?.reject(failure)
  }

  private settle(): void {
    this.cancelDeadline?.()
    this.stopWaitingForAbort?.()
  }

  private text(): Promise<string> {
    if (this.failed) return Promise.reject(this.failed.error)
    if (this.ended) return Promise.resolve(this.decode())
    return new Promise((resolve, reject) => {
      this.reader = { resolve, reject }
    })
  }

  private decode(): string {
    const { chunks, length } = this
    if (length === 0) return ''
    const buffer = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length)
    const bom = length > 2 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf
    return buffer.toString('utf8', bom ? 3 : 0)
  }

  /** A response header's values joined with ", ", as `Headers.get` gives them; `null` when absent. */
  private header(name: string): string | null {
    const wanted = name.toLowerCase()
    let value: string | null = null
    const raw = this.rawHeaders
    for (let i = 0; i + 1 < raw.length; i += 2) {
      if (raw[i]!.toString('latin1').toLowerCase() !== wanted) continue
      const next = raw[i + 1]!.toString('latin1')
      value = value === null ? next : `${value}, ${next}`
    }
    return value
  }
}

/** What fetch rejects with for `AbortSignal.timeout`; the transport maps it to `UpstreamTimeoutError`. */
function timeoutError(timeoutMs: number | undefined): DOMException {
  return new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError')
}

function abortError(reason: unknown): DOMException {
  return Object.assign(new DOMException('This operation was aborted', 'AbortError'), { cause: reason })
}
