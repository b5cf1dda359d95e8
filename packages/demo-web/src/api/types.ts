// The server's API bodies as the dashboard reads them (docs/server-api.md). demo-web talks to the server
// over HTTP/WS only, so these are declared here, not imported: a field the server drops shows up as a
// blank cell, never as a crash. types.check.ts makes the typecheck fail if core's topic payloads stop
// fitting these declarations.

/** Payload of `routing:decisions`. */
export interface RoutingDecision {
  ts: number
  chain: string
  method: string
  strategy: string
  providerId: string
  durationMs: number
  result: 'ok' | 'error'
  failoverCount: number
  attempts: number
  /** The call's session, an opaque id (absent outside a session). */
  session?: string
  /** Set on the call that moved its session here, from `previousProviderId`. */
  sessionMoved?: true
  previousProviderId?: string
  /** Answered from the response cache: no upstream call; `providerId` is `chainpulse`. */
  cached?: true
  /** The pool's own call (its chain follower's), not a client's: not counted as client traffic. */
  internal?: true
}

/** What happened to a provider, in a {@link ProviderEvent}. */
export type ProviderEventType =
  | 'cooldown_start'
  | 'cooldown_end'
  | 'healthy'
  | 'unhealthy'
  | 'circuit_open'
  | 'circuit_half_open'
  | 'circuit_closed'
  | 'connected'
  | 'disconnected'
  | 'lagging'
  | 'added'
  | 'removed'

/** Payload of `provider_pool:events`. */
export interface ProviderEvent {
  ts: number
  chain: string
  providerId: string
  type: ProviderEventType
  detail?: string
}

/** Payload of `blocks:new`. */
export interface BlockEvent {
  chain: string
  number: number
  hash: string
  parentHash: string
  /** Block header timestamp (Unix seconds). */
  timestamp: number
  firstProviderId: string
  /** Unix epoch ms. */
  receivedAt: number
}

/** Payload of `races`. */
export interface RaceEvent {
  chain: string
  eventType: string
  key: string
  providerId: string
  result: 'win' | 'loss'
  marginMs: number
}

/** Payload of `connections`. */
export interface ConnectionEvent {
  kind: 'upstream' | 'client'
  chain: string
  id: string
  state: 'connecting' | 'connected' | 'disconnected'
  transport: 'http' | 'ws'
}

export type ProviderHealth = 'healthy' | 'cooldown' | 'lagging' | 'unhealthy' | 'down'
export type BreakerState = 'closed' | 'open' | 'half-open'

/** One provider of `GET /api/providers` and the `providers` stream topic. */
export interface ProviderView {
  id: string
  chain: string
  health: ProviderHealth
  /** Why background probes cannot reach it, while `health` is `down`. */
  downReason?: string | null | undefined
  breaker: BreakerState
  head: number | null | undefined
  lag: number
  cooldownUntil: number | null | undefined
  connection: 'connecting' | 'connected' | 'disconnected' | null | undefined
  transports: ('http' | 'ws')[]
  priority: number
  rpc: {
    count: number
    errors: number
    successRate: number | null
    meanMs: number
    p50Ms: number
    p95Ms: number
  }
  recent: { samples: number; latencyMs: number; p95Ms: number; errorRate: number } | null
  race: { rank: number; score: number; winRate: number; totalRaces: number; avgMarginMs: number } | null
}

/** `calls` of a {@link ChainView}: how a chain's client calls were answered since the server started. */
export interface ChainCalls {
  /** Calls the pool answered (one per routing decision). */
  calls: number
  /** Answered by the response cache. */
  cacheHits: number
  /** Answered by joining an identical read in flight. */
  coalesced: number
  /** Routed to providers (a cache miss, or a call the cache does not keep). */
  routed: number
  /** Requests the routed calls sent to providers (failovers and hedges included). */
  upstreamCalls: number
  /** Upstream calls saved: `cacheHits + coalesced`. */
  saved: number
}

