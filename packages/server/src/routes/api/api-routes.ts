import type { AddressInfo } from 'node:net'
import {
  type ChainPulseTopic,
  type Clock,
  type LeaderboardEntry,
  type RpcStatsDimension,
  systemClock,
} from '@chainpulse/core'
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { clusterRoutes } from '../../cluster/cluster-routes.js'
import type { Cluster } from '../../cluster/start-cluster.js'
import type { ServerConfig } from '../../config/server-config.js'
import type { DemoControls } from '../../demo/controls.js'
import { demoRoutes } from '../../demo/demo-routes.js'
import type { CallCounts } from '../../metrics/call-counts.js'
import { createRuntimeMonitor, type RuntimeReading } from '../../runtime/runtime-monitor.js'
import type { Redactor } from '../../security/redaction.js'
import { ADMIN_TOKEN_HEADER, createControlAccess } from './access.js'
import { apiErrorHandler, validate } from './http-errors.js'
import { createScoreHistory, type ScoreHistoryView } from './score-history.js'
import { type ClusterAggregates, createStatsSource } from './stats-source.js'
import { createStreamHub, pubsubStreamTopics, type StreamStats, streamRoutes } from './stream.js'
import { chainViews, type DashboardPool, leaderboardView, providerViews } from './views.js'

/** Options of {@link apiRoutes}. */
export interface ApiRoutesOptions {
  pool: DashboardPool
  /** The server's per-chain call counts (cache hits, coalesced, upstream), shown in `chains`. */
  calls: CallCounts
  config: ServerConfig
  redact: Redactor
  /**
   * Race and RPC figures merged across a cluster (e.g. `createRedisAggregateSync`'s sync): the
   * leaderboard, margins, RPC stats, providers' figures, score history and stream then show the
   * cluster's; `?scope=instance` on `leaderboard` and `rpc-stats` still shows this instance's own.
   * @default none: this instance's `pool.store`
   */
  aggregates?: ClusterAggregates | undefined
  /** The simulated network behind `POST /api/demo/providers/...`; without it those answer 501. */
  controls?: DemoControls | undefined
  /** Drives the stream's snapshot timer, the score history and the demo load. @default systemClock */
  clock?: Clock | undefined
  /** Start the demo's ambient traffic once the server listens (see `demoRoutes`). @default false */
  ambientTraffic?: boolean | undefined
  /** The instance's cluster, for `GET /api/cluster` and the stream's `instance` tags. @default none */
  cluster?: Cluster | undefined
}

/** Body of `GET /api/capabilities`: what the dashboard may show. */
export interface Capabilities {
  demo: boolean
  /** Whether this request may use `POST /api/demo/...` (demo mode, or a valid admin token header). */
  controls: boolean
  /** Whether simulated providers can be started, stopped and given faults. */
  simulatedProviders: boolean
  /** Name of the admin token header, for a dashboard that asks the operator for it. */
  adminTokenHeader: string
}

/** Body of `GET /api/strategies`: the registered strategies and each chain's default. */
export interface StrategiesView {
  strategies: string[]
  chains: { chain: string; strategy: string }[]
}

/** One PubSub topic in `GET /api/runtime`'s topic inspector. */
export interface TopicCounters {
  topic: ChainPulseTopic
  /** Messages this instance published since it started (other instances' are not counted here). */
  published: number
  /** Messages in the topic's replay buffer (what `GET /api/feed/:topic` can return). */
  buffered: number
  /** Unix epoch ms of the latest message. */
  lastAt: number | null
}

/** Body of `GET /api/runtime` and the stream's `runtime` topic. */
export interface RuntimeView extends RuntimeReading {
  buffers: {
    pubsub: TopicCounters[]
    stream: StreamStats
    /** Live upstream subscriptions (racing and client demand). */
    upstreamSubscriptions: number
    /** Leaderboard samples kept per chain, of `scoreHistory.samples` at most. */
    scoreHistory: Record<string, number>
  }
}

const chainParams = z.strictObject({ chain: z.string().min(1).max(128) })
const scope = z.enum(['instance', 'cluster']).optional()
// Not strict: the endpoint took no query before, and a cache-busting parameter must not become a 400.
const leaderboardQuery = z.object({ scope })
const providersQuery = z.strictObject({ chain: z.string().min(1).max(128).optional() })
const feedParams = z.strictObject({ topic: z.enum(pubsubStreamTopics) })
const feedQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(1_000).default(100) })
const dimensions = ['method', 'strategy', 'providerId'] as const
const rpcStatsQuery = z.strictObject({
  groupBy: z
    .string()
    .default(dimensions.join(','))
    .transform((text) => text.split(',').filter((part) => part.length > 0))
    .pipe(z.array(z.enum(dimensions)).min(1).max(3)),
  scope,
})

/**
 * The dashboard's HTTP API, registered under `/api` (docs/server-api.md lists every endpoint): JSON
 * snapshots, the live stream `GET /api/stream`, and the demo controls under `/api/demo`. Every JSON
 * body passes the redactor before it is sent, though no view carries a URL's secret to begin with.
 */
