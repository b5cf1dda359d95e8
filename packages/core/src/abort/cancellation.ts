/**
 * A cancellation ChainPulse makes for its own fan-out: one per coalesced flight, one per attempt of a
 * hedged read. Its `signal` does what the pool's code needs of an AbortSignal — `aborted`, `reason`,
 * `throwIfAborted()`, `addEventListener('abort', fn)` / `removeEventListener` (the listener is called
 * with no event), and `onAbort` — at the cost of a plain object. On Node 20 each real AbortSignal
 * costs about 7 µs of CPU and garbage collection to create, and a proxied read would make one or two
 * of them: more than the rest of coalescing and hedging.
 *
 * It is not an AbortSignal: where one leaves ChainPulse's code (a user's `fetch`) it goes through
 * {@link toAbortSignal}, which makes a real one linked to it, once, and only there.
 */
export interface Cancellation {
  /** Typed as an AbortSignal so it flows where one does; see {@link toAbortSignal} before handing it out. */
  readonly signal: AbortSignal
  /** Aborts the signal (once; later calls do nothing), with `reason` or an `AbortError` DOMException. */
  abort(reason?: unknown): void
}

class LightSignal {
  aborted = false
  reason: unknown = undefined
  /** Created on the first listener: most signals end unaborted with one or two, or none. */
  listeners: Set<() => void> | undefined = undefined
  /** The real AbortSignal handed out for this one, made on first need (`toAbortSignal`). */
  real: AbortSignal | undefined = undefined

  addEventListener(type: string, listener: () => void): void {
    // The event fires once, so `{ once: true }` changes nothing and other options do not apply.
    if (type !== 'abort' || this.aborted) return
    this.listeners ??= new Set()
    this.listeners.add(listener)
  }

  removeEventListener(type: string, listener: () => void): void {
    if (type === 'abort') this.listeners?.delete(listener)
  }

  throwIfAborted(): void {
    if (this.aborted) throw this.reason
  }

  abort(reason: unknown): void {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason
    const listeners = this.listeners
    this.listeners = undefined
    // A Set visits what is added during the loop and skips what is deleted before its turn. A listener
    // that throws does not stop the others: its error is rethrown asynchronously, as EventTarget does.
    for (const listener of listeners ?? []) {
      listeners!.delete(listener)
      try {
        listener()
      } catch (error) {
        queueMicrotask(() => {
          throw error
        })
      }
    }
  }
}

/**
 * Creates a {@link Cancellation}.
 *
 * @example
 * const cancellation = createCancellation()
 * const answer = send(call, cancellation.signal)
 * cancellation.abort() // everything waiting on the signal stops
 */
export function createCancellation(): Cancellation {
  const signal = new LightSignal()
  return {
    // The one place a LightSignal becomes an "AbortSignal": everything inside the pool reads it as one.
    signal: signal as unknown as AbortSignal,
    abort: (reason) => signal.abort(reason),
  }
}

/** Whether `signal` is a {@link Cancellation}'s signal rather than a real AbortSignal. */
export function isLightSignal(signal: AbortSignal): boolean {
  return signal instanceof LightSignal
}

/**
 * A real AbortSignal for `signal`: itself if it is one, else one made once for that cancellation and
 * aborted with it. For code outside ChainPulse (a user's `fetch`) that may check what it is given.
 */
export function toAbortSignal(signal: AbortSignal): AbortSignal {
  if (!(signal instanceof LightSignal)) return signal
  if (signal.real === undefined) {
    if (signal.aborted) signal.real = AbortSignal.abort(signal.reason)
    else {
      const controller = new AbortController()
      signal.addEventListener('abort', () => controller.abort(signal.reason))
      signal.real = controller.signal
    }
  }
  return signal.real
}
