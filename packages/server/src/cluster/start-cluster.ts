import {
  type BenchmarkStore,
  type CacheStore,
  type ChainPulseTopics,
  type Clock,
  createPubSub,
  type PubSub,
  systemClock,
} from '@chainpulse/core'
import type {
  RedisAggregateSync,
  RedisCacheStoreStatus,
  RedisConnection,
  RedisPubSubAdapterStatus,
} from '@chainpulse/redis'
import { packageVersion } from '../package/package-info.js'
import { type ClusterConfig, defaultInstanceId } from './cluster-config.js'
import { type ClusterMembers, type Heartbeat, startHeartbeat } from './heartbeat.js'
import { createRequestRate } from './request-rate.js'

/** Redis as one instance sees it, for `GET /api/cluster`. */
export interface ClusterRedisStatus {
  /** Every connection of the instance (events, cache, commands) is up. */
  connected: boolean
  /** The event fan-out's counters (`createRedisPubSubAdapter`'s status). */
  pubsub: RedisPubSubAdapterStatus
  /** The shared response cache's counters; null when the server's cache is off. */
  cache: RedisCacheStoreStatus | null
  /** The connection for heartbeats and the shared rate limit is up. */
  commands: { connected: boolean }
}

/** This instance's sharing of race and RPC figures (`createRedisAggregateSync`), for `GET /api/cluster`. */
export interface ClusterAggregatesStatus {
  /** `cluster`: the last sync succeeded and the figures cover every live instance; `local`: this one's only. */
  scope: 'cluster' | 'local'
  /** Unix epoch ms of the last successful sync; null before the first. */
  lastSyncAt: number | null
  /** The last failed sync (kept after later successes): its error message and Unix epoch ms. */
  lastError: { message: string; at: number } | null
  /** The other instances whose figures are merged in, sorted. */
  peers: string[]
  /** Successful and failed syncs, and peers' values merged as they published them. */
  syncs: number
  failures: number
  peerUpdates: number
}

/** What the pool and the server need of the cluster, made before the pool. */
export interface Cluster {
  readonly instanceId: string
  readonly config: ClusterConfig
  /** The PubSub to give the pool: every topic fans out to the other instances through Redis. */
  readonly pubsub: PubSub<ChainPulseTopics>
  /** The store to give the response cache (one cache for the whole cluster); none when caching is off. */
  readonly cacheStore: CacheStore | undefined
  /** The ioredis client the shared rate limit runs its counters on. */
  readonly rateLimitRedis: RedisConnection['client']
  /**
   * Starts the heartbeat over the pool (it reads the pool's providers, and counts the instance's own
   * client calls from its PubSub) and the sharing of its race and RPC figures. Call once, after the pool
   * is made.
   */
  attach(pool: ClusterPool): void
  /**
   * The cluster's race and RPC figures (every instance's, merged; `createRedisAggregateSync`), for the
   * dashboard API; undefined before `attach`.
   */
  readonly aggregates: RedisAggregateSync | undefined
  /** The aggregate sync's state, times in Unix epoch ms; null before `attach`. */
  aggregatesStatus(): ClusterAggregatesStatus | null
  redisStatus(): ClusterRedisStatus
  members(): ClusterMembers
  /** Stops the heartbeat and closes every Redis connection. Never rejects. */
  close(): Promise<void>
}

/** The part of a pool the heartbeat reads. */
export interface ClusterPool {
  pubsub: Pick<PubSub<ChainPulseTopics>, 'subscribe'>
  providers(): readonly { health: string }[]
  /** Holds only this instance's own observations: what it shares. */
  store: Pick<BenchmarkStore, 'snapshot'>
}

/** Options of {@link startCluster}. */
export interface StartClusterOptions {
  /** Receives Redis connection problems (once per distinct error until it is back). */
  onError(error: unknown): void
  /** Whether the server caches responses; without, no cache store (nor its connection) is made. @default true */
  cache?: boolean
  /** Timers of the heartbeat and the request rate. @default systemClock */
  clock?: Clock
}

/**
 * Connects an instance to its cluster: the Redis PubSub adapter (under a PubSub for the pool), the
 * shared cache store, and one connection for heartbeats and rate-limit counters. `@chainpulse/redis`
 * (and with it ioredis) is imported here, on demand, so a server without `cluster` never loads it.
 * Nothing waits for Redis: connections come up in the background, and an instance whose Redis is down
 * serves on with its local state (see docs/operations.md).
 *
 * @example
 * const cluster = await startCluster(config.cluster, { onError: (error) => log.warn(error) })
 * const pool = createProviderPool({ ...options, pubsub: cluster.pubsub })
 * cluster.attach(pool)
 */
