import { resolve } from 'node:path'
import type { ProviderPoolOptions } from '@chainpulse/core'
import { type Devnet, type DevnetOptions, startDevnet } from '@chainpulse/devnet'
import type { BuildServerOptions } from '../app.js'
import type { ServerConfigInput } from '../config/server-config.js'
import { type RunningChainPulse, startChainPulse } from '../start-chainpulse.js'
import { createDevnetDemoControls } from './devnet-controls.js'

/** Options of {@link startDemo}. */
export interface StartDemoOptions {
  /** @default 4000 (0 picks a free port) */
  port?: number
  /** @default '127.0.0.1' */
  host?: string
  /** The devnet to start. @default 3 chains × 4 providers (see docs/devnet.md) */
  devnet?: DevnetOptions
  /** Pool knobs on top of the demo's (racing on, 3 s request timeout). */
  pool?: Partial<Omit<ProviderPoolOptions, 'chains' | 'providers' | 'store'>>
  /** Server settings merged over the demo's (`demo: true`, log level `warn`). */
  server?: ServerConfigInput
  /** Benchmark snapshot file, or `false` for none. @default '.chainpulse/benchmarks.json' under `cwd` */
  snapshotPath?: string | false
  /** @default 30_000 */
  snapshotIntervalMs?: number
  /** @default process.cwd() */
  cwd?: string
  logger?: BuildServerOptions['logger']
  /** @default 10_000 */
  shutdownTimeoutMs?: number
  /**
   * Start the ambient traffic (a few simulated clients and the routing sampler) so the dashboard is
   * alive from the first second; the dashboard can switch it off and on. @default true
   */
  ambient?: boolean
  /** The built dashboard to serve at `/`. @default the copy shipped in the server package */
  dashboardDir?: string
}

/** A running demo: the server, and the devnet behind it. */
export interface RunningDemo extends RunningChainPulse {
  readonly devnet: Devnet
  /** Every URL worth printing. */
  readonly urls: DemoUrls
}

/** Where the demo's parts are reachable. */
export interface DemoUrls {
  dashboard: string
  api: string
  metrics: string
  health: string
  /** Per chain: HTTP and WebSocket JSON-RPC endpoints. */
  rpc: { chain: string; chainId: number; http: string; ws: string }[]
  devnetControl: string | undefined
}

/**
 * Starts the zero-configuration demo (what `chainpulse demo` runs): a local devnet (real anvil nodes
 * behind simulated providers), a racing pool over its providers, and the server with the dashboard,
 * the API with demo controls, metrics and the proxy, with ambient traffic running (unless `ambient:
 * false`). Closing it also stops the devnet.
 *
 * @throws {AnvilError} when anvil cannot be started; whatever `listen` throws (port in use).
 * @example
 * const demo = await startDemo({ port: 0, snapshotPath: false })
 * console.log(demo.urls.rpc[0].http) // http://127.0.0.1:<port>/rpc/ethereum
 * await demo.close()
 */
export async function startDemo(options: StartDemoOptions = {}): Promise<RunningDemo> {
  const devnet = await startDevnet(options.devnet ?? {})
  const manifest = devnet.manifest
  const snapshotPath =
    options.snapshotPath === false ? undefined : (options.snapshotPath ?? '.chainpulse/benchmarks.json')
  let running: RunningChainPulse
  try {
    running = await startChainPulse({
      pool: {
        // A simulated provider hangs now and then (the flaky preset): fail over well before 10 s.
        requestTimeoutMs: 3_000,
        ...options.pool,
        racing: true,
        chains: manifest.chains.map((chain) => ({
          name: chain.name,
          chainId: chain.chainId,
          ...(typeof chain.blockTime === 'number' ? { blockTimeMs: chain.blockTime } : {}),
        })),
        providers: manifest.providers.map(({ id, chain, httpUrl, wsUrl }) => ({ id, chain, httpUrl, wsUrl })),
      },
      // Every client of a local demo is 127.0.0.1: the dashboard, a load test and the user's scripts
      // would share one per-IP budget, so it is higher than a public endpoint's.
      server: {
        logLevel: 'warn',
        rateLimit: { max: 2_000, timeWindowMs: 1_000 },
        // The load generator opens up to api.load.maxClients (100) WebSockets at once, all from 127.0.0.1.
        ...options.server,
        ws: { upgradeRateLimit: { max: 1_000, timeWindowMs: 10_000 }, ...options.server?.ws },
        demo: true,
      },
      listen: { port: options.port ?? 4000, host: options.host ?? '127.0.0.1' },
      ...(snapshotPath
        ? {
            persistence: {
              path: resolve(options.cwd ?? process.cwd(), snapshotPath),
              ...(options.snapshotIntervalMs ? { intervalMs: options.snapshotIntervalMs } : {}),
            },
          }
        : {}),
      serverOptions: (pool) => ({
        controls: createDevnetDemoControls({ devnet, pool }),
        ambientTraffic: options.ambient ?? true,
        ...(options.dashboardDir ? { dashboardDir: options.dashboardDir } : {}),
      }),
      onClose: () => devnet.stop(),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      ...(options.shutdownTimeoutMs === undefined ? {} : { shutdownTimeoutMs: options.shutdownTimeoutMs }),
    })
  } catch (error) {
    await devnet.stop()
    throw error
  }
  const base = running.url
  const wsBase = base.replace(/^http/, 'ws')
  const urls: DemoUrls = {
    dashboard: `${base}/`,
    api: `${base}/api`,
    metrics: `${base}/metrics`,
    health: `${base}/healthz`,
    rpc: manifest.chains.map((chain) => ({
      chain: chain.name,
      chainId: chain.chainId,
      http: `${base}/rpc/${chain.name}`,
      ws: `${wsBase}/ws/rpc/${chain.name}`,
    })),
    devnetControl: devnet.controlUrl,
  }
  return { ...running, devnet, urls }
}
