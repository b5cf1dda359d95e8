import { parseOptions } from '../validation/parse-options.js'
import * as v from '../validation/schema.js'
import { clampRate, isMeasured, methodCost, raceScore } from './figures.js'
import { defaultMinSamples, minSamplesSchema, strategyNameSchema } from './options.js'
import { sortKeyStrategy } from './order.js'
import type { RoutingStrategy } from './types.js'

/** Relative weights of the figures `hybrid` combines; only their ratios matter. */
export interface HybridWeights {
  /** Race score from the leaderboard (higher is better). @default 0.3 */
  score?: number
  /** Recent latency for the method (lower is better). @default 0.4 */
  latency?: number
  /** Configured cost for the method (lower is better). @default 0.1 */
  cost?: number
  /** Recent error rate for the method (lower is better). @default 0.2 */
  errorRate?: number
}

/** Options of {@link createHybridStrategy}. */
export interface HybridStrategyOptions {
  /** Registry name. @default 'hybrid' */
  name?: string
  /** Missing weights keep their defaults. @default { score: 0.3, latency: 0.4, cost: 0.1, errorRate: 0.2 } */
  weights?: HybridWeights
  /** Recent calls (for the method) before latency and error rate count; below it they are unknown. @default 5 */
  minSamples?: number
}

const weight = (fallback: number) => v._default(v.number().check(v.gte(0), v.lte(1e6)), fallback)
const schema = v.strictObject({
  name: v._default(strategyNameSchema, 'hybrid'),
  weights: v
    ._default(
      v.strictObject({ score: weight(0.3), latency: weight(0.4), cost: weight(0.1), errorRate: weight(0.2) }),
      { score: 0.3, latency: 0.4, cost: 0.1, errorRate: 0.2 },
    )
    .check(
      v.refine((w) => w.score + w.latency + w.cost + w.errorRate > 0, 'at least one weight must be above 0'),
    ),
  minSamples: v._default(minSamplesSchema, defaultMinSamples),
})

/** What an unknown figure, or a figure every candidate shares, contributes: the middle of the range. */
const NEUTRAL = 0.5

/**
 * Weighted blend of race score, latency, cost and error rate. Each figure is min-max normalised
 * across the candidates of the call to 0..1 (1 = best), then `sum(weight * normalised)` ranks them,
 * highest first; ties go to the lower priority, then id. An unknown figure (no race data, fewer than
 * `minSamples` recent calls) counts as 0.5, neither rewarded nor punished, and so does a figure every
 * candidate shares, which therefore cannot sway the order.
 *
 * Min-max is relative: with latencies 50, 60 and 5000 ms, 50 and 60 score nearly alike. Raise the
 * latency weight, or use `fastest`, when small latency gaps must decide.
 *
 * @throws {ConfigError} when an option is invalid.
 * @example
 * const strategy = createHybridStrategy({ weights: { latency: 0.6, cost: 0.4, score: 0, errorRate: 0 } })
 */
export function createHybridStrategy(options: HybridStrategyOptions = {}): RoutingStrategy {
  const { name, weights, minSamples } = parseOptions(schema, options, 'hybrid strategy options')
  // Per-call figures, one row per dimension; reused across calls like the sort keys.
  let figures = createFigures(8)
  return sortKeyStrategy(name, (candidates, context, keys) => {
    const n = candidates.length
    if (figures.score.length < n) figures = createFigures(n)
    const { score, latency, cost, errorRate } = figures
    const { store, chain, method } = context
    const rows = weights.score > 0 ? store.leaderboard(chain) : []
    for (let i = 0; i < n; i++) {
      const candidate = candidates[i]!
      const stats = store.recent(chain, candidate.id, method, context.now)
      const measured = isMeasured(stats, minSamples)
      score[i] = raceScore(rows, candidate.id)
      latency[i] = measured ? stats.latencyMs : Number.NaN
      errorRate[i] = measured ? clampRate(stats.errorRate) : Number.NaN
      cost[i] = methodCost(candidate, method)
    }
    const scoreRange = rangeOf(score, n)
    const latencyRange = rangeOf(latency, n)
    const costRange = rangeOf(cost, n)
    const errorRateRange = rangeOf(errorRate, n)
    for (let i = 0; i < n; i++) {
      const blend =
        weights.score * normalised(score[i]!, scoreRange, true) +
        weights.latency * normalised(latency[i]!, latencyRange, false) +
        weights.cost * normalised(cost[i]!, costRange, false) +
        weights.errorRate * normalised(errorRate[i]!, errorRateRange, false)
      keys.group[i] = 0
      keys.key[i] = -blend // the sort is ascending; the best blend goes first
    }
  })
}

interface Figures {
  score: Float64Array
  latency: Float64Array
  cost: Float64Array
  errorRate: Float64Array
}

function createFigures(capacity: number): Figures {
  return {
    score: new Float64Array(capacity),
    latency: new Float64Array(capacity),
    cost: new Float64Array(capacity),
    errorRate: new Float64Array(capacity),
  }
}

/** Min and half-range of the finite figures; halved so figures near ±Number.MAX_VALUE cannot overflow to Infinity. */
interface Range {
  halfMin: number
  halfRange: number
}

function rangeOf(values: Float64Array, n: number): Range {
  let min = Number.POSITIVE_INFINITY
  let max = Number.NEGATIVE_INFINITY
  for (let i = 0; i < n; i++) {
    const value = values[i]!
    if (!Number.isFinite(value)) continue
    if (value < min) min = value
    if (value > max) max = value
  }
  return { halfMin: min / 2, halfRange: max / 2 - min / 2 }
}

/**
 * A figure mapped to 0..1, 1 = best. {@link NEUTRAL} when it is unknown (not finite) or when the
 * figures have no spread (or none is known), because then it cannot tell the candidates apart.
 */
function normalised(value: number, range: Range, higherIsBetter: boolean): number {
  if (!(range.halfRange > 0) || !Number.isFinite(value)) return NEUTRAL
  const fromMin = (value / 2 - range.halfMin) / range.halfRange
  return higherIsBetter ? fromMin : 1 - fromMin
}
