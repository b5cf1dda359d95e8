import type { RecentProviderStats } from '../benchmark-store/types.js'
import { parseOptions } from '../validation/parse-options.js'
import * as v from '../validation/schema.js'
import { clampRate, isMeasured } from './figures.js'
import { defaultMinSamples, minSamplesSchema, strategyNameSchema } from './options.js'
import { comesAfterByPriority, type SortKeys, sortKeyStrategy } from './order.js'
import type { ProviderCandidate, RoutingStrategy } from './types.js'

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
  /**
   * Whether providers get exploration traffic: the coldest provider goes first until it is measured, and
   * one decision in `exploreEvery` puts a measured runner-up first. When false, cold providers and
   * runners-up only get failover (and hedge) traffic. @default true
   */
  explore?: boolean
  /**
   * One decision in this many (over all chains and methods) is exploratory: the measured provider other
   * than the leader with the fewest recent samples goes first, so a provider that fell behind is sampled
   * again and wins its place back once it recovers. @default 20
   */
  exploreEvery?: number
}

const schema = v.strictObject({
  name: v._default(strategyNameSchema, 'fastest'),
  minSamples: v._default(minSamplesSchema, defaultMinSamples),
  errorPenaltyMs: v._default(v.number().check(v.gte(0), v.lte(Number.MAX_SAFE_INTEGER)), 1000),
  explore: v._default(v.boolean(), true),
  exploreEvery: v._default(v.number().check(v.int(), v.gte(2), v.lte(1_000_000)), 20),
})

const EXPLORE = 0
const MEASURED = 1
const COLD = 2

/**
 * The typical recent latency of a provider for the method: the median of its last calls when the store
 * has it, otherwise the time-decayed mean. NaN when neither is a number.
 */
function typicalLatency(stats: RecentProviderStats): number {
  const median = stats.medianMs
  return median !== undefined && median >= 0 ? median : stats.latencyMs
}

/**
 * Lowest typical latency for the method first, from `store.recent(chain, providerId, method)`.
 * Measured providers (at least `minSamples` recent calls) are ranked by
 * `latencyMs + errorRate * errorPenaltyMs`, where `latencyMs` is the median of the provider's last 8
 * calls (the time-decayed mean when the store has no median), so a fast provider that often fails loses
 * to a slightly slower reliable one.
 *
 * Why the median rather than the decayed mean: stalls (answers held back hundreds of milliseconds) are
 * the hedge's business — each costs at most the hedge delay plus the next provider's answer — and the
 * mean is dominated by them (one 800 ms stall in 40 calls adds 20 ms); and a mean decayed over the
 * store's half-life (30 s) needs about that long to notice that a provider has become four times
 * slower, while the median of the last 8 calls notices within 5 calls. A provider that stalls in most
 * of its answers but answers fast otherwise keeps its place until half of its last calls stall; the
 * hedge bounds what that costs.
 *
 * Exploration is deterministic. While any candidate is cold, the coldest one (fewest samples, then
 * priority, then id) is tried first, so a new provider takes `minSamples` calls and then competes on its
 * figures. Otherwise one decision in `exploreEvery` puts first the measured runner-up with the fewest
 * recent samples (the one sampled least lately): without it a provider that fell behind is never asked
 * again and its stale figure keeps it behind after it recovers. Five exploratory calls bring a
 * recovered provider's median back, so with two runners-up and the default of 20 it takes about 200
 * decisions; the price is that 1 read in 20 goes to a provider believed slower (its stalls are still
 * hedged).
 *
 * @throws {ConfigError} when an option is invalid.
 * @example
 * const strategy = createFastestStrategy({ minSamples: 10, errorPenaltyMs: 500, exploreEvery: 50 })
 */
export function createFastestStrategy(options: FastestStrategyOptions = {}): RoutingStrategy {
  const { name, minSamples, errorPenaltyMs, explore, exploreEvery } = parseOptions(
    schema,
    options,
    'fastest strategy options',
  )
  let decisions = 0
  /** Recent samples of the i-th candidate of the current call; reused across calls like the sort keys. */
  let samplesOf = new Float64Array(8)
  return sortKeyStrategy(name, (candidates, context, keys) => {
    const n = candidates.length
    if (samplesOf.length < n) samplesOf = new Float64Array(Math.max(n, samplesOf.length * 2))
    const { store, chain, method } = context
    let coldest = -1
    let coldestSamples = 0
    let leader = -1
    for (let i = 0; i < n; i++) {
      const candidate = candidates[i]!
      const stats = store.recent(chain, candidate.id, method, context.now)
      const samples = stats !== undefined && stats.samples > 0 ? stats.samples : 0
      samplesOf[i] = samples
      const latency = stats === undefined ? Number.NaN : typicalLatency(stats)
      // `>= 0` also rejects a NaN latency, which then counts as unmeasured.
      if (isMeasured(stats, minSamples) && latency >= 0) {
        keys.group[i] = MEASURED
        keys.key[i] = latency + clampRate(stats.errorRate) * errorPenaltyMs
        if (leader === -1 || ranksBefore(keys, candidates, i, leader)) leader = i
        continue
      }
      keys.group[i] = COLD
      keys.key[i] = 0
      if (!explore) continue
      if (
        coldest === -1 ||
        samples < coldestSamples ||
        (samples === coldestSamples && comesAfterByPriority(candidates[coldest]!, candidate))
      ) {
        coldest = i
        coldestSamples = samples
      }
    }
    if (!explore) return
    if (coldest !== -1) {
      keys.group[coldest] = EXPLORE
      return
    }
    decisions = decisions + 1 === exploreEvery ? 0 : decisions + 1
    if (decisions !== 0) return
    let probe = -1
    for (let i = 0; i < n; i++) {
      if (i === leader || keys.group[i] !== MEASURED) continue
      if (
        probe === -1 ||
        samplesOf[i]! < samplesOf[probe]! ||
        (samplesOf[i] === samplesOf[probe] && comesAfterByPriority(candidates[probe]!, candidates[i]!))
      )
        probe = i
    }
    if (probe !== -1) keys.group[probe] = EXPLORE
  })
}

/** Whether measured candidate `i` ranks before measured candidate `j`, as the final order would have it. */
function ranksBefore(
  keys: SortKeys,
  candidates: readonly ProviderCandidate[],
  i: number,
  j: number,
): boolean {
  const ki = keys.key[i]!
  const kj = keys.key[j]!
  if (ki !== kj) return ki < kj
  return comesAfterByPriority(candidates[j]!, candidates[i]!)
}