export async function startCluster(config: ClusterConfig, options: StartClusterOptions): Promise<Cluster> {
  const redis = await import('@chainpulse/redis')
  const clock = options.clock ?? systemClock
  const instanceId = config.instanceId ?? defaultInstanceId()
  const startedAt = Date.now()
  // ioredis reports every failed reconnection attempt; say each distinct problem once until it is back.
  const reported = new Set<string>()
  const report = (error: unknown) => {
    const key = error instanceof Error ? error.message : String(error)
    if (reported.has(key)) return
    reported.add(key)
    options.onError(error)
  }

  const adapter = redis.createRedisPubSubAdapter({
    redis: config.redisUrl,
    instanceId,
    channel: `${config.keyPrefix}events`,
    onError: report,
  })
  const pubsub = createPubSub<ChainPulseTopics>({ adapter })
  const cacheStore =
    options.cache === false
      ? undefined
      : redis.createRedisCacheStore({ redis: config.redisUrl, keyPrefix: `${config.keyPrefix}cache:` })
  // A rate-limit check waits on this connection before a request is served: a hung Redis must cost at
  // most this, after which the request is counted locally (see sharedRateLimitStore).
  const commands = redis.createRedisConnection(config.redisUrl, {
    name: `chainpulse:server:${instanceId}`,
    commandTimeoutMs: 250,
  })
  commands.client.on('error', report)
  commands.client.on('ready', () => reported.clear())

  let heartbeat: Heartbeat | undefined
  let aggregates: RedisAggregateSync | undefined
  let stopCounting: (() => void) | undefined

  return {
    instanceId,
    config,
    pubsub,
    cacheStore,
    rateLimitRedis: commands.client,
    get aggregates() {
      return aggregates
    },
    attach(pool) {
      if (heartbeat) return
      // Each instance writes its own totals and reads the others' (never adds to shared counters), so
      // nothing can be counted twice; the dashboard API reads the merge (routes/api/stats-source.ts).
      aggregates = redis.createRedisAggregateSync({
        redis: config.redisUrl,
        instanceId,
        store: pool.store,
        keyPrefix: `${config.keyPrefix}aggregates:`,
        clock,
        onError: report,
      })
      const rate = createRequestRate(clock)
      // This instance's own client calls: other instances' decisions arrive here too (origin set).
      stopCounting = pool.pubsub.subscribe('routing:decisions', (decision, _topic, origin) => {
        if (origin === undefined && !decision.internal) rate.record()
      })
      heartbeat = startHeartbeat({
        redis: commands.client,
        keyPrefix: config.keyPrefix,
        instanceId,
        intervalMs: config.heartbeatIntervalMs,
        clock,
        report: () => {
          const providers = pool.providers()
          return {
            startedAt,
            version: packageVersion,
            requestsPerSecond: rate.perSecond(),
            providers: {
              healthy: providers.filter((provider) => provider.health === 'healthy').length,
              total: providers.length,
            },
          }
        },
      })
    },
    aggregatesStatus() {
      if (!aggregates) return null
      const status = aggregates.status()
      // The sync stamps times with the clock (monotonic); the API speaks Unix epoch ms.
      const epoch = (at: number) => Math.round(Date.now() - (clock.now() - at))
      return {
        scope: status.scope,
        lastSyncAt: status.lastSyncAt === undefined ? null : epoch(status.lastSyncAt),
        lastError: status.lastError
          ? { message: status.lastError.message, at: epoch(status.lastError.at) }
          : null,
        peers: status.peers,
        syncs: status.syncs,
        failures: status.failures,
        peerUpdates: status.peerUpdates,
      }
    },
    redisStatus() {
      const pubsubStatus = adapter.status()
      const cacheStatus = cacheStore?.status() ?? null
      const commandsUp = commands.connected()
      return {
        connected: pubsubStatus.connected && (cacheStatus?.connected ?? true) && commandsUp,
        pubsub: pubsubStatus,
        cache: cacheStatus,
        commands: { connected: commandsUp },
      }
    },
    members() {
      return heartbeat?.members() ?? { instances: [], stale: true, readAt: null }
    },
    async close() {
      heartbeat?.stop()
      stopCounting?.()
      pubsub.dispose()
      await Promise.all([adapter.close(), cacheStore?.close(), aggregates?.close(), commands.close()])
    },
  }
}
