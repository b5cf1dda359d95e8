/** How reconnection delays grow. */
export interface BackoffOptions {
  /** Delay before the first retry (ms). */
  initialDelayMs: number
  /** Upper bound of any delay (ms), jitter included. */
  maxDelayMs: number
  /** Growth factor per consecutive failure. */
  multiplier: number
  /**
   * Fraction of the delay that is randomised, 0–1: the delay is drawn from
   * `[base × (1 − jitter), base]`. 0 means no jitter, 1 is "full jitter".
   */
  jitter: number
}

/**
 * The delay before retry number `attempt` (0 for the first): exponential growth capped at
 * `maxDelayMs`, then jittered downwards so many clients that lost the same upstream do not reconnect
 * in lockstep. `random` returns a number in [0, 1) (inject a seeded one in tests).
 *
 * @example
 * backoffDelay(3, { initialDelayMs: 500, maxDelayMs: 30_000, multiplier: 2, jitter: 0 }, Math.random) // 4000
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number): number {
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * options.multiplier ** attempt)
  return base * (1 - options.jitter * random())
}
