import { type BoundedNames, compareNames } from './bounded-names.js'
import { clampMs, historyMapping, LogHistogram } from './log-histogram.js'
import { RingTable } from './ring-table.js'
import type {
  ChainSnapshot,
  EventTypeRaceStats,
  LeaderboardEntry,
  MarginBucket,
  MarginStats,
  RaceEntry,
  RaceStats,
  ScoreFunction,
} from './types.js'

/** What a race ledger saves: its part of a {@link ChainSnapshot}. */
export type RaceLedgerSnapshot = Pick<ChainSnapshot, 'races' | 'raceAggregates'>

interface RaceAggregate {
  wins: number
  /** Loss margins: its count is the number of losses, its sum the total margin. */
  margins: LogHistogram
}

const RACE_COLUMNS = { ts: 'f64', marginMs: 'f64', provider: 'u16', eventType: 'u16', win: 'u8' } as const
const MARGIN_BOUNDS_MS = [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000]

/** The margin distribution's fixed bars, all at zero. */
export function emptyMarginBuckets(): MarginBucket[] {
  return MARGIN_BOUNDS_MS.map((fromMs, index) => {
    const toMs = MARGIN_BOUNDS_MS[index + 1]
    return toMs === undefined ? { fromMs, count: 0 } : { fromMs, toMs, count: 0 }
  })
}

function emptyRaceStats(providerId: string): RaceStats {
  return { providerId, wins: 0, losses: 0, totalRaces: 0, winRate: 0, avgMarginMs: 0 }
}

function toRaceStats(providerId: string, wins: number, losses: number, marginSum: number): RaceStats {
  const totalRaces = wins + losses
  return {
    providerId,
    wins,
    losses,
    totalRaces,
    winRate: totalRaces > 0 ? wins / totalRaces : 0,
    avgMarginMs: losses > 0 ? marginSum / losses : 0,
  }
}

/**
 * One chain's races: the retained race entries and, per provider and event type, all-history wins and
 * loss margins. Names are interned by the chain (shared with its call ledger). Internal to the store.
 */
export class RaceLedger {
  private readonly races: RingTable<typeof RACE_COLUMNS>
  /** [provider][eventType] */
  private readonly aggregates: (RaceAggregate | undefined)[][] = []
  /** Bumped on every race record; the leaderboard is cached per version. */
  private version = 0
  private leaderboardCache: { version: number; rows: LeaderboardEntry[] } | undefined

  constructor(
    private readonly providers: BoundedNames,
    private readonly eventTypes: BoundedNames,
    maxEntries: number,
  ) {
    this.races = new RingTable(RACE_COLUMNS, maxEntries)
  }

  record(providerId: string, eventType: string, receivedAt: number, win: boolean, marginMs: number): void {
    const provider = this.providers.intern(providerId)
    const event = this.eventTypes.intern(eventType)
    const margin = win ? 0 : clampMs(marginMs)
    const slot = this.races.append()
    const columns = this.races.columns
    columns.ts[slot] = receivedAt
    columns.marginMs[slot] = margin
    columns.provider[slot] = provider
    columns.eventType[slot] = event
    columns.win[slot] = win ? 1 : 0
    const aggregate = this.aggregate(provider, event)
    if (win) aggregate.wins++
    else aggregate.margins.record(margin)
    this.version++
  }

  leaderboard(score: ScoreFunction): LeaderboardEntry[] {
    const cached = this.leaderboardCache
    if (cached !== undefined && cached.version === this.version) return cached.rows.slice()
    const rows: LeaderboardEntry[] = []
    for (let provider = 0; provider < this.providers.list.length; provider++) {
      const stats = this.totalStats(provider, this.providers.list[provider]!)
      if (stats.totalRaces === 0) continue
      // Fields copied one by one: object spread is several times slower here, and this runs per request.
      rows.push({
        providerId: stats.providerId,
        wins: stats.wins,
        losses: stats.losses,
        totalRaces: stats.totalRaces,
        winRate: stats.winRate,
        avgMarginMs: stats.avgMarginMs,
        score: score(stats),
        rank: 0,
      })
    }
    rows.sort((a, b) => {
      // NaN from a custom score sorts last instead of breaking the sort.
      const scoreA = Number.isNaN(a.score) ? Number.NEGATIVE_INFINITY : a.score
      const scoreB = Number.isNaN(b.score) ? Number.NEGATIVE_INFINITY : b.score
      if (scoreA !== scoreB) return scoreB > scoreA ? 1 : -1
      if (a.totalRaces !== b.totalRaces) return b.totalRaces - a.totalRaces
      return compareNames(a.providerId, b.providerId)
    })
    rows.forEach((row, index) => {
      row.rank = index + 1
      Object.freeze(row)
    })
    this.leaderboardCache = { version: this.version, rows }
    return rows.slice()
  }

