import type { Clock } from '@chainpulse/core'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Cluster } from './cluster/start-cluster.js'
import { parseServerConfig, type ServerConfig, type ServerConfigInput } from './config/server-config.js'
import type { DemoControls } from './demo/controls.js'
import type { ConnectionGuard } from './http/connection-guard.js'
import { createCallCounts } from './metrics/call-counts.js'
import { metricsRoutes } from './metrics/metrics-route.js'
import type { ProxyPool } from './proxy-pool.js'
import { apiRoutes } from './routes/api/api-routes.js'
import type { ClusterAggregates } from './routes/api/stats-source.js'
import { isDashboardPool } from './routes/api/views.js'
import { dashboardRoutes } from './routes/dashboard.js'
import { healthRoutes, logHealthTransitions } from './routes/health.js'
import { rpcRoutes } from './routes/rpc.js'
import { wsRpcRoutes } from './routes/ws-rpc.js'
import { registerCors } from './security/cors.js'
import { createRedactor, type Redactor } from './security/redaction.js'
import { registerWebSocketSupport } from './ws/websocket-support.js'

/** Options of {@link chainPulsePlugin}. */
export interface ChainPulsePluginOptions {
  /** The pool requests are routed through. The caller owns it (and closes it). */
  pool: ProxyPool
  /** Server settings; validated here. @default {} (every default) */
  config?: ServerConfigInput
  /** Masks secrets in error bodies. @default a redactor for URLs and the configured API keys */
  redact?: Redactor
  /**
   * Race and RPC figures merged across the instances of a cluster, e.g. `createRedisAggregateSync({
   * redis, instanceId, store: pool.store })` of `@chainpulse/redis`: the dashboard API's leaderboard,
   * margins, RPC stats and providers then show the whole cluster's (`?scope=instance` this instance's).
   * The caller owns it (and closes it). @default none: this instance's own figures
   */
  aggregates?: ClusterAggregates
  /** The simulated network the dashboard's Live Test tab drives (`chainpulse demo` passes the devnet's). */
  controls?: DemoControls
  /** Timers of the dashboard API (stream snapshots, score history, demo load). @default systemClock */
  clock?: Clock
  /**
   * The built dashboard served at `/`, or `false` to leave `/` to the host app (the API under `/api`
   * stays). @default the copy shipped in this package (`dashboard/`)
   */
  dashboardDir?: string | false
  /**
   * Start the demo's ambient traffic (a few simulated clients over HTTP and WebSocket, and the routing
   * sampler) once the server listens; `POST /api/demo/ambient/stop` and `/start` switch it. @default false
   */
  ambientTraffic?: boolean
  /** The instance's cluster connections (see `BuildServerOptions.cluster`). @default none */
  cluster?: Cluster
}

/**
 * The ChainPulse routes as a Fastify plugin, for mounting in an existing Fastify app: `GET /healthz`
 * and the JSON-RPC proxy under `/rpc` (HTTP) and `/ws/rpc` (WebSocket). `buildServer` wraps it with logging and redaction set up,
 * and with the server-wide handlers that answer bad URLs and case variants of the prefixes with JSON-RPC
 * bodies too (`createRpcFallbacks`), which a plugin cannot install in an app it does not own.
 *
 * @throws {ConfigError} when `config` is invalid (at registration).
 * @example
 * const app = Fastify()
 * await app.register(chainPulsePlugin, { pool, config: { rpc: { maxBatchSize: 50 } } })
 */
export const chainPulsePlugin = fp(
  (app: FastifyInstance, options: ChainPulsePluginOptions) => {
    const config = parseServerConfig(options.config)
    const redact = options.redact ?? createRedactor({ secrets: config.auth?.apiKeys ?? [] })
    return registerChainPulse(app, { ...options, config, redact })
  },
  { name: 'chainpulse', fastify: '5.x' },
)

/** {@link chainPulsePlugin}'s options once its config is parsed and its redactor made. */
export type ParsedPluginOptions = Omit<ChainPulsePluginOptions, 'config' | 'redact'> & {
  config: ServerConfig
  redact: Redactor
  /** The per-IP connection guard `buildServer` puts on its server, for `/metrics`. @default none */
  connectionGuard?: ConnectionGuard
}

/**
 * The plugin for a caller that has parsed the config already (`buildServer`, which needs it for its own
 * settings first): the config is parsed once.
 */
export const chainPulseParsedPlugin = fp(registerChainPulse, { name: 'chainpulse', fastify: '5.x' })

async function registerChainPulse(app: FastifyInstance, options: ParsedPluginOptions): Promise<void> {
  const { config, redact, pool } = options
  // Counted once, read by both the dashboard API and /metrics.
  const calls = isDashboardPool(pool) ? createCallCounts(pool.pubsub) : undefined
  if (calls) app.addHook('onClose', async () => calls.close())
  await app.register(healthRoutes, { pool })
  logHealthTransitions(app, pool, redact)
  await app.register(
    async (rpc) => {
      if (config.cors) registerCors(rpc, config.cors)
      await rpc.register(rpcRoutes, {
        pool,
        config,
        redact,
        ...(options.cluster
          ? {
              sharedRateLimit: {
                redis: options.cluster.rateLimitRedis,
                keyPrefix: `${options.cluster.config.keyPrefix}ratelimit:`,
              },
            }
          : {}),
      })
    },
    { prefix: '/rpc' },
  )
  // The WebSocket routes (JSON-RPC and the dashboard's live stream) share one encapsulated context
  // with @fastify/websocket, whose onRequest/onResponse hooks then never run for /rpc requests.
  await app.register(async (live) => {
    await registerWebSocketSupport(live, { maxMessageBytes: config.ws.maxMessageBytes })
    await live.register(wsRpcRoutes, {
      prefix: '/ws/rpc',
      pool,
      config,
      redact,
      ...(options.clock ? { clock: options.clock } : {}),
    })
    // The dashboard API reads the pool's store and events: a full ProviderPool has them.
    if (isDashboardPool(pool) && calls)
      await live.register(apiRoutes, {
        prefix: '/api',
        pool,
        calls,
        config,
        redact,
        aggregates: options.aggregates,
        controls: options.controls,
        clock: options.clock,
        ambientTraffic: options.ambientTraffic,
        cluster: options.cluster,
      })
  })
  if (isDashboardPool(pool) && calls) {
    if (config.metrics)
      await app.register(metricsRoutes, {
        pool,
        calls,
        nodeMetrics: config.metrics.nodeMetrics,
        methods: config.metrics.methods,
        redact,
        cluster: options.cluster,
        connectionGuard: options.connectionGuard,
      })
    // The dashboard at `/` (demo-web's build): it reads the API above, so it comes with it.
    if (options.dashboardDir !== false) await app.register(dashboardRoutes, { distDir: options.dashboardDir })
  }
}
