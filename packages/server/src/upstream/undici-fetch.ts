import { EventEmitter } from 'node:events'
import {
  type Clock,
  type FetchInit,
  type FetchLike,
  onAbort,
  startDeadline,
  systemClock,
} from '@chainpulse/core'
import { Agent } from 'undici'

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
 * A `fetch` for the pool's HTTP transport built on undici's `request`, for Node servers. The global
 * `fetch` (WHATWG streams, full Response objects) costs several hundred microseconds of CPU per call
 * on Node 20, which caps a proxy at a couple of thousand calls per second per core; `request` does the
 * same keep-alive POST for a fraction of that. Core stays on the global `fetch` so it runs anywhere; the
 * server, which only runs on Node, injects this one. It also keeps the transport's per-attempt deadline
 * itself (`enforcesTimeout`), so the transport creates no AbortController per attempt.
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

  async function undiciFetch(url: string, init: FetchInit): Promise<Response> {
    const callerSignal = init.signal ?? undefined
    if (callerSignal?.aborted) throw abortError(callerSignal.reason)
    // The deadline (and the caller's abort) reach undici through an EventEmitter, which undici accepts
    // as a signal: on Node 20 a fresh AbortSignal per call costs far more CPU than the call itself.
    const cancel = new EventEmitter()
    let timedOut = false
    const stopWaitingForAbort = callerSignal ? onAbort(callerSignal, () => cancel.emit('abort')) : undefined
    const cancelDeadline =
      init.timeoutMs === undefined
        ? undefined
        : startDeadline(clock, init.timeoutMs, () => {
            timedOut = true
            cancel.emit('abort')
          })
    const settle = () => {
      cancelDeadline?.()
      stopWaitingForAbort?.()
    }
    const failure = (error: unknown) => {
      settle()
      return timedOut ? timeoutError(init.timeoutMs) : error
    }

    let answer: Awaited<ReturnType<Agent['request']>>
    try {
      const { origin, path } = targetOf(url)
      answer = await dispatcher.request({
        origin,
        path,
        method: (init.method ?? 'GET') as 'POST',
        headers: init.headers as Record<string, string>,
        body: init.body as string,
        signal: cancel,
      })
    } catch (error) {
      throw failure(error)
    }
    const { statusCode, headers, body } = answer
    // Only what the transport reads from a Response: status, one header, the body as text. The
    // deadline runs until the body is read.
    return {
      status: statusCode,
      ok: statusCode >= 200 && statusCode < 300,
      headers: {
        get(name: string) {
          const value = headers[name.toLowerCase()]
          return Array.isArray(value) ? value.join(', ') : (value ?? null)
        },
      },
      text: () =>
        body.text().then(
          (text) => {
            settle()
            return text
          },
          (error: unknown) => {
            throw failure(error)
          },
        ),
    } as unknown as Response
  }

  return Object.assign(undiciFetch, {
    enforcesTimeout: true as const,
    // It only reads `aborted`/`reason` and waits with onAbort: the pool's light signals need no real one.
    acceptsLightSignals: true as const,
    close: () => dispatcher.close(),
  })
}

/** What fetch rejects with for `AbortSignal.timeout`; the transport maps it to `UpstreamTimeoutError`. */
function timeoutError(timeoutMs: number | undefined): DOMException {
  return new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError')
}

function abortError(reason: unknown): DOMException {
  return Object.assign(new DOMException('This operation was aborted', 'AbortError'), { cause: reason })
}
