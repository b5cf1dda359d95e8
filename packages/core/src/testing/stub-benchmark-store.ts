import type {
  BenchmarkStore,
  LeaderboardEntry,
  RaceStats,
  RecentProviderStats,
} from '../benchmark-store/types.js'
import { markValid } from '../benchmark-store/valid-snapshots.js'

/** Race figures of one provider in a {@link StubBenchmarkStore}. */
export interface StubRaceFigures {
  /** The leaderboard score, used as given (no score function runs). */
  score: number
  /** @default 1 */
  wins?: number
  /** @default 0 */
  losses?: number
  /** @default 0 */
  avgMarginMs?: number
}

/**
 * A {@link BenchmarkStore} whose figures a test sets directly, for testing routing strategies as pure
 * logic. `record*` and `restore` change nothing and are only counted, in `writes`; races count as
 * `newHeads` races; margins, RPC summaries and retained entries are empty; `snapshot()` holds no chains.
 */
export interface StubBenchmarkStore extends BenchmarkStore {
  /** Sets a provider's race figures on `chain`; `leaderboard(chain)` ranks by them. */
  setRace(chain: string, providerId: string, figures: StubRaceFigures): void
  /**
   * Sets what `recent(chain, providerId, method)` returns; `method` undefined sets the provider-wide
   * figures, `stats` undefined clears. Per-method and provider-wide figures are independent.
   */
  setRecent(
    chain: string,
    providerId: string,
    method: string | undefined,
    stats: RecentProviderStats | undefined,
  ): void
  /** Number of `record*` and `restore` calls received; strategies must leave it at 0. */
  readonly writes: number
}

interface StubRecent {
  chain: string
  providerId: string
  stats: RecentProviderStats
}

/**
 * Creates an empty {@link StubBenchmarkStore}.
 *
 * @example
 * const store = createStubBenchmarkStore()
 * store.setRecent('ethereum', 'alpha', 'eth_call', { samples: 20, latencyMs: 40, p95Ms: 90, errorRate: 0 })
 * store.setRace('ethereum', 'alpha', { score: 1.8, wins: 60, losses: 15 })
 */
export function createStubBenchmarkStore(): StubBenchmarkStore {
  const races = new Map<string, Map<string, StubRaceFigures>>()
  const recent = new Map<string, StubRecent>()
  let writes = 0
  const recentKey = (chain: string, providerId: string, method: string | undefined) =>
    `${chain}\u0000${providerId}\u0000${method ?? '\u0000all'}`

  const statsOf = (providerId: string, figures: StubRaceFigures | undefined): RaceStats => {
    const wins = figures?.wins ?? (figures ? 1 : 0)
    const losses = figures?.losses ?? 0
    const totalRaces = wins + losses
    return {
      providerId,
      wins,
      losses,
      totalRaces,
      winRate: totalRaces > 0 ? wins / totalRaces : 0,
      avgMarginMs: figures?.avgMarginMs ?? 0,
    }
  }

  const store: StubBenchmarkStore = {
    get writes() {
      return writes
    },
    setRace(chain, providerId, figures) {
      let chainRaces = races.get(chain)
      if (chainRaces === undefined) {
        chainRaces = new Map()
        races.set(chain, chainRaces)
      }
      chainRaces.set(providerId, { ...figures })
    },
    setRecent(chain, providerId, method, stats) {
      const key = recentKey(chain, providerId, method)
      if (stats === undefined) recent.delete(key)
      else recent.set(key, { chain, providerId, stats: { ...stats } })
    },
    recordRaceWin() {
      writes++
    },
    recordRaceLoss() {
      writes++
    },
    recordRpcCall() {
      writes++
    },
    leaderboard(chain) {
      const rows: LeaderboardEntry[] = [...(races.get(chain) ?? new Map<string, StubRaceFigures>())].map(
        ([providerId, figures]) => ({ ...statsOf(providerId, figures), score: figures.score, rank: 0 }),
      )
      rows.sort(
        (a, b) => b.score - a.score || b.totalRaces - a.totalRaces || (a.providerId < b.providerId ? -1 : 1),
      )
      rows.forEach((row, index) => {
        row.rank = index + 1
      })
      return rows
    },
    raceStats(chain, providerId) {
      return statsOf(providerId, races.get(chain)?.get(providerId))
    },
    raceStatsByEventType(chain) {
      return [...(races.get(chain) ?? new Map<string, StubRaceFigures>())]
        .map(([providerId, figures]) => ({ ...statsOf(providerId, figures), eventType: 'newHeads' }))
        .sort((a, b) => (a.providerId < b.providerId ? -1 : 1))
    },
    marginStats() {
      return { count: 0, sumMs: 0, meanMs: 0, minMs: 0, maxMs: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0, buckets: [] }
    },
    rpcStats() {
      return []
    },
    recent(chain, providerId, method) {
      const entry = recent.get(recentKey(chain, providerId, method))
      return entry === undefined ? undefined : { ...entry.stats }
    },
    raceEntries() {
      return []
    },
    rpcEntries() {
      return []
    },
    chains() {
      const chains = new Set(races.keys())
      for (const entry of recent.values()) chains.add(entry.chain)
      return [...chains]
    },
    snapshot() {
      return markValid({ version: 1, savedAt: 0, chains: [] })
    },
    restore() {
      writes++
    },
  }
  return store
}
