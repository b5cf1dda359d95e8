import type { Clock } from '../clock/clock.js'
import type { ValidBenchmarkSnapshot } from './valid-snapshots.js'

/** Which kind of raced event an entry is about: `newHeads`, `logs`, or a user-defined stream. */
export type RaceEventType = 'newHeads' | 'logs' | (string & {})

/** One RPC call's outcome, as recorded by the pool after each attempt. */
export interface RpcCallRecord {
  providerId: string
  /** JSON-RPC method; past `maxMethodsPerChain` distinct names, recorded as `'other'`. */
  method: string
  /** Routing strategy that chose the provider. */
  strategy: string
  /** Time the attempt took (ms), failed attempts included. */
  durationMs: number
  ok: boolean
}

/** A retained race entry (bounded table). */
export interface RaceEntry {
  /** Clock time the copy was received (`receivedAt` as recorded). */
  ts: number
  providerId: string
  eventType: RaceEventType
  result: 'win' | 'loss'
  /** 0 for wins; how far behind the winner (ms) for losses. */
  marginMs: number
}

/** A retained RPC call entry (bounded table). */
export interface RpcEntry extends RpcCallRecord {
  /** Clock time the call was recorded. */
  ts: number
}

/** Race aggregates of one provider on one chain, over all history. Input of a {@link ScoreFunction}. */
export interface RaceStats {
  providerId: string
  wins: number
  losses: number
  totalRaces: number
  /** wins / totalRaces, 0 when there were no races. */
  winRate: number
  /** Mean margin over losses (ms), 0 when there were none. */
  avgMarginMs: number
}

/** Race stats of one provider for one event type (the dashboard's win/loss per event type). */
export interface EventTypeRaceStats extends RaceStats {
  eventType: RaceEventType
}

/** One bar of a margin distribution: losses with `fromMs <= margin < toMs` (`toMs` absent: no upper bound). */
export interface MarginBucket {
  fromMs: number
  toMs?: number
  count: number
}

/** Distribution of loss margins (how far behind the winner) over all history. */
export interface MarginStats {
  /** Number of losses. */
  count: number
  sumMs: number
  meanMs: number
  minMs: number
  maxMs: number
  p50Ms: number
  p95Ms: number
  p99Ms: number
  /** Fixed bars 0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000 ms and up (±1 % at the edges). */
  buckets: MarginBucket[]
}

/** One leaderboard row: race stats plus score and 1-based rank. */
export interface LeaderboardEntry extends RaceStats {
  score: number
  rank: number
}

/** Scores a provider from its race stats; higher is better. */
export type ScoreFunction = (stats: RaceStats) => number

/**
 * Latency and outcome summary of a group of RPC calls over all history. Latency covers every call,
 * failed ones included (a timeout is slow, a fast 429 is fast: read it together with `errors`).
 * Percentiles are nearest-rank, from a log-bucketed sketch: within 1 % of the exact value.
 */
export interface LatencySummary {
  /** Calls recorded, failed ones included. */
  count: number
  /** Failed calls. */
  errors: number
  /** Exact mean duration (ms); 0 when there were no calls. */
  meanMs: number
  p50Ms: number
  p95Ms: number
  p99Ms: number
}

/** Dimensions `rpcStats` can group by. */
export type RpcStatsDimension = 'method' | 'strategy' | 'providerId'

/** One `rpcStats` row: the grouping keys present in `groupBy`, plus the summary. */
export interface RpcStatsRow extends LatencySummary {
  method?: string
  strategy?: string
  providerId?: string
}

/**
 * Recent behaviour of one provider (optionally for one method), used by routing strategies on every
 * request. Cheap to read: O(1) per call, no sorting on the read path. Every call weighs 1 when made and
 * half as much `recentHalfLifeMs` later.
 */