  stats(providerId: string, eventType: string | undefined): RaceStats {
    const provider = this.providers.lookup(providerId)
    if (provider === -1) return emptyRaceStats(providerId)
    if (eventType === undefined) return this.totalStats(provider, providerId)
    const event = this.eventTypes.lookup(eventType)
    const aggregate = event === -1 ? undefined : this.aggregates[provider]?.[event]
    if (aggregate === undefined) return emptyRaceStats(providerId)
    return toRaceStats(providerId, aggregate.wins, aggregate.margins.count, aggregate.margins.sum)
  }

  statsByEventType(): EventTypeRaceStats[] {
    const rows: EventTypeRaceStats[] = []
    this.aggregates.forEach((byEvent, provider) => {
      byEvent.forEach((aggregate, event) => {
        if (aggregate === undefined) return
        const row = toRaceStats(
          this.providers.list[provider]!,
          aggregate.wins,
          aggregate.margins.count,
          aggregate.margins.sum,
        ) as EventTypeRaceStats
        row.eventType = this.eventTypes.list[event]!
        rows.push(row)
      })
    })
    return rows.sort(
      (a, b) => compareNames(a.providerId, b.providerId) || compareNames(a.eventType, b.eventType),
    )
  }

  marginStats(providerId: string | undefined, eventType: string | undefined): MarginStats {
    const provider = providerId === undefined ? undefined : this.providers.lookup(providerId)
    const event = eventType === undefined ? undefined : this.eventTypes.lookup(eventType)
    const merged = new LogHistogram(historyMapping)
    if (provider !== -1 && event !== -1) {
      this.aggregates.forEach((byEvent, p) => {
        if (provider !== undefined && p !== provider) return
        byEvent.forEach((aggregate, e) => {
          if (aggregate !== undefined && (event === undefined || e === event)) merged.merge(aggregate.margins)
        })
      })
    }
    const buckets = emptyMarginBuckets()
    merged.forEachBucket((value, count) => {
      let index = buckets.length - 1
      while (index > 0 && value < buckets[index]!.fromMs) index--
      buckets[index]!.count += count
    })
    const { count } = merged
    return {
      count,
      sumMs: merged.sum,
      meanMs: count > 0 ? merged.sum / count : 0,
      minMs: merged.min,
      maxMs: merged.max,
      p50Ms: merged.quantile(0.5),
      p95Ms: merged.quantile(0.95),
      p99Ms: merged.quantile(0.99),
      buckets,
    }
  }

  entries(): RaceEntry[] {
    const { ts, marginMs, provider, eventType, win } = this.races.columns
    const entries: RaceEntry[] = new Array(this.races.size)
    for (let k = 0; k < this.races.size; k++) {
      const slot = this.races.slot(k)
      entries[k] = {
        ts: ts[slot]!,
        providerId: this.providers.list[provider[slot]!]!,
        eventType: this.eventTypes.list[eventType[slot]!]!,
        result: win[slot] === 1 ? 'win' : 'loss',
        marginMs: marginMs[slot]!,
      }
    }
    return entries
  }

  /** The ledger's part of a snapshot, with the newest `maxEntries` retained races (all by default). */
  toJSON(maxEntries?: number): RaceLedgerSnapshot {
    const raceAggregates: ChainSnapshot['raceAggregates'] = []
    this.aggregates.forEach((byEvent, provider) => {
      byEvent.forEach((aggregate, eventType) => {
        if (aggregate !== undefined)
          raceAggregates.push({
            provider,
            eventType,
            wins: aggregate.wins,
            margins: aggregate.margins.toJSON(),
          })
      })
    })
    return { races: this.races.toColumns(maxEntries), raceAggregates }
  }

  /** Adds a saved ledger (already checked against the snapshot schema), its timestamps shifted by `shift`. */
  restore(snapshot: RaceLedgerSnapshot, shift: number): void {
    this.races.appendColumns(snapshot.races, { ts: shift })
    for (const saved of snapshot.raceAggregates) {
      const aggregate = this.aggregate(saved.provider, saved.eventType)
      aggregate.wins += saved.wins
      aggregate.margins.merge(LogHistogram.fromJSON(historyMapping, saved.margins))
    }
    this.version++
  }

  private aggregate(provider: number, event: number): RaceAggregate {
    let byEvent = this.aggregates[provider]
    if (byEvent === undefined) {
      byEvent = []
      this.aggregates[provider] = byEvent
    }
    let aggregate = byEvent[event]
    if (aggregate === undefined) {
      aggregate = { wins: 0, margins: new LogHistogram(historyMapping) }
      byEvent[event] = aggregate
    }
    return aggregate
  }

  private totalStats(provider: number, providerId: string): RaceStats {
    let wins = 0
    let losses = 0
    let marginSum = 0
    for (const aggregate of this.aggregates[provider] ?? []) {
      if (aggregate === undefined) continue
      wins += aggregate.wins
      losses += aggregate.margins.count
      marginSum += aggregate.margins.sum
    }
    return toRaceStats(providerId, wins, losses, marginSum)
  }
}
