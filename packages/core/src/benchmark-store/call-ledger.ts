import { type BoundedNames, compareNames } from './bounded-names.js'
import { clampMs, historyMapping, LogHistogram } from './log-histogram.js'
import { type RecentConfig, RecentStats } from './recent-stats.js'
import { RingTable } from './ring-table.js'
import type {
  ChainSnapshot,
  LatencySummary,
  RecentProviderStats,
  RpcEntry,
  RpcStatsDimension,
  RpcStatsRow,
} from './types.js'

/** What a call ledger saves: its part of a {@link ChainSnapshot}. */
export type CallLedgerSnapshot = Pick<ChainSnapshot, 'rpcCalls' | 'rpcSeries' | 'recent'>

/** The names a call ledger's entries refer to, interned by its chain. */
export interface CallNames {
  providers: BoundedNames
  methods: BoundedNames
  strategies: BoundedNames
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

const CALL_COLUMNS = {
  ts: 'f64',
  durationMs: 'f64',
  provider: 'u16',
  method: 'u16',
  strategy: 'u16',
  ok: 'u8',
} as const
const ALL_DIMENSIONS: readonly RpcStatsDimension[] = ['method', 'strategy', 'providerId']
/** Stands for "every value" of a dimension a grouping leaves out; name indices stay below it. */
const ANY = 1023

/** Name indices stay below 1024 (limits are at most 1000), so a series key fits in 30 bits. */
const seriesKey = (provider: number, method: number, strategy: number) =>
  (provider * 1024 + method) * 1024 + strategy

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

/**
 * One chain's RPC calls: the retained call entries, all-history latency per (provider, method,
 * strategy) series, and the time-decayed recent figures per provider and per provider and method that
 * routing reads. Names are interned by the chain (shared with its race ledger). Internal to the store.
 */
export class CallLedger {
  private readonly calls: RingTable<typeof CALL_COLUMNS>
  private readonly series = new Map<number, RpcSeries>()
  /** [provider] */
  private readonly recentStats: (ProviderRecent | undefined)[] = []

  constructor(
    private readonly names: CallNames,
    private readonly recentConfig: RecentConfig,
    maxEntries: number,
  ) {
    this.calls = new RingTable(CALL_COLUMNS, maxEntries)
  }

  record(now: number, providerId: string, method: string, strategy: string, durationMs: number, ok: boolean) {
    const provider = this.names.providers.intern(providerId)
    const methodIndex = this.names.methods.intern(method)
    const strategyIndex = this.names.strategies.intern(strategy)
    const duration = clampMs(durationMs)
    const slot = this.calls.append()
    const columns = this.calls.columns
    columns.ts[slot] = now
    columns.durationMs[slot] = duration
    columns.provider[slot] = provider
    columns.method[slot] = methodIndex
    columns.strategy[slot] = strategyIndex
    columns.ok[slot] = ok ? 1 : 0

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
      recent = { all: new RecentStats(this.recentConfig, now), byMethod: [] }
      this.recentStats[provider] = recent
    }
    recent.all.record(now, duration, ok)
    let byMethod = recent.byMethod[methodIndex]
    if (byMethod === undefined) {
      byMethod = new RecentStats(this.recentConfig, now)
      recent.byMethod[methodIndex] = byMethod
    }
    byMethod.record(now, duration, ok)
  }

  stats(groupBy: readonly RpcStatsDimension[] = ALL_DIMENSIONS): RpcStatsRow[] {
    const byMethod = groupBy.includes('method')
    const byStrategy = groupBy.includes('strategy')
    const byProvider = groupBy.includes('providerId')
    const groups = new Map<number, { first: RpcSeries; histograms: LogHistogram[]; errors: number }>()
    for (const series of this.series.values()) {
      const key = seriesKey(
        byProvider ? series.provider : ANY,
        byMethod ? series.method : ANY,
        byStrategy ? series.strategy : ANY,
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
      if (byMethod) row.method = this.names.methods.list[first.method]!
      if (byStrategy) row.strategy = this.names.strategies.list[first.strategy]!
      if (byProvider) row.providerId = this.names.providers.list[first.provider]!
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
    const provider = this.names.providers.lookup(providerId)
    if (provider === -1) return undefined
    const recent = this.recentStats[provider]
    if (recent === undefined) return undefined
    if (method === undefined) return recent.all.read(now)
    const methodIndex = this.names.methods.lookup(method)
    if (methodIndex === -1) return undefined
    return recent.byMethod[methodIndex]?.read(now)
  }

  entries(): RpcEntry[] {
    const { ts, durationMs, provider, method, strategy, ok } = this.calls.columns
    const { providers, methods, strategies } = this.names
    const entries: RpcEntry[] = new Array(this.calls.size)
    for (let k = 0; k < this.calls.size; k++) {
      const slot = this.calls.slot(k)
      entries[k] = {
        ts: ts[slot]!,
        providerId: providers.list[provider[slot]!]!,
        method: methods.list[method[slot]!]!,
        strategy: strategies.list[strategy[slot]!]!,
        durationMs: durationMs[slot]!,
        ok: ok[slot] === 1,
      }
    }
    return entries
  }

  /** The ledger's part of a snapshot, with the newest `maxEntries` retained calls (all by default). */
  toJSON(maxEntries?: number): CallLedgerSnapshot {
    const recent: ChainSnapshot['recent'] = []
    this.recentStats.forEach((state, provider) => {
      if (state === undefined) return
      recent.push({ provider, method: -1, ...state.all.toJSON() })
      state.byMethod.forEach((byMethod, method) => {
        if (byMethod !== undefined) recent.push({ provider, method, ...byMethod.toJSON() })
      })
    })
    return {
      rpcCalls: this.calls.toColumns(maxEntries),
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
   * Adds a saved ledger (already checked against the snapshot schema: every provider with recent
   * figures has its all-methods row), its timestamps shifted by `shift`.
   */
  restore(snapshot: CallLedgerSnapshot, shift: number): void {
    this.calls.appendColumns(snapshot.rpcCalls, { ts: shift })
    for (const saved of snapshot.rpcSeries) {
      const key = seriesKey(saved.provider, saved.method, saved.strategy)
      const existing = this.series.get(key)
      const latency = LogHistogram.fromJSON(historyMapping, saved.latency)
      if (existing === undefined) this.series.set(key, { ...saved, latency })
      else {
        existing.errors += saved.errors
        existing.latency.merge(latency)
      }
    }
    for (const { provider, method, ...recent } of snapshot.recent) {
      if (method !== -1) continue
      this.recentStats[provider] = {
        all: RecentStats.fromJSON(this.recentConfig, recent, shift),
        byMethod: [],
      }
    }
    for (const { provider, method, ...recent } of snapshot.recent) {
      if (method === -1) continue
      this.recentStats[provider]!.byMethod[method] = RecentStats.fromJSON(this.recentConfig, recent, shift)
    }
  }
}
