import { type ReadonlySignal, signal } from '@preact/signals'
import type { MarginStats, RaceEvent } from '../../api/types.js'
import { perKey, watchFeed } from '../../components/watch-feed.js'
import type { DashboardStore } from '../../stream/dashboard-store.js'
import { createRingBuffer, type RingBuffer } from '../../stream/ring-buffer.js'

/** Lower edges of the margin bars (ms), the same as the server's `marginsByProvider[].buckets`. */
export const MARGIN_BOUNDS_MS = [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000] as const

/** How far behind the first copy a provider's events arrived, over some set of races. */
export interface MarginDistribution {
  races: number
  wins: number
  losses: number
  /** Losses per bar of {@link MARGIN_BOUNDS_MS}. */
  buckets: number[]
  /** Loss-margin percentiles (ms); `null` without losses. */
  p50Ms: number | null
  p95Ms: number | null
  p99Ms: number | null
  maxMs: number | null
}

/** Index of the bar of {@link MARGIN_BOUNDS_MS} a margin falls in. */
export function bucketIndex(marginMs: number): number {
  let index = MARGIN_BOUNDS_MS.length - 1
  while (index > 0 && marginMs < MARGIN_BOUNDS_MS[index]!) index--
  return index
}

/** Nearest-rank percentile of sorted values (`q` in 0..1). */
function nearestRank(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
}

/**
 * The distribution of a set of races: wins, and the loss margins in bars with exact percentiles.
 * @example summarizeRaces([{ result: 'win', marginMs: 0 }, { result: 'loss', marginMs: 12 }]).buckets[4] // 1
 */
export function summarizeRaces(races: readonly Pick<RaceEvent, 'result' | 'marginMs'>[]): MarginDistribution {
  const buckets = MARGIN_BOUNDS_MS.map(() => 0)
  const margins: number[] = []
  let wins = 0
  for (const race of races) {
    if (race.result === 'win') wins++
    else {
      const margin = Number.isFinite(race.marginMs) ? Math.max(0, race.marginMs) : 0
      margins.push(margin)
      buckets[bucketIndex(margin)]!++
    }
  }
  margins.sort((a, b) => a - b)
  return {
    races: races.length,
    wins,
    losses: margins.length,
    buckets,
    p50Ms: nearestRank(margins, 0.5),
    p95Ms: nearestRank(margins, 0.95),
    p99Ms: nearestRank(margins, 0.99),
    maxMs: margins.at(-1) ?? null,
  }
}

/**
 * The all-time distribution the server keeps (`marginsByProvider[id]` of `GET /api/leaderboard/:chain`),
 * in the same shape as {@link summarizeRaces}. Bars are matched by their lower edge; an older server
 * without bars gives empty bars but keeps its percentiles.
 */
export function fromMarginStats(stats: MarginStats | undefined, wins: number): MarginDistribution {
  const buckets = MARGIN_BOUNDS_MS.map(() => 0)
  for (const bucket of stats?.buckets ?? []) buckets[bucketIndex(bucket.fromMs)]! += bucket.count
  const losses = stats?.count ?? 0
  const ms = (value: number | undefined) => (losses > 0 && value !== undefined ? value : null)
  return {
    races: wins + losses,
    wins,
    losses,
    buckets,
    p50Ms: ms(stats?.p50Ms),
    p95Ms: ms(stats?.p95Ms),
    p99Ms: ms(stats?.p99Ms),
    maxMs: ms(stats?.maxMs),
  }
}

/** The latest races of every provider, per chain. */
export interface MarginWindow {
  /** Races kept per provider. */
  readonly perProvider: number
  add(race: RaceEvent): void
  /** The distribution of a provider's kept races (all zero when it has none). */
  distribution(chain: string, providerId: string): MarginDistribution
  /** Races kept for a provider. */
  count(chain: string, providerId: string): number
}

/** Options of {@link createMarginWindow}. */
export interface MarginWindowOptions {
  /** Races kept per provider. @default 200 */
  perProvider?: number
  /** Providers (chain × id) tracked at most; the one seen least recently is forgotten first. @default 64 */
  maxProviders?: number
}

/**
 * Creates a {@link MarginWindow}: a ring buffer per chain × provider, and at most `maxProviders` of them,
 * so memory is `perProvider × maxProviders` races however long the page stays open.
 *
 * @example
 * const window = createMarginWindow({ perProvider: 100 })
 * window.add({ chain: 'ethereum', eventType: 'newHeads', key: '0x1', providerId: 'a', result: 'loss', marginMs: 7 })
 * window.distribution('ethereum', 'a').p50Ms // 7
 */
export function createMarginWindow(options: MarginWindowOptions = {}): MarginWindow {
  const perProvider = options.perProvider ?? 200
  const maxProviders = options.maxProviders ?? 64
  // Insertion order doubles as recency: a provider is re-inserted on each race.
  const windows = new Map<string, RingBuffer<RaceEvent>>()
  const keyOf = (chain: string, providerId: string) => `${chain}\u0000${providerId}`
  return {
    perProvider,
    add(race) {
      const key = keyOf(race.chain, race.providerId)
      let window = windows.get(key)
      if (window) windows.delete(key)
      else {
        window = createRingBuffer<RaceEvent>(perProvider)
        if (windows.size >= maxProviders) windows.delete(windows.keys().next().value!)
      }
      windows.set(key, window)
      // A replay after a reconnect repeats races the window already has.
      if (!window.toArray().some((kept) => kept.key === race.key && kept.eventType === race.eventType))
        window.push(race)
    },
    distribution(chain, providerId) {
      return summarizeRaces(windows.get(keyOf(chain, providerId))?.toArray() ?? [])
    },
    count(chain, providerId) {
      return windows.get(keyOf(chain, providerId))?.size ?? 0
    },
  }
}

/** A {@link MarginWindow} fed from a store's `races` feed, and a revision that changes when it does. */
export interface MarginTracker {
  window: MarginWindow
  revision: ReadonlySignal<number>
}

/**
 * The margin window of a store (one per store, created on first use and fed for the page's lifetime):
 * the store keeps only the latest 100 races of all chains together, too few for a distribution.
 */
export const marginTrackerOf = perKey((store: DashboardStore): MarginTracker => {
  const window = createMarginWindow()
  const revision = signal(0)
  watchFeed(store.races, (races) => {
    for (const race of races) window.add(race)
    revision.value++
  })
  return { window, revision }
})
