import type { Clock } from '@chainpulse/core'

/** A per-second rate over a sliding window. */
export interface RequestRate {
  /** Counts one request now. */
  record(): void
  /** Requests per second over the window (the current, partial second excluded). */
  perSecond(): number
}

/**
 * Counts events in one-second buckets and reports their mean rate over the last `windowSeconds` whole
 * seconds: steady enough for a dashboard, and cheap on the hot path (one increment per request).
 */
export function createRequestRate(clock: Pick<Clock, 'now'>, windowSeconds = 10): RequestRate {
  const buckets = new Array<number>(windowSeconds + 1).fill(0)
  let currentSecond = Math.floor(clock.now() / 1_000)

  function advance(): number {
    const second = Math.floor(clock.now() / 1_000)
    // Buckets of the seconds skipped while nothing came in are emptied, at most once each.
    for (let s = currentSecond + 1; s <= Math.min(second, currentSecond + buckets.length); s++)
      buckets[s % buckets.length] = 0
    if (second > currentSecond) currentSecond = second
    return second
  }

  return {
    record() {
      const second = advance()
      buckets[second % buckets.length]!++
    },
    perSecond() {
      const second = advance()
      let total = 0
      for (let s = second - windowSeconds; s < second; s++)
        total += buckets[((s % buckets.length) + buckets.length) % buckets.length]!
      return total / windowSeconds
    },
  }
}
