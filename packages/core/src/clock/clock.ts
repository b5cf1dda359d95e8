/** An opaque timer handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = unknown

/**
 * The source of time for every time-dependent primitive. Injected so tests can drive time with a
 * fake clock instead of sleeping.
 */
export interface Clock {
  /** Milliseconds, sub-millisecond resolution, monotonic (like `performance.now()`). */
  now(): number
  /** Schedules `callback` after `ms` milliseconds. */
  setTimeout(callback: () => void, ms: number): TimerHandle
  /** Cancels a timer created by {@link Clock.setTimeout}; unknown handles are ignored. */
  clearTimeout(handle: TimerHandle): void
}

/**
 * The real clock: `performance.now()` and the runtime's timers. Works in Node, browsers and edge
 * runtimes (all expose `performance` and `setTimeout` globally).
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}
