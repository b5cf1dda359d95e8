import type { Socket } from 'node:net'
import { systemClock, type TimerHandle } from '@chainpulse/core'
import Fastify, { type FastifyInstance } from 'fastify'
import { redisUrlSecrets } from './cluster/cluster-config.js'
import type { Cluster } from './cluster/start-cluster.js'
import { parseServerConfig, type ServerConfigInput } from './config/server-config.js'
import { guardConnections } from './http/connection-guard.js'
import { httpServerTimeouts } from './http/server-timeouts.js'
import { type ChainPulsePluginOptions, chainPulseParsedPlugin } from './plugin.js'
import type { ProxyPool } from './proxy-pool.js'
import { closeIfUpgrade, createRpcFallbacks } from './routes/rpc-http-errors.js'
import { loggerOptions } from './security/logger-options.js'
import { createRedactor } from './security/redaction.js'

/** Options of {@link buildServer}. */
export interface BuildServerOptions {
  /** The pool requests are routed through. The caller owns it: closing the server does not close it. */
  pool: ProxyPool
  /** Server settings (the `server` part of a config file). @default {} (every default) */
  config?: ServerConfigInput
  /**
   * Where logs go: `false` for none, or a writable stream (one JSON line per write). @default stdout
   */
  logger?: false | { stream?: { write(line: string): unknown } }
  /**
   * Strings to mask in every log line, error body, API response, stream message and metric, e.g. the
   * secret parts of provider URLs (`urls.flatMap(urlSecrets)`; `loadConfigFile` returns them). A second
   * line of defence: the pool shows providers by origin and scrubs what upstreams echo. The configured
   * API keys are always masked. @default []
   */
  secrets?: readonly string[]
  /** Race and RPC figures merged across a cluster, for the dashboard API (see `ChainPulsePluginOptions`). @default none */
  aggregates?: ChainPulsePluginOptions['aggregates']
  /** The simulated network behind the dashboard's demo controls (see `DemoControls`). @default none */
  controls?: ChainPulsePluginOptions['controls']
  /** Timers of the dashboard API (stream snapshots, score history, demo load) and of close(). @default systemClock */
  clock?: ChainPulsePluginOptions['clock']
  /** The built dashboard served at `/`. @default the copy shipped in this package (`dashboard/`) */
  dashboardDir?: ChainPulsePluginOptions['dashboardDir']
  /** Start the demo's ambient traffic once the server listens (`chainpulse demo` does). @default false */
  ambientTraffic?: boolean
  /**
   * How long `close()` lets requests in flight finish before cutting the connections that remain (a
   * request stuck on a hanging upstream must not hold shutdown forever). @default 10_000
   */
  drainTimeoutMs?: number
  /**
   * The instance's cluster connections (`startCluster`, which `startChainPulse` calls when the config
   * has `cluster`): the rate limit counts in Redis, the dashboard stream tags events by instance, and
   * `GET /api/cluster` lists the instances. @default none: the instance stands alone
   */
  cluster?: Cluster
}

/**
 * Builds the ChainPulse HTTP server: a Fastify instance with the ChainPulse plugin registered, logging
 * through pino with credentials redacted. It does not listen; call `listen` (or `inject` in tests).
 *
 * @throws {ConfigError} when `config` is invalid, naming each bad path.
 * @example
 * const app = buildServer({ pool, config: { auth: { apiKeys: [process.env.CHAINPULSE_KEY!] } } })
 * await app.listen({ port: 4000, host: '127.0.0.1' })
 */
export function buildServer(options: BuildServerOptions): FastifyInstance {
  const config = parseServerConfig(options.config)
  const redact = createRedactor({
    secrets: [
      ...(options.secrets ?? []),
      ...(config.auth?.apiKeys ?? []),
      // The Redis URL's password, however it was written (the redactor only knows http and ws URLs).
      ...(config.cluster ? redisUrlSecrets(config.cluster.redisUrl) : []),
    ],
  })
  const fallbacks = createRpcFallbacks({ redact })
  const app = Fastify({
    logger:
      options.logger === false || config.logLevel === 'silent'
        ? false
        : loggerOptions({ level: config.logLevel, stream: options.logger?.stream, redact }),
    trustProxy: config.trustProxy,
    bodyLimit: config.rpc.bodyLimitBytes,
    // A client that trickles its request in (slowloris) or idles must not hold a socket for good; the
    // per-IP connection cap (guardConnections, below) bounds how many it can hold meanwhile.
    ...httpServerTimeouts(config.http),
    // The longest API key (512 characters) fits in /rpc/key/<key>/..., percent-encoded too; with the
    // router's default (100) a longer key in the path got a 414.
    routerOptions: { maxParamLength: 2_048 },
    // Bad URLs on /rpc and /ws/rpc get JSON-RPC error bodies too (see createRpcFallbacks).
    frameworkErrors: fallbacks.frameworkErrors,
  })
  app.server.prependListener('clientError', fallbacks.clientError)
  const connectionGuard = guardConnections(app.server, {
    maxConnectionsPerIp: config.http.maxConnectionsPerIp,
  })
  app.setNotFoundHandler(fallbacks.notFound)
  // Once shutdown starts, answers tell keep-alive clients to hang up: a connection busy when close()
  // began would otherwise stay open after its last answer and hold close() until Node's keep-alive
  // timeout (72 s). Whatever is still open after drainTimeoutMs is cut.
  const clock = options.clock ?? systemClock
  let closing = false
  let cutoff: TimerHandle | undefined
  // Node's closeIdleConnections() spares a connection that has not sent a request yet (a browser's
  // preconnect, a client whose request was aborted while connecting): it counts as busy, awaiting its
  // first request, and would hold close() until the cutoff. Such connections are closed at once.
  const connections = new Set<Socket>()
  app.server.on('connection', (socket: Socket) => {
    connections.add(socket)
    socket.once('close', () => connections.delete(socket))
  })
  app.addHook('preClose', (done) => {
    closing = true
    for (const socket of connections) if (socket.bytesRead === 0) socket.destroy()
    cutoff = clock.setTimeout(() => app.server.closeAllConnections(), options.drainTimeoutMs ?? 10_000)
    done()
  })
  app.addHook('onClose', (_instance, done) => {
    if (cutoff !== undefined) clock.clearTimeout(cutoff)
    done()
  })
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close')
    closeIfUpgrade(reply)
    done(null, payload)
  })
  app.register(chainPulseParsedPlugin, {
    pool: options.pool,
    config,
    redact,
    connectionGuard,
    ...(options.aggregates ? { aggregates: options.aggregates } : {}),
    ...(options.controls ? { controls: options.controls } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.dashboardDir === undefined ? {} : { dashboardDir: options.dashboardDir }),
    ...(options.ambientTraffic ? { ambientTraffic: true } : {}),
    ...(options.cluster ? { cluster: options.cluster } : {}),
  })
  return app as unknown as FastifyInstance
}
