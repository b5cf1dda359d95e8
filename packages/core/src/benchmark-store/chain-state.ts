import type { ConfigIssue } from '../errors/errors.js'
import { BoundedNames } from './bounded-names.js'
import { clampMs, createMapping, histogramIssue, LogHistogram } from './log-histogram.js'
import { type RecentConfig, RecentStats, recentMapping } from './recent-stats.js'
import { RingTable } from './ring-table.js'
import type {
  ChainSnapshot,
  EventTypeRaceStats,
  LatencySummary,
  LeaderboardEntry,
  MarginBucket,
  MarginStats,
  RaceEntry,
  RaceStats,
  RecentProviderStats,
  RpcEntry,
  RpcStatsDimension,
  RpcStatsRow,
  ScoreFunction,
} from './types.js'

/** All-history sketches: 1 % relative accuracy. */
export const historyMapping = createMapping(0.01)

/** Limits and timing shared by every chain of a store (already validated). */
export interface ChainConfig {
  maxEntries: number
  maxProviders: number
  maxMethods: number
  maxStrategies: number
  maxEventTypes: number
  recent: RecentConfig
}

interface RaceAggregate {
  wins: number
  /** Loss margins: its count is the number of losses, its sum the total margin. */
  margins: LogHistogram
}

interface RpcSeries {
  provider: number
  method: number
  strategy: number
  errors: number
  /** Durations of every call of the series: its count is the number of calls. */
  latency: LogHistogram
}

interface ProviderRecent {
  all: RecentStats
  /** Indexed by method index; holes for methods the provider was never called with. */
  byMethod: (RecentStats | undefined)[]
}

// Column positions of the two entry tables.
const R_TS = 0
const R_MARGIN = 1
const R_PROVIDER = 2
const R_EVENT = 3
const R_WIN = 4
const C_TS = 0
const C_DURATION = 1
const C_PROVIDER = 2
const C_METHOD = 3
const C_STRATEGY = 4
const C_OK = 5

/** Name indices stay below 1024 (limits are at most 1000), so a series key fits in 30 bits. */
const seriesKey = (provider: number, method: number, strategy: number) =>
  (provider * 1024 + method) * 1024 + strategy

const ALL_DIMENSIONS: readonly RpcStatsDimension[] = ['method', 'strategy', 'providerId']
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

function summarize(histograms: readonly LogHistogram[], errors: number): LatencySummary {
  // One histogram: read it in place; several: merge once rather than walking them all per quantile.
  let histogram = histograms[0]
  if (histograms.length > 1) {
    histogram = new LogHistogram(historyMapping)
    for (const part of histograms) histogram.merge(part)
  }
  const count = histogram?.count ?? 0
  if (histogram === undefined || count === 0)
    return { count, errors, meanMs: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0 }
  return {
    count,
    errors,
    meanMs: histogram.sum / count,
    p50Ms: histogram.quantile(0.5),
    p95Ms: histogram.quantile(0.95),
    p99Ms: histogram.quantile(0.99),
  }
}

const compareNames = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/**
 * Everything the benchmark store keeps about one chain: interned names, the two bounded entry tables,
 * and the all-history aggregates. Internal: the store routes each call to its chain's state.
 */
export class ChainState {
  readonly providers: BoundedNames
  readonly eventTypes: BoundedNames
  readonly methods: BoundedNames
  readonly strategies: BoundedNames
  private readonly races: RingTable
  private readonly rpcCalls: RingTable
  /** [provider][eventType] */
  private readonly raceAggregates: (RaceAggregate | undefined)[][] = []
  private readonly series = new Map<number, RpcSeries>()
  /** [provider] */
  private readonly recentStats: (ProviderRecent | undefined)[] = []
  /** Bumped on every race record; the leaderboard is cached per version. */
  private raceVersion = 0
  private leaderboardCache: { version: number; rows: LeaderboardEntry[] } | undefined

  constructor(
    readonly name: string,
    private readonly config: ChainConfig,
  ) {
    this.providers = new BoundedNames(config.maxProviders)
    this.eventTypes = new BoundedNames(config.maxEventTypes)
    this.methods = new BoundedNames(config.maxMethods)
    this.strategies = new BoundedNames(config.maxStrategies)
    this.races = new RingTable(['f64', 'f64', 'u16', 'u16', 'u8'], config.maxEntries)
    this.rpcCalls = new RingTable(['f64', 'f64', 'u16', 'u16', 'u16', 'u8'], config.maxEntries)
  }

