import type { LeaderboardEntry, RecentProviderStats } from '../benchmark-store/types.js'
import type { ProviderCandidate } from './types.js'

/**
 * Cost of one `method` call on `candidate`: `costPerMethod[method] ?? defaultCost ?? 1`. Own keys only,
 * because method names come from clients and `constructor` or `__proto__` must not read the prototype.
 */
export function methodCost(candidate: ProviderCandidate, method: string): number {
  const costs = candidate.costPerMethod
  const own = costs !== undefined && Object.hasOwn(costs, method) ? costs[method] : undefined
  const cost = typeof own === 'number' ? own : (candidate.defaultCost ?? 1)
  return Number.isNaN(cost) ? Number.POSITIVE_INFINITY : cost
}

/**
 * The race score of `providerId` from leaderboard rows, or NaN when it has no race data (no row, no
 * races, or a score that is not a number). A linear scan: a chain has a handful of providers, and a
 * Map would cost an allocation per call.
 */
export function raceScore(rows: readonly LeaderboardEntry[], providerId: string): number {
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!
    if (row.providerId === providerId) return row.totalRaces > 0 ? row.score : Number.NaN
  }
  return Number.NaN
}

/** Whether recent figures are based on enough calls to be trusted (NaN samples count as none). */
export function isMeasured(
  stats: RecentProviderStats | undefined,
  minSamples: number,
): stats is RecentProviderStats {
  return stats !== undefined && stats.samples >= minSamples
}

/** An error rate clamped to 0..1; a missing or NaN rate counts as 0 (no evidence of errors). */
export function clampRate(rate: number): number {
  return rate > 0 ? Math.min(rate, 1) : 0
}
