import { type Cancellation, createCancellation } from '../../abort/cancellation.js'
import { onAbort } from '../../abort/on-abort.js'
import { AbortedError } from '../../errors/errors.js'

/**
 * The same value for calls that ask the same thing: object keys sorted, hex strings lowercased (an
 * address or a hash means the same in any case). Everything else as JSON writes it.
 */
export function canonicalParams(params: unknown): string {
  return JSON.stringify(params, (_key, value: unknown) => {
    if (typeof value === 'string') return /^0x[0-9a-fA-F]*$/.test(value) ? value.toLowerCase() : value
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value
    const sorted: Record<string, unknown> = {}
    for (const key of Object.keys(value).sort()) sorted[key] = (value as Record<string, unknown>)[key]
    return sorted
  })
}

/** Shares one run of a call among the callers that ask for it while it is in flight. */
export interface Coalescer {
  /**
   * Runs `start` for `key`, or joins the run already in flight for it. The run gets a signal of its own
   * that aborts only once every caller has gone (each caller's own `signal` ends its wait at once with
   * `AbortedError`); its outcome, an answer or an error, is every caller's.
   */
  run<T>(key: string, signal: AbortSignal | undefined, start: (signal: AbortSignal) => Promise<T>): Promise<T>
  /** Whether a run of `key` is in flight: a call made now would join it. */
  has(key: string): boolean
  /** Keys in flight now. */
  readonly size: number
}

interface Flight {
  promise: Promise<unknown>
  waiting: number
  /** A light one (abort/cancellation.ts): a real AbortSignal per flight would cost more than coalescing. */
  cancellation: Cancellation
}

/**
 * Creates a coalescer. A key is forgotten as soon as its run settles: later callers start a new run
 * (coalescing shares calls in flight; keeping answers is a cache's job).
 *
 * @example
 * const answer = await coalescer.run(key, signal, (shared) => send(call, shared))
 */
export function createCoalescer(): Coalescer {
  const flights = new Map<string, Flight>()
  return {
    get size() {
      return flights.size
    },
    has: (key) => flights.has(key),
    run<T>(key: string, signal: AbortSignal | undefined, start: (signal: AbortSignal) => Promise<T>) {
      if (signal?.aborted) return Promise.reject(new AbortedError({ cause: signal.reason }))
      let flight = flights.get(key)
      if (flight === undefined) {
        const cancellation = createCancellation()
        const created: Flight = { promise: start(cancellation.signal), waiting: 0, cancellation }
        const forget = () => {
          if (flights.get(key) === created) flights.delete(key)
        }
        created.promise.then(forget, forget)
        flights.set(key, created)
        flight = created
      }
      const own = flight
      own.waiting++
      return new Promise<T>((resolve, reject) => {
        let done = false
        let stopWaiting: (() => void) | undefined
        const leave = () => {
          if (done) return false
          done = true
          stopWaiting?.()
          own.waiting--
          return true
        }
        if (signal)
          stopWaiting = onAbort(signal, () => {
            if (!leave()) return
            // The last caller gone: nobody wants the answer any more. A caller that comes now starts
            // afresh rather than joining a run that is being cancelled.
            if (own.waiting === 0) {
              if (flights.get(key) === own) flights.delete(key)
              own.cancellation.abort(signal.reason)
            }
            reject(new AbortedError({ cause: signal.reason }))
          })
        own.promise.then(
          (value) => leave() && resolve(value as T),
          (error: unknown) => leave() && reject(error),
        )
      })
    },
  }
}
