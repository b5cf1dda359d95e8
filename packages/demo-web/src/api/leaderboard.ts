import type { LeaderboardEntry } from './types.js'

/**
 * The leaderboard's top provider (lowest rank), if any race was ranked.
 * @example leaderOf([{ providerId: 'b', rank: 2 }, { providerId: 'a', rank: 1 }]) // 'a'
 */
export function leaderOf(entries: readonly LeaderboardEntry[] | undefined): string | undefined {
  if (!entries || entries.length === 0) return undefined
  return entries.reduce((best, entry) => (entry.rank < best.rank ? entry : best)).providerId
}
