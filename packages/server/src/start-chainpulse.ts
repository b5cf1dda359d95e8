import {
  createBenchmarkStore,
  createLogsSplitting,
  createPeerEvidence,
  createProviderPool,
  createResponseCache,
  createServedFilters,
  type ProviderPool,
  type ProviderPoolOptions,
} from '@chainpulse/core'
import type { FastifyInstance } from 'fastify'
import { type BuildServerOptions, buildServer } from './app.js'
import { redisUrlSecrets } from './cluster/cluster-config.js'
import { type Cluster, startCluster } from './cluster/start-cluster.js'
import { parseServerConfig, type ServerConfigInput } from './config/server-config.js'
import {
  createSnapshotPersistence,
  type SnapshotPersistence,
  type SnapshotRestoreResult,
} from './persistence/snapshot-file.js'
import { createRedactor } from './security/redaction.js'
import { createUndiciFetch } from './upstream/undici-fetch.js'

/** Options of {@link startChainPulse}. */
export interface StartChainPulseOptions {
  /** Pool options (chains, providers, knobs); the benchmark store is created here so it can be restored first. */
  pool: Omit<ProviderPoolOptions, 'store'>
  /** Server settings (the config file's `server` section). @default {} */
  server?: ServerConfigInput
  /** Strings masked in logs, errors and responses (interpolated config values, URL keys). @default [] */
  secrets?: readonly string[]
  /** Where to listen. Port 0 picks a free port. */
  listen: { port: number; host: string }
  /** Benchmark snapshot file and write interval; none when omitted. */
  persistence?: { path: string; intervalMs?: number }
  /**
   * Extra `buildServer` options that depend on the pool or the demo (the demo's `controls` and
   * `ambientTraffic`), made once the pool exists.
   */
  serverOptions?: (
    pool: ProviderPool,
  ) => Pick<BuildServerOptions, 'controls' | 'clock' | 'ambientTraffic' | 'dashboardDir'>
  /** Where Fastify logs go. @default stdout */
  logger?: BuildServerOptions['logger']
  /** Runs during shutdown after the pool is closed and before the last snapshot (e.g. stop the devnet). */
  onClose?: () => Promise<void>
  /** How long shutdown waits for in-flight requests before cutting connections (ms). @default 10_000 */
  shutdownTimeoutMs?: number
  /** Receives persistence problems met while running. @default console.error */
  onError?: (error: unknown) => void
}

/** A listening ChainPulse server. */
export interface RunningChainPulse {
  readonly app: FastifyInstance
  readonly pool: ProviderPool
  /** Base URL, e.g. `http://127.0.0.1:4000`. */
  readonly url: string
  /** What happened to the benchmark snapshot at start; undefined without persistence. */
  readonly restored: SnapshotRestoreResult | undefined
  readonly persistence: SnapshotPersistence | undefined
  /** The instance's cluster connections; undefined without `server.cluster`. */
  readonly cluster: Cluster | undefined
  /**
   * Shuts down gracefully: stops accepting connections, lets in-flight requests finish (WebSockets are
   * closed by the routes' close hooks), closes the pool and the cluster's Redis connections, runs
   * `onClose`, writes the last snapshot.
   * Idempotent: later calls return the same promise.
   */
  close(): Promise<void>
}

/**
 * Starts a ChainPulse server process-style: restores the benchmark snapshot, creates the pool over the
 * restored store, builds the server, listens and writes snapshots periodically. The CLI's `serve` and
 * `demo` commands both run through it. With `server.cluster`, it connects to the cluster's Redis first:
 * the pool's PubSub and response cache go through it, and so does the rate limit.
 *
 * @throws {ConfigError} for invalid pool or server options; whatever `listen` throws (port in use).
 * @example
 * const running = await startChainPulse({
 *   pool: { chains: [{ name: 'ethereum', chainId: 1 }], providers },
 *   listen: { port: 4000, host: '127.0.0.1' },
 *   persistence: { path: '.chainpulse/benchmarks.json' },
 * })
 * process.once('SIGTERM', () => running.close())
 */
