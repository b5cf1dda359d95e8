import { parseOptions } from '../validation/parse-options.js'
import * as v from '../validation/schema.js'
import { clampRate, isMeasured } from './figures.js'
import { defaultMinSamples, minSamplesSchema, strategyNameSchema } from './options.js'
import { comesAfterByPriority, sortKeyStrategy } from './order.js'
import type { RoutingStrategy } from './types.js'

/** Options of {@link createFastestStrategy}. */
export interface FastestStrategyOptions {
  /** Registry name. @default 'fastest' */
  name?: string
  /**
   * Recent calls (for the method) a provider needs before its latency is trusted; below it the
   * provider is "cold" and gets exploration traffic. @default 5
   */
  minSamples?: number
  /** Milliseconds one error costs: the ranking key is `latencyMs + errorRate * errorPenaltyMs`. @default 1000 */
  errorPenaltyMs?: number
  /** Whether the coldest provider goes first until it is measured; when false cold providers only get failover traffic. @default true */
  explore?: boolean
}

const schema = v.strictObject({
  name: v._default(strategyNameSchema, 'fastest'),
  minSamples: v._default(minSamplesSchema, defaultMinSamples),
  errorPenaltyMs: v._default(v.number().check(v.gte(0), v.lte(Number.MAX_SAFE_INTEGER)), 1000),
  explore: v._default(v.boolean(), true),
})

const EXPLORE = 0
const MEASURED = 1
const COLD = 2

/**
 * Lowest recent latency for the method first, from `store.recent(chain, providerId, method)`.
 * Measured providers (at least `minSamples` recent calls) are ranked by
 * `latencyMs + errorRate * errorPenaltyMs`, so a fast provider that often fails loses to a slightly
 * slower reliable one. Cold providers follow in priority order.
 *
 * Exploration is deterministic: while any candidate is cold, the coldest one (fewest samples, then
 * priority, then id) is tried first, so a new provider takes `minSamples` calls and then competes on
 * its figures. Recent figures decay, so a provider that ranks last stops getting traffic, goes cold
 * again and is re-probed: that is how a recovered provider wins its place back.
 *
 * @throws {ConfigError} when an option is invalid.
 * @example
 * const strategy = createFastestStrategy({ minSamples: 10, errorPenaltyMs: 500 })
 */
export function createFastestStrategy(options: FastestStrategyOptions = {}): RoutingStrategy {
  const { name, minSamples, errorPenaltyMs, explore } = parseOptions(
    schema,
    options,
    'fastest strategy options',
  )
  return sortKeyStrategy(name, (candidates, context, keys) => {
    const n = candidates.length
    const { store, chain, method } = context
    let coldest = -1
    let coldestSamples = 0
    for (let i = 0; i < n; i++) {
      const candidate = candidates[i]!
      const stats = store.recent(chain, candidate.id, method, context.now)
      // `>= 0` also rejects a NaN latency, which then counts as unmeasured.
      if (isMeasured(stats, minSamples) && stats.latencyMs >= 0) {
        keys.group[i] = MEASURED
        keys.key[i] = stats.latencyMs + clampRate(stats.errorRate) * errorPenaltyMs
        continue
      }
      keys.group[i] = COLD
      keys.key[i] = 0
      if (!explore) continue
      const samples = stats !== undefined && stats.samples > 0 ? stats.samples : 0
      if (
        coldest === -1 ||
        samples < coldestSamples ||
        (samples === coldestSamples && comesAfterByPriority(candidates[coldest]!, candidate))
      ) {
        coldest = i
        coldestSamples = samples
      }
    }
    if (coldest !== -1) keys.group[coldest] = EXPLORE
  })
}
