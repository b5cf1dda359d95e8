export { createBenchmarkStore } from './benchmark-store.js'
export { defaultScore } from './score.js'
export type {
  BenchmarkStore,
  BenchmarkStoreOptions,
  BenchmarkStoreSnapshot,
  ChainSnapshot,
  EventTypeRaceStats,
  HistogramSnapshot,
  LatencySummary,
  LeaderboardEntry,
  MarginBucket,
  MarginStats,
  RaceEntry,
  RaceEventType,
  RaceStats,
  RecentProviderStats,
  RecentStatsSnapshot,
  RpcCallRecord,
  RpcEntry,
  RpcStatsDimension,
  RpcStatsRow,
  ScoreFunction,
} from './types.js'