  recordRace(
    providerId: string,
    eventType: string,
    receivedAt: number,
    win: boolean,
    marginMs: number,
  ): void {
    const provider = this.providers.intern(providerId)
    const event = this.eventTypes.intern(eventType)
    const margin = win ? 0 : clampMs(marginMs)
    const slot = this.races.append()
    const columns = this.races.columns
    columns[R_TS]![slot] = receivedAt
    columns[R_MARGIN]![slot] = margin
    columns[R_PROVIDER]![slot] = provider
    columns[R_EVENT]![slot] = event
    columns[R_WIN]![slot] = win ? 1 : 0
    const aggregate = this.raceAggregate(provider, event)
    if (win) aggregate.wins++
    else aggregate.margins.record(margin)
    this.raceVersion++
  }

  recordRpcCall(
    now: number,
    providerId: string,
    method: string,
    strategy: string,
    durationMs: number,
    ok: boolean,
  ) {
    const provider = this.providers.intern(providerId)
    const methodIndex = this.methods.intern(method)
    const strategyIndex = this.strategies.intern(strategy)
    const duration = clampMs(durationMs)
    const slot = this.rpcCalls.append()
    const columns = this.rpcCalls.columns
    columns[C_TS]![slot] = now
    columns[C_DURATION]![slot] = duration
    columns[C_PROVIDER]![slot] = provider
    columns[C_METHOD]![slot] = methodIndex
    columns[C_STRATEGY]![slot] = strategyIndex
    columns[C_OK]![slot] = ok ? 1 : 0

    const key = seriesKey(provider, methodIndex, strategyIndex)
    let series = this.series.get(key)
    if (series === undefined) {
      series = {
        provider,
        method: methodIndex,
        strategy: strategyIndex,
        errors: 0,
        latency: new LogHistogram(historyMapping),
      }
      this.series.set(key, series)
    }
    series.latency.record(duration)
    if (!ok) series.errors++

    let recent = this.recentStats[provider]
    if (recent === undefined) {
      recent = { all: new RecentStats(this.config.recent, now), byMethod: [] }
      this.recentStats[provider] = recent
    }
    recent.all.record(now, duration, ok)
    let byMethod = recent.byMethod[methodIndex]
    if (byMethod === undefined) {
      byMethod = new RecentStats(this.config.recent, now)
      recent.byMethod[methodIndex] = byMethod
    }
    byMethod.record(now, duration, ok)
  }

