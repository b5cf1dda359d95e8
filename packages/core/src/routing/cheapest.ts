import { parseOptions } from '../validation/parse-options.js'
import * as v from '../validation/schema.js'
import { isMeasured, methodCost } from './figures.js'
import { defaultMinSamples, minSamplesSchema, strategyNameSchema } from './options.js'
import { sortKeyStrategy } from './order.js'
import type { RoutingStrategy } from './types.js'

/** The service level a provider must meet (for the method) to be preferred by `cheapest`. */
export interface CheapestSlo {
  /** Highest acceptable recent p95 latency (ms). @default 1000 */
  maxP95Ms?: number
  /** Highest acceptable recent error rate, 0..1. @default 0.05 */
  maxErrorRate?: number
}

/** Options of {@link createCheapestStrategy}. */
export interface CheapestStrategyOptions {
  /** Registry name. @default 'cheapest' */
  name?: string
  /** @default { maxP95Ms: 1000, maxErrorRate: 0.05 } */
  slo?: CheapestSlo
  /** Recent calls (for the method) before a provider's figures are judged; below it the provider meets the SLO. @default 5 */
  minSamples?: number
}

const schema = v.strictObject({
  name: v._default(strategyNameSchema, 'cheapest'),
  slo: v._default(
    v.strictObject({
      maxP95Ms: v._default(v.number().check(v.positive()), 1000),
      maxErrorRate: v._default(v.number().check(v.gte(0), v.lte(1)), 0.05),
    }),
    { maxP95Ms: 1000, maxErrorRate: 0.05 },
  ),
  minSamples: v._default(minSamplesSchema, defaultMinSamples),
})

const MEETS_SLO = 0
const MISSES_SLO = 1

/**
 * Lowest cost for the method first (`costPerMethod[method] ?? defaultCost ?? 1`) among providers
 * whose recent p95 and error rate for the method meet the SLO; ties go to the lower priority, then id.
 * Providers that miss the SLO follow, cheapest first, as fallback. A provider with fewer than
 * `minSamples` recent calls counts as meeting the SLO, so a cheap new provider gets its chance.
 *
 * @throws {ConfigError} when an option is invalid.
 * @example
 * const strategy = createCheapestStrategy({ slo: { maxP95Ms: 400, maxErrorRate: 0.01 } })
 */
export function createCheapestStrategy(options: CheapestStrategyOptions = {}): RoutingStrategy {
  const { name, slo, minSamples } = parseOptions(schema, options, 'cheapest strategy options')
  const { maxP95Ms, maxErrorRate } = slo
  return sortKeyStrategy(name, (candidates, context, keys) => {
    const n = candidates.length
    const { store, chain, method } = context
    for (let i = 0; i < n; i++) {
      const candidate = candidates[i]!
      const stats = store.recent(chain, candidate.id, method, context.now)
      // Written as "not over the limit" so a NaN figure counts as missing data, i.e. as meeting the SLO.
      const meets =
        !isMeasured(stats, minSamples) || (!(stats.p95Ms > maxP95Ms) && !(stats.errorRate > maxErrorRate))
      keys.group[i] = meets ? MEETS_SLO : MISSES_SLO
      keys.key[i] = methodCost(candidate, method)
    }
  })
}