/** One chain of `GET /api/chains` and the `chains` stream topic. */
export interface ChainView {
  name: string
  chainId: number
  strategy: string
  head?: number | null
  providers: string[]
  healthyProviders: number
  /** Absent from servers older than it. */
  calls?: ChainCalls
}

/** One leaderboard row. */
export interface LeaderboardEntry {
  providerId: string
  wins: number
  losses: number
  totalRaces: number
  winRate: number
  avgMarginMs: number
  score: number
  rank: number
}

/** Body of `GET /api/leaderboard/:chain/history`. */
export interface ScoreHistory {
  chain: string
  intervalMs: number
  capacity: number
  samples: {
    ts: number
    providers: { providerId: string; score: number; winRate: number; totalRaces: number; rank: number }[]
  }[]
}

/** One fixed bar of a {@link MarginStats} distribution: losses by `fromMs ≤ margin < toMs` (no `toMs`: and up). */
export interface MarginBucket {
  fromMs: number
  toMs?: number
  count: number
}

/** All-time loss-margin distribution (core's `MarginStats`); percentiles within 1 %. */
export interface MarginStats {
  /** Number of losses. */
  count: number
  meanMs: number
  p50Ms: number
  p95Ms: number
  minMs?: number
  maxMs?: number
  p99Ms?: number
  /** Bars from 0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000 ms (older servers send none). */
  buckets?: MarginBucket[]
}

/** Body of `GET /api/leaderboard/:chain`. */
export interface LeaderboardDetail {
  chain: string
  leaderboard: LeaderboardEntry[]
  byEventType: { providerId: string; eventType: string; wins: number; losses: number; winRate: number }[]
  marginsByProvider: Record<string, MarginStats>
}

/** One row of `GET /api/rpc-stats/:chain`. */
export interface RpcStatsRow {
  method?: string
  strategy?: string
  providerId?: string
  count: number
  errors: number
  meanMs: number
  p50Ms: number
  p95Ms: number
  p99Ms: number
}

/** Kinds of GC pause the server's runtime monitor tells apart. */
export type GcKind = 'minor' | 'major' | 'incremental' | 'weakcb' | 'other'

/** Body of `GET /api/runtime` and the `runtime` stream topic. */
export interface RuntimeView {
  ts: number
  uptimeSeconds: number
  memory: { rssBytes: number; heapUsedBytes: number; heapTotalBytes: number; externalBytes: number }
  eventLoopDelay: { meanMs: number; p50Ms: number; p99Ms: number; maxMs: number }
  eventLoopUtilization: number
  activeResources: number
  gc: {
    available: boolean
    count: number
    totalMs: number
    maxMs: number
    lastMs: number
    /** Cumulative pauses per GC kind since the server started. */
    byKind?: Partial<Record<GcKind, { count: number; totalMs: number }>>
  }
  buffers: {
    pubsub: { topic: string; published: number; buffered: number; lastAt: number | null }[]
    stream: {
      connections: number
      queuedMessages: number
      longestQueue: number
      maxQueuedMessages: number
      droppedMessages: number
      sentMessages: number
    }
    upstreamSubscriptions: number
    scoreHistory: Record<string, number>
  }
}

/** Body of `GET /api/capabilities`. */
export interface Capabilities {
  demo: boolean
  controls: boolean
  simulatedProviders: boolean
  adminTokenHeader: string
}

/** Body of `GET /api/strategies`. */
export interface StrategiesView {
  strategies: string[]
  chains: { chain: string; strategy: string }[]
}

/**
 * Personality presets a started simulated provider can take (`POST /api/demo/providers`): the devnet's
 * names (types.check.ts fails the typecheck when they differ).
 */
export const providerPresets = ['leader', 'steady', 'slow', 'flaky', 'lagging', 'neutral'] as const
export type ProviderPreset = (typeof providerPresets)[number]

/** Relative weights of a simulated provider's injected error kinds. */
export interface ErrorMix {
  serverError: number
  rateLimit: number
  rpcError: number
  malformed: number
}

/** The knobs of a simulated provider the dashboard shows (the devnet's personality has more). */
export interface Personality {
  latencyMs: number
  jitterMs: number
  errorRate: number
  errorMix: ErrorMix
  hangRate: number
  lagBlocks: number
  wsDelayMs: number
  wsDropRate: number
  mode: 'up' | 'down' | 'hang'
}