  leaderboard(score: ScoreFunction): LeaderboardEntry[] {
    const cached = this.leaderboardCache
    if (cached !== undefined && cached.version === this.raceVersion) return cached.rows.slice()
    const rows: LeaderboardEntry[] = []
    for (let provider = 0; provider < this.providers.list.length; provider++) {
      const stats = this.totalRaceStats(provider, this.providers.list[provider]!)
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
    this.leaderboardCache = { version: this.raceVersion, rows }
    return rows.slice()
  }

  raceStats(providerId: string, eventType: string | undefined): RaceStats {
    const provider = this.providers.lookup(providerId)
    if (provider === -1) return emptyRaceStats(providerId)
    if (eventType === undefined) return this.totalRaceStats(provider, providerId)
    const event = this.eventTypes.lookup(eventType)
    const aggregate = event === -1 ? undefined : this.raceAggregates[provider]?.[event]
    if (aggregate === undefined) return emptyRaceStats(providerId)
    return toRaceStats(providerId, aggregate.wins, aggregate.margins.count, aggregate.margins.sum)
  }

  raceStatsByEventType(): EventTypeRaceStats[] {
    const rows: EventTypeRaceStats[] = []
    this.raceAggregates.forEach((byEvent, provider) => {
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
      this.raceAggregates.forEach((byEvent, p) => {
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

  rpcStats(groupBy: readonly RpcStatsDimension[] = ALL_DIMENSIONS): RpcStatsRow[] {
    const byMethod = groupBy.includes('method')
    const byStrategy = groupBy.includes('strategy')
    const byProvider = groupBy.includes('providerId')
    const groups = new Map<number, { first: RpcSeries; histograms: LogHistogram[]; errors: number }>()
    for (const series of this.series.values()) {
      const key = seriesKey(
        byProvider ? series.provider : 1023,
        byMethod ? series.method : 1023,
        byStrategy ? series.strategy : 1023,
      )
      const group = groups.get(key)
      if (group === undefined)
        groups.set(key, { first: series, histograms: [series.latency], errors: series.errors })
      else {
        group.histograms.push(series.latency)
        group.errors += series.errors
      }
    }
    const rows: RpcStatsRow[] = []
    for (const { first, histograms, errors } of groups.values()) {
      const row: RpcStatsRow = summarize(histograms, errors)
      if (byMethod) row.method = this.methods.list[first.method]!
      if (byStrategy) row.strategy = this.strategies.list[first.strategy]!
      if (byProvider) row.providerId = this.providers.list[first.provider]!
      rows.push(row)
    }
    return rows.sort(
      (a, b) =>
        compareNames(a.method ?? '', b.method ?? '') ||
        compareNames(a.strategy ?? '', b.strategy ?? '') ||
        compareNames(a.providerId ?? '', b.providerId ?? ''),
    )
  }

  recent(now: number, providerId: string, method: string | undefined): RecentProviderStats | undefined {
    const provider = this.providers.lookup(providerId)
    if (provider === -1) return undefined
    const recent = this.recentStats[provider]
    if (recent === undefined) return undefined
    if (method === undefined) return recent.all.read(now)
    const methodIndex = this.methods.lookup(method)
    if (methodIndex === -1) return undefined
    return recent.byMethod[methodIndex]?.read(now)
  }

  raceEntries(): RaceEntry[] {
    const table = this.races
    const [ts, margin, provider, event, win] = table.columns
    const entries: RaceEntry[] = new Array(table.size)
    for (let k = 0; k < table.size; k++) {
      const slot = table.slot(k)
      entries[k] = {
        ts: ts![slot]!,
        providerId: this.providers.list[provider![slot]!]!,
        eventType: this.eventTypes.list[event![slot]!]!,
        result: win![slot] === 1 ? 'win' : 'loss',
        marginMs: margin![slot]!,
      }
    }
    return entries
  }

  rpcEntries(): RpcEntry[] {
    const table = this.rpcCalls
    const [ts, duration, provider, method, strategy, ok] = table.columns
    const entries: RpcEntry[] = new Array(table.size)
    for (let k = 0; k < table.size; k++) {
      const slot = table.slot(k)
      entries[k] = {
        ts: ts![slot]!,
        providerId: this.providers.list[provider![slot]!]!,
        method: this.methods.list[method![slot]!]!,
        strategy: this.strategies.list[strategy![slot]!]!,
        durationMs: duration![slot]!,
        ok: ok![slot] === 1,
      }
    }
    return entries
  }

  toJSON(): ChainSnapshot {
    const races: ChainSnapshot['races'] = { ts: [], provider: [], eventType: [], win: [], marginMs: [] }
    const raceColumns = this.races.columns
    for (let k = 0; k < this.races.size; k++) {
      const slot = this.races.slot(k)
      races.ts.push(raceColumns[R_TS]![slot]!)
      races.marginMs.push(raceColumns[R_MARGIN]![slot]!)
      races.provider.push(raceColumns[R_PROVIDER]![slot]!)
      races.eventType.push(raceColumns[R_EVENT]![slot]!)
      races.win.push(raceColumns[R_WIN]![slot]!)
    }
    const rpcCalls: ChainSnapshot['rpcCalls'] = {
      ts: [],
      provider: [],
      method: [],
      strategy: [],
      durationMs: [],
      ok: [],
    }
    const callColumns = this.rpcCalls.columns
    for (let k = 0; k < this.rpcCalls.size; k++) {
      const slot = this.rpcCalls.slot(k)
      rpcCalls.ts.push(callColumns[C_TS]![slot]!)
      rpcCalls.durationMs.push(callColumns[C_DURATION]![slot]!)
      rpcCalls.provider.push(callColumns[C_PROVIDER]![slot]!)
      rpcCalls.method.push(callColumns[C_METHOD]![slot]!)
      rpcCalls.strategy.push(callColumns[C_STRATEGY]![slot]!)
      rpcCalls.ok.push(callColumns[C_OK]![slot]!)
    }
    const raceAggregates: ChainSnapshot['raceAggregates'] = []
    this.raceAggregates.forEach((byEvent, provider) => {
      byEvent.forEach((aggregate, eventType) => {
        if (aggregate !== undefined) {
          raceAggregates.push({
            provider,
            eventType,
            wins: aggregate.wins,
            margins: aggregate.margins.toJSON(),
          })
        }
      })
    })
    const recent: ChainSnapshot['recent'] = []
    this.recentStats.forEach((state, provider) => {
      if (state === undefined) return
      recent.push({ provider, method: -1, ...state.all.toJSON() })
      state.byMethod.forEach((byMethod, method) => {
        if (byMethod !== undefined) recent.push({ provider, method, ...byMethod.toJSON() })
      })
    })
    return {
      chain: this.name,
      providers: [...this.providers.list],
      eventTypes: [...this.eventTypes.list],
      methods: [...this.methods.list],
      strategies: [...this.strategies.list],
      races,
      rpcCalls,
      raceAggregates,
      rpcSeries: [...this.series.values()].map((series) => ({
        provider: series.provider,
        method: series.method,
        strategy: series.strategy,
        errors: series.errors,
        latency: series.latency.toJSON(),
      })),
      recent,
    }
  }

  /**
   * Rebuilds a chain from a structurally valid snapshot, shifting timestamps by `shift`. Problems
   * (names over the limits, indices out of range, inconsistent sketches) are pushed to `issues` with
   * paths under `path`; the returned state is only usable when none were added.
   */
  static fromJSON(
    snapshot: ChainSnapshot,
    config: ChainConfig,
    shift: number,
    path: string,
    issues: ConfigIssue[],
  ): ChainState {
    const state = new ChainState(snapshot.chain, config)
    const issuesBefore = issues.length
    const names = [
      ['providers', state.providers],
      ['eventTypes', state.eventTypes],
      ['methods', state.methods],
      ['strategies', state.strategies],
    ] as const
    for (const [field, bounded] of names) {
      snapshot[field].forEach((name, index) => {
        if (bounded.intern(name) !== index || bounded.list[index] !== name) {
          issues.push({
            path: `${path}.${field}.${index}`,
            message: `"${name.slice(0, 40)}" is a duplicate, too long, or past the limit of ${bounded.limit}`,
          })
        }
      })
    }
    if (issues.length > issuesBefore) return state

    const inRange = (column: readonly number[], size: number, columnPath: string) => {
      const bad = column.findIndex((index) => index >= size)
      if (bad !== -1)
        issues.push({ path: `${columnPath}.${bad}`, message: `index ${column[bad]} is out of range` })
    }
    const sameLength = (columns: Record<string, readonly number[]>, tablePath: string) => {
      const lengths = new Set(Object.values(columns).map((column) => column.length))
      if (lengths.size > 1) issues.push({ path: tablePath, message: 'columns have different lengths' })
    }
    const sizes = {
      provider: snapshot.providers.length,
      eventType: snapshot.eventTypes.length,
      method: snapshot.methods.length,
      strategy: snapshot.strategies.length,
    }
    const { races, rpcCalls } = snapshot
    sameLength(races, `${path}.races`)
    inRange(races.provider, sizes.provider, `${path}.races.provider`)
    inRange(races.eventType, sizes.eventType, `${path}.races.eventType`)
    sameLength(rpcCalls, `${path}.rpcCalls`)
    inRange(rpcCalls.provider, sizes.provider, `${path}.rpcCalls.provider`)
    inRange(rpcCalls.method, sizes.method, `${path}.rpcCalls.method`)
    inRange(rpcCalls.strategy, sizes.strategy, `${path}.rpcCalls.strategy`)
    snapshot.raceAggregates.forEach((aggregate, index) => {
      const at = `${path}.raceAggregates.${index}`
      if (aggregate.provider >= sizes.provider || aggregate.eventType >= sizes.eventType) {
        issues.push({ path: at, message: 'index out of range' })
      }
      const problem = histogramIssue(aggregate.margins, historyMapping)
      if (problem !== undefined) issues.push({ path: `${at}.margins`, message: problem })
    })
    snapshot.rpcSeries.forEach((series, index) => {
      const at = `${path}.rpcSeries.${index}`
      if (
        series.provider >= sizes.provider ||
        series.method >= sizes.method ||
        series.strategy >= sizes.strategy
      ) {
        issues.push({ path: at, message: 'index out of range' })
      }
      const problem = histogramIssue(series.latency, historyMapping)
      if (problem !== undefined) issues.push({ path: `${at}.latency`, message: problem })
      if (series.errors > series.latency.count) issues.push({ path: at, message: 'more errors than calls' })
    })
    const withAllMethods = new Set(snapshot.recent.filter((r) => r.method === -1).map((r) => r.provider))
    snapshot.recent.forEach((recent, index) => {
      const at = `${path}.recent.${index}`
      if (recent.provider >= sizes.provider || recent.method >= sizes.method) {
        issues.push({ path: at, message: 'index out of range' })
      }
      if (!withAllMethods.has(recent.provider)) {
        issues.push({ path: at, message: 'provider has no all-methods (method -1) state' })
      }
      for (const window of ['current', 'previous'] as const) {
        const problem = histogramIssue(recent[window], recentMapping)
        if (problem !== undefined) issues.push({ path: `${at}.${window}`, message: problem })
      }
    })
    if (issues.length > issuesBefore) return state

    // Entries past this store's table size: keep the newest.
    const firstRace = Math.max(0, races.ts.length - config.maxEntries)
    for (let k = firstRace; k < races.ts.length; k++) {
      const slot = state.races.append()
      const columns = state.races.columns
      columns[R_TS]![slot] = races.ts[k]! + shift
      columns[R_MARGIN]![slot] = races.marginMs[k]!
      columns[R_PROVIDER]![slot] = races.provider[k]!
      columns[R_EVENT]![slot] = races.eventType[k]!
      columns[R_WIN]![slot] = races.win[k]!
    }
    const firstCall = Math.max(0, rpcCalls.ts.length - config.maxEntries)
    for (let k = firstCall; k < rpcCalls.ts.length; k++) {
      const slot = state.rpcCalls.append()
      const columns = state.rpcCalls.columns
      columns[C_TS]![slot] = rpcCalls.ts[k]! + shift
      columns[C_DURATION]![slot] = rpcCalls.durationMs[k]!
      columns[C_PROVIDER]![slot] = rpcCalls.provider[k]!
      columns[C_METHOD]![slot] = rpcCalls.method[k]!
      columns[C_STRATEGY]![slot] = rpcCalls.strategy[k]!
      columns[C_OK]![slot] = rpcCalls.ok[k]!
    }
    for (const aggregate of snapshot.raceAggregates) {
      const target = state.raceAggregate(aggregate.provider, aggregate.eventType)
      target.wins += aggregate.wins
      target.margins.merge(LogHistogram.fromJSON(historyMapping, aggregate.margins))
    }
    for (const series of snapshot.rpcSeries) {
      const key = seriesKey(series.provider, series.method, series.strategy)
      const existing = state.series.get(key)
      const latency = LogHistogram.fromJSON(historyMapping, series.latency)
      if (existing === undefined) state.series.set(key, { ...series, latency })
      else {
        existing.errors += series.errors
        existing.latency.merge(latency)
      }
    }
    for (const { provider, method, ...recent } of snapshot.recent) {
      if (method !== -1) continue
      state.recentStats[provider] = { all: RecentStats.fromJSON(config.recent, recent, shift), byMethod: [] }
    }
    for (const { provider, method, ...recent } of snapshot.recent) {
      if (method === -1) continue
      state.recentStats[provider]!.byMethod[method] = RecentStats.fromJSON(config.recent, recent, shift)
    }
    return state
  }

  private raceAggregate(provider: number, event: number): RaceAggregate {
    let byEvent = this.raceAggregates[provider]
    if (byEvent === undefined) {
      byEvent = []
      this.raceAggregates[provider] = byEvent
    }
    let aggregate = byEvent[event]
    if (aggregate === undefined) {
      aggregate = { wins: 0, margins: new LogHistogram(historyMapping) }
      byEvent[event] = aggregate
    }
    return aggregate
  }

  private totalRaceStats(provider: number, providerId: string): RaceStats {
    let wins = 0
    let losses = 0
    let marginSum = 0
    const byEvent = this.raceAggregates[provider]
    if (byEvent !== undefined) {
      for (const aggregate of byEvent) {
        if (aggregate === undefined) continue
        wins += aggregate.wins
        losses += aggregate.margins.count
        marginSum += aggregate.margins.sum
      }
    }
    return toRaceStats(providerId, wins, losses, marginSum)
  }
}
