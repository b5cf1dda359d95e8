import type { Clock } from '../../clock/clock.js'

/** A token bucket that caps how many requests per second the pool sends to one provider. */
export interface RateLimiter {
  /** Takes one token if available; `false` means the provider is at its configured limit right now. */
  tryTake(): boolean
}

/**
 * Creates a token bucket refilling `perSecond` tokens per second, holding at most `burst` (default one
 * second's worth). Refill is computed lazily from the clock, so an idle limiter costs nothing.
 */
export function createRateLimiter(
  perSecond: number,
  clock: Clock,
  burst = Math.max(1, perSecond),
): RateLimiter {
  let tokens = burst
  let refilledAt = clock.now()
  return {
    tryTake() {
      const now = clock.now()
      tokens = Math.min(burst, tokens + ((now - refilledAt) / 1000) * perSecond)
      refilledAt = now
      if (tokens < 1) return false
      tokens -= 1
      return true
    },
  }
}
