import { parseOptions } from '../validation/parse-options.js'
import * as v from '../validation/schema.js'
import type { TripRule } from './trip-rule.js'

/** Options of {@link failureRatio}. */
export interface FailureRatioOptions {
  /** Share of failed calls in the window (0 < ratio ≤ 1) at or above which the breaker opens. @default 0.5 */
  ratio?: number
  /** Length of the sliding window (ms of clock time). @default 30_000 */
  windowMs?: number
  /**
   * Calls that must be in the window before the ratio is trusted, so one failure out of one call does
   * not open the breaker.
   * @default 10
   */
  minimumCalls?: number
  /**
   * Time buckets the window is divided into. Memory is fixed at this many counters; the window slides
   * one bucket (`windowMs / buckets`) at a time, so it covers between `windowMs - windowMs / buckets`
   * and `windowMs` of history.
   * @default 10
   */
  buckets?: number
}

const optionsSchema = v.strictObject({
  ratio: v._default(v.number().check(v.gt(0), v.lte(1)), 0.5),
  windowMs: v._default(v.number().check(v.positive()), 30_000),
  minimumCalls: v._default(v.number().check(v.int(), v.positive()), 10),
  buckets: v._default(v.number().check(v.int(), v.positive(), v.lte(1_000)), 10),
})

/**
 * A {@link TripRule} that opens the breaker when, over the last `windowMs` of clock time, at least
 * `minimumCalls` calls were made and the share of failures among them reached `ratio`. Counts live in a
 * fixed ring of time buckets, so memory does not grow with traffic.
 *
 * @throws {ConfigError} when an option is out of range.
 * @example
 * // Open when half of the calls in the last 10 s failed, once there were at least 20 calls.
 * const breaker = createCircuitBreaker({
 *   tripRule: failureRatio({ ratio: 0.5, windowMs: 10_000, minimumCalls: 20 }),
 * })
 */
export function failureRatio(options: FailureRatioOptions = {}): TripRule {
  const { ratio, windowMs, minimumCalls, buckets } = parseOptions(
    optionsSchema,
    options,
    'failureRatio options',
  )
  const bucketMs = windowMs / buckets

  return {
    create() {
      // Slot i holds the counts of bucket number bucketOf[i] (= floor(time / bucketMs)); a slot whose
      // number is stale is recycled on the next write instead of being cleared by a timer.
      const bucketOf = new Float64Array(buckets).fill(Number.NEGATIVE_INFINITY)
      const successes = new Float64Array(buckets)
      const failures = new Float64Array(buckets)

      function slotAt(now: number): number {
        const bucket = Math.floor(now / bucketMs)
        const slot = ((bucket % buckets) + buckets) % buckets
        if (bucketOf[slot] !== bucket) {
          bucketOf[slot] = bucket
          successes[slot] = 0
          failures[slot] = 0
        }
        return slot
      }

      return {
        success(now) {
          const slot = slotAt(now)
          successes[slot]! += 1
        },
        failure(now) {
          const slot = slotAt(now)
          failures[slot]! += 1
          const oldestBucket = bucketOf[slot]! - buckets + 1
          let calls = 0
          let failed = 0
          for (let i = 0; i < buckets; i++) {
            if (bucketOf[i]! < oldestBucket) continue
            calls += successes[i]! + failures[i]!
            failed += failures[i]!
          }
          // Divide rather than compare with ratio * calls: 0.3 * 10 is 3.0000000000000004.
          return calls >= minimumCalls && failed / calls >= ratio
        },
        reset() {
          bucketOf.fill(Number.NEGATIVE_INFINITY)
          successes.fill(0)
          failures.fill(0)
        },
      }
    },
  }
}
