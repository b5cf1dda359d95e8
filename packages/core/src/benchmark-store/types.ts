import type { Clock } from '../clock/clock.js'

/** Which kind of raced event an entry is about: `newHeads`, `logs`, or a user-defined stream. */
export type RaceEventType = 'newHeads' | 'logs' | (string & {})

/** One RPC call's outcome, as recorded by the pool after each attempt. */
export interface RpcCallRecord {
  providerId: string
  method: string
  strategy: string
  durationMs: number
  ok: boolean
}

/** A retained race entry (bounded table). */
export interface RaceEntry {
  ts: number
  providerId: string
  eventType: RaceEventType
  result: 'win' | 'loss'
  /** 0 for wins; how far behind the winner (ms) for losses. */
  marginMs: number
}

/** A retained RPC call entry (bounded table). */
export interface RpcEntry extends RpcCallRecord {
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

/** One leaderboard row: race stats plus score and 1-based rank. */
export interface LeaderboardEntry extends RaceStats {
  score: number
  rank: number
}

/** Scores a provider from its race stats; higher is better. */
export type ScoreFunction = (stats: RaceStats) => number

/** Latency and outcome summary of a group of RPC calls over all history. */
export interface LatencySummary {
  count: number
  errors: number
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
 * request. Cheap to read: O(1) per call, no sorting on the read path.
 */
export interface RecentProviderStats {
  /** Number of calls the recent figures are based on (decays with the window). */
  samples: number
  /** Recent typical latency (ms). */
  latencyMs: number
  /** Recent p95 latency (ms). */
  p95Ms: number
  /** Recent share of failed calls, 0..1. */
  errorRate: number
}

/** JSON-serialisable state of a {@link BenchmarkStore}, for persistence across restarts. */
export interface BenchmarkStoreSnapshot {
  version: 1
  [key: string]: unknown
}

/** Options of `createBenchmarkStore`. */
export interface BenchmarkStoreOptions {
  /** Max retained entries per chain and per table (races, rpc calls). @default 10_000 */
  maxEntriesPerChain?: number
  /** Scoring function for the leaderboard. @default defaultScore */
  score?: ScoreFunction
  clock?: Clock
}

/** Bounded per-chain race and RPC metrics with never-evicted aggregates. */
export interface BenchmarkStore {
  recordRaceWin(chain: string, providerId: string, eventType: RaceEventType, receivedAt: number): void
  recordRaceLoss(
    chain: string,
    providerId: string,
    eventType: RaceEventType,
    receivedAt: number,
    marginMs: number,
  ): void
  recordRpcCall(chain: string, call: RpcCallRecord): void
  /** Providers of `chain` sorted by score (desc), then by totalRaces (desc), then id. */
  leaderboard(chain: string): LeaderboardEntry[]
  /** Race stats of one provider (all zero when unknown). */
  raceStats(chain: string, providerId: string, eventType?: RaceEventType): RaceStats
  /** RPC summaries grouped by the given dimensions. @default ['method', 'strategy', 'providerId'] */
  rpcStats(chain: string, groupBy?: readonly RpcStatsDimension[]): RpcStatsRow[]
  /** Recent figures for routing; `undefined` when the provider has no recent calls. */
  recent(chain: string, providerId: string, method?: string): RecentProviderStats | undefined
  /** Retained race entries, oldest first. */
  raceEntries(chain: string): readonly RaceEntry[]
  /** Retained RPC entries, oldest first. */
  rpcEntries(chain: string): readonly RpcEntry[]
  chains(): string[]
  snapshot(): BenchmarkStoreSnapshot
  restore(snapshot: BenchmarkStoreSnapshot): void
}