export async function apiRoutes(app: FastifyInstance, options: ApiRoutesOptions): Promise<void> {
  const { pool, calls, config, redact } = options
  const clock = options.clock ?? systemClock
  const access = createControlAccess({ demo: config.demo, adminToken: config.admin?.token })
  const monitor = createRuntimeMonitor()
  const statsFor = createStatsSource(pool.store, options.aggregates)
  const history = createScoreHistory({
    store: { leaderboard: (chain) => statsFor().stats.leaderboard(chain) },
    chains: () => pool.chains().map((chain) => chain.name),
    intervalMs: config.api.scoreHistory.intervalMs,
    capacity: config.api.scoreHistory.samples,
    clock,
  })

  const topicCounters = new Map<ChainPulseTopic, TopicCounters>(
    pubsubStreamTopics.map((topic) => [topic, { topic, published: 0, buffered: 0, lastAt: null }]),
  )
  // Per topic, not subscribeAll: in a cluster only a topic's listeners learn that a message came from
  // another instance, and this instance counts its own.
  const stopCountingTopics = pubsubStreamTopics.map((topic) =>
    pool.pubsub.subscribe(topic, (_payload, _topic, origin) => {
      if (origin !== undefined) return
      const counters = topicCounters.get(topic)!
      counters.published++
      counters.lastAt = Date.now()
    }),
  )
  const stopCounting = () => {
    for (const unsubscribe of stopCountingTopics) unsubscribe()
  }

  let latestRuntime: RuntimeReading | undefined
  const runtimeView = (): RuntimeView => {
    latestRuntime ??= monitor.read()
    const scoreHistory: Record<string, number> = {}
    for (const chain of pool.chains()) scoreHistory[chain.name] = history.samples(chain.name).length
    return {
      ...latestRuntime,
      buffers: {
        pubsub: [...topicCounters.values()].map((counters) => ({
          ...counters,
          buffered: pool.pubsub.recent(counters.topic).length,
        })),
        stream: hub.stats(),
        upstreamSubscriptions: pool.upstreamSubscriptionCount(),
        scoreHistory,
      },
    }
  }
  const leaderboards = () => {
    const boards: Record<string, LeaderboardEntry[]> = {}
    const { stats } = statsFor()
    for (const chain of pool.chains()) boards[chain.name] = stats.leaderboard(chain.name)
    return boards
  }

  const hub = createStreamHub({
    pubsub: pool.pubsub,
    ...(options.cluster ? { instanceId: options.cluster.instanceId } : {}),
    redact,
    clock,
    snapshotIntervalMs: config.api.stream.snapshotIntervalMs,
    maxQueuedMessages: config.api.stream.maxQueuedMessages,
    maxBufferedBytes: config.api.stream.maxBufferedBytes,
    maxConnections: config.api.stream.maxConnections,
    // One runtime reading per interval, shared by the stream and GET /api/runtime.
    onTick: () => {
      latestRuntime = monitor.read()
    },
    snapshot(topic) {
      if (topic === 'runtime') return runtimeView()
      if (topic === 'providers') return providerViews(pool, undefined, statsFor().stats)
      if (topic === 'chains') return chainViews(pool, calls)
      return leaderboards()
    },
  })

  app.addHook('onClose', async () => {
    hub.close()
    history.stop()
    monitor.close()
    stopCounting()
  })
  // Last line of defence: no JSON body leaves /api with a URL's credentials or a configured secret.
  app.addHook('onSend', async (_request, _reply, payload) =>
    typeof payload === 'string' ? redact(payload) : payload,
  )
  app.setErrorHandler(apiErrorHandler(redact))

  app.get(
    '/capabilities',
    async (request): Promise<Capabilities> => ({
      demo: config.demo,
      controls: access(request),
      simulatedProviders: options.controls !== undefined,
      adminTokenHeader: ADMIN_TOKEN_HEADER,
    }),
  )

  app.get('/chains', async () => ({ chains: chainViews(pool, calls) }))

  app.get('/providers', async (request) => {
    const { chain } = validate(providersQuery, request.query, 'query')
    const name = chain === undefined ? undefined : pool.resolveChain(chain)
    return { providers: providerViews(pool, name, statsFor().stats) }
  })

  app.get('/leaderboard/:chain', async (request) => {
    const { chain } = validate(chainParams, request.params, 'params')
    const query = validate(leaderboardQuery, request.query, 'query')
    const { stats, scope } = statsFor(query.scope)
    return leaderboardView(stats, pool.resolveChain(chain), scope)
  })

  app.get('/leaderboard/:chain/history', async (request): Promise<ScoreHistoryView> => {
    const { chain } = validate(chainParams, request.params, 'params')
    const name = pool.resolveChain(chain)
    return {
      chain: name,
      intervalMs: config.api.scoreHistory.intervalMs,
      capacity: config.api.scoreHistory.samples,
      samples: history.samples(name),
    }
  })

  app.get('/rpc-stats/:chain', async (request) => {
    const { chain } = validate(chainParams, request.params, 'params')
    const query = validate(rpcStatsQuery, request.query, 'query')
    const name = pool.resolveChain(chain)
    const unique = [...new Set(query.groupBy)] as RpcStatsDimension[]
    const { stats, scope } = statsFor(query.scope)
    return { chain: name, scope, groupBy: unique, rows: stats.rpcStats(name, unique) }
  })

  app.get('/feed/:topic', async (request) => {
    const { topic } = validate(feedParams, request.params, 'params')
    const { limit } = validate(feedQuery, request.query, 'query')
    return { topic, items: pool.pubsub.recent(topic, limit) }
  })

  app.get('/runtime', async () => runtimeView())

  app.get(
    '/strategies',
    async (): Promise<StrategiesView> => ({
      strategies: pool.registry.names(),
      chains: pool.chains().map((chain) => ({ chain: chain.name, strategy: chain.strategy })),
    }),
  )

  await app.register(streamRoutes, { hub })
  await app.register(clusterRoutes, { cluster: options.cluster })
  await app.register(demoRoutes, {
    prefix: '/demo',
    pool,
    config,
    access,
    controls: options.controls,
    clock,
    ambientTraffic: options.ambientTraffic,
    origin: () => {
      const address = app.server.address() as AddressInfo | string | null
      if (!address || typeof address === 'string') return undefined
      // The generator stays on loopback whatever interface the server listens on.
      return `http://127.0.0.1:${address.port}`
    },
  })
}
