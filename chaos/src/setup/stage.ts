import type { ProviderPoolOptions } from '@chainpulse/core'
import type { DevnetOptions } from '@chainpulse/devnet'
import { type DevnetProcess, spawnDevnetWith } from '@chainpulse/devnet/testing'
import { type RunningChainPulse, startChainPulse } from '@chainpulse/server'
import { type RunClock, startRunClock } from '../record/clock.js'
import type { UpstreamEvent } from '../record/history.js'
import type { FrontFault } from '../upstream/hostile-faults.js'
import { startUpstreamFront, type UpstreamFront } from '../upstream/upstream-front.js'

/** Options of {@link startStage}. */
export interface StageOptions {
  /** One chain, named `chain`; its providers are the devnet's. */
  devnet: DevnetOptions
  chain: { name: string; chainId: number; blockTimeMs: number }
  /** Give the pool each provider's WebSocket URL too (heads, racing). @default false: HTTP only */
  websockets?: boolean
  /** Pool knobs on top of the chains and providers (health checks, breaker, timeouts). */
  pool?: Omit<ProviderPoolOptions, 'chains' | 'providers'>
  /** Providers the settle wait does not wait for (they start faulty on purpose). @default [] */
  unsettled?: readonly string[]
  /** Hostile faults set on fronts before the server starts (a provider misconfigured from the outset). */
  frontFaults?: Readonly<Record<string, FrontFault>>
}

/** The devnet, a recording front per provider, and the server over them, with one shared history. */
export interface Stage {
  readonly devnet: DevnetProcess
  readonly server: RunningChainPulse
  /** Fronts by provider id: the pool's HTTP URL of each provider. */
  readonly fronts: ReadonlyMap<string, UpstreamFront>
  readonly providerIds: readonly string[]
  readonly clock: RunClock
  readonly upstream: UpstreamEvent[]
  /** Records a scenario action (kill, hang, revive) in the upstream history. */
  action(providerId: string, action: string): void
  /** JSON-RPC URL of the chain on the server. */
  readonly rpcUrl: string
  stop(): Promise<void>
}

/**
 * Starts the devnet, a recording {@link UpstreamFront} in front of each provider's HTTP endpoint, and
 * ChainPulse (in this process, through `startChainPulse`) over the fronts; then waits until the pool
 * has probed every provider healthy. Pool and provider events are recorded from the pool's pubsub.
 *
 * @throws {Error} when the pool does not settle within 60 s
 */
export async function startStage(options: StageOptions): Promise<Stage> {
  const devnet = await spawnDevnetWith(options.devnet)
  const clock = startRunClock()
  const upstream: UpstreamEvent[] = []
  const record = (event: UpstreamEvent) => upstream.push(event)
  const fronts = new Map<string, UpstreamFront>()
  let server: RunningChainPulse | undefined
  const stop = async () => {
    await server?.close()
    await Promise.all([...fronts.values()].map((front) => front.close()))
    await devnet.stop()
  }
  try {
    const providers = devnet.manifest.providers
    for (const [index, provider] of providers.entries()) {
      fronts.set(
        provider.id,
        await startUpstreamFront({
          id: provider.id,
          target: provider.httpUrl,
          clock,
          record,
          seed: index + 1,
        }),
      )
    }
    for (const [id, fault] of Object.entries(options.frontFaults ?? {})) fronts.get(id)?.setFault(fault)
    server = await startChainPulse({
      pool: {
        ...options.pool,
        chains: [options.chain],
        providers: providers.map((provider) => ({
          id: provider.id,
          chain: options.chain.name,
          httpUrl: fronts.get(provider.id)!.url,
          ...(options.websockets ? { wsUrl: provider.wsUrl } : {}),
        })),
      },
      // Many clients from one IP: per-client rate limits would answer 429s no scenario is about. Every
      // call routed upstream: the response cache would answer repeated reads itself.
      server: { logLevel: 'silent', rateLimit: false, cache: false },
      listen: { port: 0, host: '127.0.0.1' },
      logger: false,
      shutdownTimeoutMs: 2_000,
    })
    const pool = server.pool
    pool.pubsub.subscribe('routing:decisions', (event) =>
      upstream.push({
        at: clock.now(),
        kind: 'decision',
        providerId: event.providerId,
        method: event.method,
        result: event.result,
        attempts: event.attempts,
      }),
    )
    pool.pubsub.subscribe('provider_pool:events', (event) =>
      upstream.push({
        at: clock.now(),
        kind: 'provider',
        providerId: event.providerId,
        type: event.type,
        ...(event.detail ? { detail: event.detail } : {}),
      }),
    )
    await waitUntilSettled(server, options.chain.name, options.unsettled ?? [], options.websockets ?? false)
    return {
      devnet,
      server,
      fronts,
      providerIds: providers.map((provider) => provider.id),
      clock,
      upstream,
      action: (providerId, action) => upstream.push({ at: clock.now(), kind: 'action', providerId, action }),
      rpcUrl: `${server.url}/rpc/${options.chain.name}`,
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}

/** Bounded wait (60 s, polling) for every provider but `except` to be healthy with a known head. */
async function waitUntilSettled(
  server: RunningChainPulse,
  chain: string,
  except: readonly string[],
  websockets: boolean,
): Promise<void> {
  const until = performance.now() + 60_000
  for (;;) {
    const providers = server.pool.providers(chain).filter((provider) => !except.includes(provider.id))
    const settled = providers.every(
      (p) => p.health === 'healthy' && p.head !== undefined && (!websockets || p.connection === 'connected'),
    )
    if (settled) return
    if (performance.now() > until) throw new Error(`pool not settled: ${JSON.stringify(providers)}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