export interface RecentProviderStats {
  /** Time-decayed number of calls the figures are based on (e.g. 2 calls one half-life ago = 1). */
  samples: number
  /** Time-decayed mean duration (ms) of recent calls, failed ones included. */
  latencyMs: number
  /** p95 duration (ms) over the last one to two `recentWindowMs` windows (±2 %). */
  p95Ms: number
  /**
   * Median duration (ms) of the last 8 calls, however old: unmoved by up to three stalls among them, and
   * it follows a change of pace within five calls. Absent in figures restored from a snapshot that
   * predates it (until the next call), and in figures from stores that predate it.
   */
  medianMs?: number
  /** Time-decayed share of failed calls, 0..1. */
  errorRate: number
}

/** A log-bucketed sketch as stored in a snapshot: `counts[k]` is bucket `offset + k`. */
export interface HistogramSnapshot {
  count: number
  sum: number
  min: number
  max: number
  zero: number
  offset: number
  counts: number[]
}

/** Recent (decayed) state of one provider, or one provider × method, in a snapshot. */
export interface RecentStatsSnapshot {
  /** Index into the chain's `providers`. */
  provider: number
  /** Index into the chain's `methods`; -1 for the all-methods state. */
  method: number
  lastAt: number
  calls: number
  errors: number
  latencySum: number
  windowStart: number
  current: HistogramSnapshot
  previous: HistogramSnapshot
  /** Durations (ms) of the last calls, oldest first, at most 8: the recent median's. Absent in older snapshots. */
  lastCalls?: number[]
}

/** One chain's state in a snapshot. Name fields are lists; entries refer to them by index. */
export interface ChainSnapshot {
  chain: string
  providers: string[]
  eventTypes: string[]
  methods: string[]
  strategies: string[]
  /** Retained race entries, oldest first, one array per column. */
  races: { ts: number[]; provider: number[]; eventType: number[]; win: number[]; marginMs: number[] }
  /** Retained RPC entries, oldest first, one array per column. */
  rpcCalls: {
    ts: number[]
    provider: number[]
    method: number[]
    strategy: number[]
    durationMs: number[]
    ok: number[]
  }
  /** All-history race aggregates per provider × event type; `margins` holds the losses. */
  raceAggregates: { provider: number; eventType: number; wins: number; margins: HistogramSnapshot }[]
  /** All-history RPC aggregates per provider × method × strategy. */
  rpcSeries: {
    provider: number
    method: number
    strategy: number
    errors: number
    latency: HistogramSnapshot
  }[]
  recent: RecentStatsSnapshot[]
}

/** Options of {@link BenchmarkStore.snapshot}. */
export interface BenchmarkSnapshotOptions {
  /**
   * At most this many of the newest retained entries per chain and table. 0 keeps the all-history
   * aggregates alone: what a cluster shares, at a fraction of the cost of copying the entry tables.
   * @default every retained entry
   */
  maxEntries?: number
}

/**
 * JSON-serialisable state of a {@link BenchmarkStore}, for persistence across restarts:
 * `JSON.parse(JSON.stringify(snapshot))` restores an equal store. Treat the inner layout as opaque.
 */
export interface BenchmarkStoreSnapshot {
  version: 1
  /** Clock time the snapshot was taken; restore shifts every timestamp by `now - savedAt`. */
  savedAt: number
  chains: ChainSnapshot[]
}

/**
 * Options of `createBenchmarkStore`. The `max*` limits are what bound memory: names past a limit are
 * recorded under `'other'` (chains, providers, methods, strategies and event types alike).
 */
export interface BenchmarkStoreOptions {
  /** Max retained entries per chain and per table (races, rpc calls); the oldest 10 % go when full. @default 10_000 */
  maxEntriesPerChain?: number
  /** Scoring function for the leaderboard; must depend on its argument only (results are cached). @default defaultScore */
  score?: ScoreFunction
  /** Source of time for RPC entry timestamps and recent-stats decay. @default systemClock */
  clock?: Clock
  /** Distinct chains tracked. @default 32 */
  maxChains?: number
  /** Distinct providers per chain. @default 64 */
  maxProvidersPerChain?: number
  /** Distinct RPC method names per chain (method names come from clients: untrusted). @default 64 */
  maxMethodsPerChain?: number
  /** Distinct strategy names per chain. @default 16 */
  maxStrategiesPerChain?: number
  /** Distinct race event types per chain. @default 16 */
  maxEventTypesPerChain?: number
  /** Half-life (ms) of the time-decayed figures of `recent()`. @default 30_000 */
  recentHalfLifeMs?: number
  /** Window (ms) of the recent p95: it covers the current and the previous window. @default 30_000 */
  recentWindowMs?: number
}