/**
 * Body of `POST /api/demo/providers/:id/personality`: the knobs to change (types.check.ts checks that the
 * devnet accepts every patch the dashboard can send).
 */
export type PersonalityPatch = Partial<Omit<Personality, 'errorMix'>> & { errorMix?: Partial<ErrorMix> }

/** A simulated provider of `GET /api/demo/providers`. */
export interface DemoProvider {
  id: string
  chain: string
  running: boolean
  mode: Personality['mode']
  personality: Omit<Personality, 'mode' | 'errorMix'>
}

/** A block by height and hash. */
export interface BlockRef {
  number: number
  hash: string
}

/** Body of `POST /api/demo/chains/:chain/reorg`: what the reorg did. */
export interface DemoReorg {
  chain: string
  depth: number
  /** The blocks taken off the chain, oldest first. */
  replaced: BlockRef[]
  /** The blocks now at the same heights, oldest first. */
  blocks: BlockRef[]
  /** Hashes of replaced transactions that are in the new blocks. */
  reincluded: string[]
  /** Hashes of replaced transactions that are not. */
  dropped: string[]
}

/** Body of `GET /api/demo/status` (loosely typed: the dashboard only shows it). */
export interface DemoStatus {
  load: { running: boolean } | null
  sampler: { running: boolean } | null
  /** The demo's ambient traffic; absent from servers older than it. */
  ambient?: AmbientStatus | null
}

/** `ambient` of {@link DemoStatus}: the simulated clients and the routing sampler that keep a demo alive. */
export interface AmbientStatus {
  running: boolean
  clients: { clients: number; ratePerSecond: number; sent: number; errors: number }
  sampler: { ratePerSecond: number; sent: number }
}

/** Live PubSub topics of the stream. */
export const liveTopics = [
  'routing:decisions',
  'provider_pool:events',
  'blocks:new',
  'races',
  'connections',
] as const
/** Snapshot topics of the stream (sent every second). */
export const snapshotTopics = ['providers', 'runtime', 'chains', 'leaderboard'] as const
export type LiveTopic = (typeof liveTopics)[number]
export type SnapshotTopic = (typeof snapshotTopics)[number]
export type StreamTopic = LiveTopic | SnapshotTopic

/** Each stream topic's payload: the dashboard store keeps one handler per entry (stream/topics/). */
export interface StreamPayloads {
  'routing:decisions': RoutingDecision
  'provider_pool:events': ProviderEvent
  'blocks:new': BlockEvent
  races: RaceEvent
  connections: ConnectionEvent
  providers: ProviderView[]
  runtime: RuntimeView
  chains: ChainView[]
  leaderboard: Record<string, LeaderboardEntry[]>
}

/** One instance in `GET /api/cluster`: what its heartbeat said. */
export interface ClusterInstance {
  instanceId: string
  startedAt: number
  lastSeenAt: number
  version: string
  /** Client calls it answered per second, over the last 10 s. */
  requestsPerSecond: number
  providers: { healthy: number; total: number }
  /** The instance answering this request. */
  self: boolean
}

/** Body of `GET /api/cluster`. */
export type ClusterView =
  | { enabled: false }
  | {
      enabled: true
      instanceId: string
      redis: {
        connected: boolean
        pubsub: { connected: boolean; published: number; delivered: number; dropped: number }
        cache: { connected: boolean; hits: number; misses: number; failures: number } | null
        commands: { connected: boolean }
      }
      /** This instance's sharing of race and RPC figures (times in Unix epoch ms); absent from older servers. */
      aggregates?: {
        scope: 'cluster' | 'local'
        lastSyncAt: number | null
        lastError: { message: string; at: number } | null
        peers: string[]
        syncs: number
        failures: number
        peerUpdates: number
      } | null
      instances: ClusterInstance[]
      /** The last read of the instances failed (Redis away): the list is the last known. */
      stale: boolean
      readAt: number | null
    }
