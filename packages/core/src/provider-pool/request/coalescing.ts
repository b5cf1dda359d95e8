import { type Cancellation, createCancellation } from '../../abort/cancellation.js'
import { onAbort } from '../../abort/on-abort.js'
import { AbortedError } from '../../errors/errors.js'

const HEX = /^0x[0-9a-fA-F]*$/

/**
 * The same value for calls that ask the same thing: object keys sorted, hex strings lowercased (an
 * address or a hash means the same in any case). Everything else as JSON writes it; the text is JSON.
 */
export function canonicalParams(params: unknown): string {
  return canonicalJson(params) ?? 'null'
}

/**
 * Written by hand rather than with a JSON.stringify replacer, which costs twice as much (a call per
 * value, a sorted copy of every object); what `JSON.stringify` would leave out is `undefined`.
 */
function canonicalJson(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(HEX.test(value) ? value.toLowerCase() : value)
    case 'object': {
      if (value === null) return 'null'
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function')
        return canonicalJson((value as { toJSON(): unknown }).toJSON())
      if (Array.isArray(value)) {
        let text = '['
        for (let i = 0; i < value.length; i++) text += `${i ? ',' : ''}${canonicalJson(value[i]) ?? 'null'}`
        return `${text}]`
      }
      let text = ''
      for (const key of Object.keys(value).sort()) {
        const member = canonicalJson((value as Record<string, unknown>)[key])
        if (member !== undefined) text += `${text ? ',' : ''}${JSON.stringify(key)}:${member}`
      }
      return `{${text}}`
    }
    default:
      // Numbers, booleans, and what JSON refuses (a bigint throws) or leaves out, exactly as it does.
      return JSON.stringify(value)
  }
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