/**
 * Bounded per-chain race and RPC metrics with never-evicted aggregates. Recording is O(1) and
 * allocation-free once a name has been seen; reads for routing (`recent`, `raceStats`) are O(1).
 */
export interface BenchmarkStore {
  /** Records that `providerId` delivered an event of `eventType` first, at clock time `receivedAt`. */
  recordRaceWin(chain: string, providerId: string, eventType: RaceEventType, receivedAt: number): void
  /** Records that `providerId` delivered an event `marginMs` after the winner, at clock time `receivedAt`. */
  recordRaceLoss(
    chain: string,
    providerId: string,
    eventType: RaceEventType,
    receivedAt: number,
    marginMs: number,
  ): void
  /** Records one RPC attempt's outcome, stamped with the clock's current time. */
  recordRpcCall(chain: string, call: RpcCallRecord): void
  /**
   * Providers of `chain` that raced, sorted by score (desc), then totalRaces (desc), then id; `rank` is
   * the 1-based position. Cached until the next race: the array is yours, the rows are shared and frozen.
   */
  leaderboard(chain: string): LeaderboardEntry[]
  /** Race stats of one provider, over all event types or one (all zero when unknown). */
  raceStats(chain: string, providerId: string, eventType?: RaceEventType): RaceStats
  /** Race stats per provider × event type, sorted by provider then event type. */
  raceStatsByEventType(chain: string): EventTypeRaceStats[]
  /** Loss-margin distribution of a chain, optionally narrowed to one provider and/or event type. */
  marginStats(chain: string, providerId?: string, eventType?: RaceEventType): MarginStats
  /** RPC summaries grouped by the given dimensions, sorted by them. @default ['method', 'strategy', 'providerId'] */
  rpcStats(chain: string, groupBy?: readonly RpcStatsDimension[]): RpcStatsRow[]
  /**
   * Recent figures for routing, over all methods or one; `undefined` when the provider (or method) has
   * had no call in the last 10 half-lives. O(1), allocates only the result. Pass `now` (clock time) when
   * you already have it — routing strategies pass `context.now` — to save a clock read per call.
   */
  recent(chain: string, providerId: string, method?: string, now?: number): RecentProviderStats | undefined
  /** Retained race entries, oldest first (a copy). */
  raceEntries(chain: string): readonly RaceEntry[]
  /** Retained RPC entries, oldest first (a copy). */
  rpcEntries(chain: string): readonly RpcEntry[]
  /** Chains seen so far, in first-seen order. */
  chains(): string[]
  /**
   * The whole state as plain JSON-safe data (`options.maxEntries` trims the retained entry tables),
   * restorable as it is; once it has been through JSON, `parseBenchmarkSnapshot` checks it again.
   */
  snapshot(options?: BenchmarkSnapshotOptions): ValidBenchmarkSnapshot
  /**
   * Replaces the whole state with `snapshot`'s, shifting its timestamps so ages are kept. Entries past
   * `maxEntriesPerChain` are dropped oldest first. Takes only a checked snapshot: a store's own
   * `snapshot()`, `mergeBenchmarkSnapshots`' result, or `parseBenchmarkSnapshot(value)` for anything read
   * back from outside.
   * @throws {BenchmarkSnapshotError} when the snapshot was not checked, or holds more names than the
   * limits allow.
   */
  restore(snapshot: ValidBenchmarkSnapshot): void
}
