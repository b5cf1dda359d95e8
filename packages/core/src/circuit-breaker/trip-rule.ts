/**
 * Decides when a closed circuit breaker opens. A rule is configuration and may be shared: each breaker
 * calls {@link TripRule.create} once to get its own {@link TripTracker}, so one rule object can
 * configure every provider's breaker without their counts mixing.
 *
 * @example
 * // Opens on every third failure, ignoring successes.
 * const everyThird: TripRule = {
 *   create() {
 *     let failures = 0
 *     return { success() {}, failure: () => ++failures >= 3, reset: () => void (failures = 0) }
 *   },
 * }
 */
export interface TripRule {
  /** Creates an independent tracker for one breaker. */
  create(): TripTracker
}

/**
 * The per-breaker state of a {@link TripRule}. The breaker reports only outcomes of calls made while
 * closed, passing its clock's time so rules never read a clock of their own. Calls are on the hot path:
 * keep them allocation-free.
 */
export interface TripTracker {
  /**
   * `false` when the rule ignores time (e.g. consecutive failures): the breaker then skips reading its
   * clock on every call, which matters on the request hot path. @default true
   */
  readonly usesTime?: boolean
  /** Records a successful call at clock time `now` (ms). */
  success(now: number): void
  /** Records a failed call at clock time `now` (ms); returns `true` when the breaker should open. */
  failure(now: number): boolean
  /** Forgets every recorded outcome; called whenever the breaker opens or closes. */
  reset(): void
}
