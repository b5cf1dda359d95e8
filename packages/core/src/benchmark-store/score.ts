import type { RaceStats } from './types.js'

/**
 * The spec's leaderboard score: `winRate * marginPenalty * log10(max(totalRaces, 1))`, where
 * `marginPenalty = avgMarginMs > 0 ? 1 / (1 + avgMarginMs / 100) : 1`. Wins count, losing by a lot
 * costs, and confidence grows with the number of races (one race scores 0).
 *
 * @example
 * defaultScore({ providerId: 'a', wins: 60, losses: 40, totalRaces: 100, winRate: 0.6, avgMarginMs: 25 })
 * // 0.6 * (1 / 1.25) * 2 = 0.96
 */
export function defaultScore(stats: RaceStats): number {
  const marginPenalty = stats.avgMarginMs > 0 ? 1 / (1 + stats.avgMarginMs / 100) : 1
  return stats.winRate * marginPenalty * Math.log10(Math.max(stats.totalRaces, 1))
}
