import type { BenchmarkStore, Clock } from '@chainpulse/core'

/** One provider's standing in a {@link ScoreSample}. */
export interface ScorePoint {
  providerId: string
  score: number
  winRate: number
  totalRaces: number
  rank: number
}

/** The leaderboard of one chain at one moment. */
export interface ScoreSample {
  /** Unix epoch ms. */
  ts: number
  providers: ScorePoint[]
}

/** Body of `GET /api/leaderboard/:chain/history`. */
export interface ScoreHistoryView {
  chain: string
  /** Time between samples (ms). */
  intervalMs: number
  /** Samples kept per chain. */
  capacity: number
  samples: ScoreSample[]
}

/** Periodic leaderboard samples per chain, for the Racing tab's score-over-time chart. */
export interface ScoreHistory {
  /** Samples of `chain`, oldest first (empty for an unknown chain). */
  samples(chain: string): ScoreSample[]
  /** Takes one sample of every chain now (the timer calls it; tests may too). */
  sample(): void
  /** Stops the timer; samples are kept. */
  stop(): void
}

/** Options of {@link createScoreHistory}. */
export interface ScoreHistoryOptions {
  store: Pick<BenchmarkStore, 'leaderboard'>
  /** Chains to sample, read at every sample so chains added later are followed. */
  chains: () => readonly string[]
  /** @default 5_000 */
  intervalMs?: number
  /** Samples kept per chain; the oldest go first. @default 360 (30 min at 5 s) */
  capacity?: number
  /** Rows kept per sample: the best `maxProviders` providers. @default 64 */
  maxProviders?: number
  clock: Clock
  /** @default Date.now */
  wallClock?: () => number
}

/**
 * Samples every chain's leaderboard every `intervalMs` into a fixed-size ring per chain, so memory is
 * `chains × capacity × maxProviders` rows at most however long the server runs. Chains whose
 * leaderboard is empty are not sampled (nothing to draw yet).
 *
 * @example
 * const history = createScoreHistory({ store: pool.store, chains: () => pool.chains().map((c) => c.name), clock })
 * history.samples('ethereum') // [{ ts, providers: [{ providerId, score, ... }] }, ...]
 */
export function createScoreHistory(options: ScoreHistoryOptions): ScoreHistory {
  const intervalMs = options.intervalMs ?? 5_000
  const capacity = options.capacity ?? 360
  const maxProviders = options.maxProviders ?? 64
  const wallClock = options.wallClock ?? Date.now
  const rings = new Map<string, { items: ScoreSample[]; next: number }>()
  let timer: unknown
  let stopped = false

  function sample(): void {
    const ts = wallClock()
    for (const chain of options.chains()) {
      const board = options.store.leaderboard(chain)
      if (board.length === 0) continue
      const providers = board.slice(0, maxProviders).map((row) => ({
        providerId: row.providerId,
        score: row.score,
        winRate: row.winRate,
        totalRaces: row.totalRaces,
        rank: row.rank,
      }))
      let ring = rings.get(chain)
      if (!ring) {
        ring = { items: [], next: 0 }
        rings.set(chain, ring)
      }
      if (ring.items.length < capacity) ring.items.push({ ts, providers })
      else ring.items[ring.next] = { ts, providers }
      ring.next = (ring.next + 1) % capacity
    }
  }

  function schedule(): void {
    if (stopped) return
    timer = options.clock.setTimeout(() => {
      sample()
      schedule()
    }, intervalMs)
  }
  schedule()

  return {
    samples(chain) {
      const ring = rings.get(chain)
      if (!ring) return []
      if (ring.items.length < capacity) return [...ring.items]
      return [...ring.items.slice(ring.next), ...ring.items.slice(0, ring.next)]
    },
    sample,
    stop() {
      stopped = true
      options.clock.clearTimeout(timer)
    },
  }
}
