import { parseOptions } from '../validation/parse-options.js'
import * as v from '../validation/schema.js'
import type { TripRule } from './trip-rule.js'

const thresholdSchema = v.number().check(v.int(), v.positive())

/**
 * A {@link TripRule} that opens the breaker on the `threshold`-th failure in a row; any success resets
 * the count. This is the rule behind `failureThreshold`.
 *
 * @param threshold - consecutive failures that open the breaker (integer ≥ 1).
 * @throws {ConfigError} when `threshold` is not a positive integer.
 * @example
 * const breaker = createCircuitBreaker({ tripRule: consecutiveFailures(3) })
 */
export function consecutiveFailures(threshold: number): TripRule {
  const limit = parseOptions(thresholdSchema, threshold, 'consecutiveFailures threshold')
  return {
    create() {
      let failures = 0
      return {
        usesTime: false,
        success() {
          failures = 0
        },
        failure: () => ++failures >= limit,
        reset() {
          failures = 0
        },
      }
    },
  }
}