export async function startChainPulse(options: StartChainPulseOptions): Promise<RunningChainPulse> {
  const store = createBenchmarkStore({ ...(options.pool.clock ? { clock: options.pool.clock } : {}) })
  const persistence = options.persistence
    ? createSnapshotPersistence({
        store,
        path: options.persistence.path,
        ...(options.persistence.intervalMs ? { intervalMs: options.persistence.intervalMs } : {}),
        ...(options.onError ? { onError: options.onError } : {}),
      })
    : undefined
  const restored = await persistence?.restore()

  // Node's global fetch costs several hundred µs of CPU per call; undici's request does the same POST
  // for a fraction of it (see upstream/undici-fetch.ts). A caller-supplied fetch wins.
  const upstreamFetch = options.pool.fetch ? undefined : createUndiciFetch()
  // The proxy caches by default (the server config's `cache`); a pool option `cache` wins.
  const serverConfig = parseServerConfig(options.server)
  const { cache } = serverConfig
  // Redis problems are logged through the server's logger (redacted) once it exists; before, redacted here.
  const redact = createRedactor({
    secrets: [
      ...(options.secrets ?? []),
      ...(serverConfig.cluster ? redisUrlSecrets(serverConfig.cluster.redisUrl) : []),
    ],
  })
  let logClusterError = (error: unknown) =>
    console.warn(
      redact(`ChainPulse: cluster Redis: ${error instanceof Error ? error.message : String(error)}`),
    )
  const cluster = serverConfig.cluster
    ? await startCluster(serverConfig.cluster, {
        cache: cache !== false,
        onError: (error) => logClusterError(error),
        ...(options.pool.clock ? { clock: options.pool.clock } : {}),
      })
    : undefined
  // A pool option that is invalid must not leave the cluster's Redis connections open behind it.
  let pool: ProviderPool
  try {
    pool = createProviderPool({
      ...(cache === false
        ? {}
        : {
            cache: createResponseCache({
              ...cache,
              ...(cluster?.cacheStore ? { store: cluster.cacheStore } : {}),
            }),
          }),
      // The proxy never answers a range error while some provider can serve the range in parts, and
      // its filters survive failover (both add-ons of the pool).
      logsSplitting: createLogsSplitting(),
      servedFilters: createServedFilters(),
      ...(cluster ? { pubsub: cluster.pubsub } : {}),
      // Instances take each other's provider verdicts as evidence (the cluster's `peerEvidence`).
      ...(serverConfig.cluster && serverConfig.cluster.peerEvidence !== false
        ? { peerEvidence: createPeerEvidence(serverConfig.cluster.peerEvidence) }
        : {}),
      ...options.pool,
      store,
      ...(upstreamFetch ? { fetch: upstreamFetch } : {}),
    })
  } catch (error) {
    await cluster?.close()
    await upstreamFetch?.close()
    throw error
  }
  cluster?.attach(pool)
  let closing: Promise<void> | undefined
  let app: FastifyInstance
  try {
    app = buildServer({
      ...(cluster ? { cluster } : {}),
      ...(cluster?.aggregates ? { aggregates: cluster.aggregates } : {}),
      pool,
      drainTimeoutMs: options.shutdownTimeoutMs ?? 10_000,
      ...(options.server ? { config: options.server } : {}),
      ...(options.secrets ? { secrets: options.secrets } : {}),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      ...options.serverOptions?.(pool),
    })
    const log = app.log
    logClusterError = (error) =>
      log.warn({ err: error instanceof Error ? error.message : String(error) }, 'cluster Redis unavailable')
    await app.listen({ port: options.listen.port, host: options.listen.host })
  } catch (error) {
    await pool.close()
    await cluster?.close()
    await upstreamFetch?.close()
    await options.onClose?.()
    throw error
  }
  persistence?.start()

  async function shutdown(): Promise<void> {
    // Every step runs even if an earlier one fails: anvil must stop and history must be saved.
    const errors: unknown[] = []
    const step = (run: () => Promise<unknown> | undefined) =>
      Promise.resolve()
        .then(run)
        .catch((error: unknown) => {
          errors.push(error)
        })
    // close() waits for requests in flight, up to shutdownTimeoutMs (buildServer's drainTimeoutMs).
    await step(() => app.close())
    await step(() => pool.close())
    await step(() => cluster?.close())
    await step(async () => upstreamFetch?.close())
    await step(() => options.onClose?.())
    await step(() => persistence?.stop())
    if (errors.length > 0) throw errors[0]
  }

  return {
    app,
    pool,
    url: baseUrl(app),
    restored,
    persistence,
    cluster,
    close: () => {
      closing ??= shutdown()
      return closing
    },
  }
}

function baseUrl(app: FastifyInstance): string {
  const address = app.server.address()
  if (address === null || typeof address === 'string') return String(address)
  const host =
    address.address === '0.0.0.0' || address.address === '::'
      ? '127.0.0.1'
      : address.family === 'IPv6'
        ? `[${address.address}]`
        : address.address
  return `http://${host}:${address.port}`
}
