import {
  type ChainPulseTopics,
  type ChainStatus,
  isKnownMethod,
  PROVIDER_HEALTH_STATES,
  type ProviderHealth,
  type ProviderPool,
  type ProviderStatus,
  type PubSub,
} from '@chainpulse/core'
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client'
import { type CallCounts, createCallCounts } from './call-counts.js'
import {
  type CounterSeries,
  type HistogramSeries,
  LabelledCounter,
  LabelledHistogram,
} from './request-series.js'

/** What the metrics read from a pool. */
export type MetricsPool = Pick<ProviderPool, 'chains' | 'providers'> & {
  pubsub: Pick<PubSub<ChainPulseTopics>, 'subscribe'>
}

/** Prometheus metrics of one server. */
export interface ServerMetrics {
  /** The registry to expose (`registry.metrics()` gives the text format). */
  readonly registry: Registry
  /** Stops listening to the pool's events. */
  close(): void
}

/** Options of {@link createServerMetrics}. */
export interface ServerMetricsOptions {
  pool: MetricsPool
  /** Also collect prom-client's default process metrics (CPU, heap, GC, event-loop lag, handles). @default true */
  nodeMetrics?: boolean
  /**
   * Methods labelled by name besides core's `KNOWN_METHODS`; any other method is labelled `other`, so
   * the `method` label has at most known + configured + 1 values whatever clients send. Validated by the
   * server config (`metrics.methods`). @default []
   */
  methods?: readonly string[]
  /** Client connections tracked at once; past it new ones are not counted. @default 100_000 */
  maxClientConnections?: number
  /**
   * The server's per-chain call counts, which the cache-hit and coalesced counters read (the dashboard
   * API reads the same). @default counts of its own, over `pool.pubsub`
   */
  calls?: CallCounts
}

/** The map under `key`, created empty the first time. */
function level<V>(parent: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let child = parent.get(key)
  if (child === undefined) {
    child = new Map()
    parent.set(key, child)
  }
  return child
}

/** Most cached labelled children of the request counter and histogram (see `childrenOf`). */
const MAX_CACHED_CHILDREN = 4_096

interface RequestChildren {
  requests: CounterSeries
  duration: HistogramSeries
}

const BREAKER_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const

/** Every provider health state (core's list); each is its own `chainpulse_provider_state` series per provider. */
export const PROVIDER_STATES: readonly ProviderHealth[] = PROVIDER_HEALTH_STATES

/**
 * Creates the server's Prometheus metrics on a registry of its own (so several servers in one process do
 * not collide). Counters follow `routing:decisions`, `races` and `connections`; gauges (breaker state,
 * head lag, heads, connections) are read from the pool at scrape time. Label values are chain names,
 * provider ids, strategy names, methods (known or configured, else `other`) and fixed words — never a URL or a key.
 *
 * @example
 * const metrics = createServerMetrics({ pool })
 * app.get('/metrics', async (_, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()))
 */
export function createServerMetrics(options: ServerMetricsOptions): ServerMetrics {
  const { pool } = options
  const configuredMethods = new Set(options.methods ?? [])
  const maxClients = options.maxClientConnections ?? 100_000
  const registry = new Registry()
  const calls = options.calls ?? createCallCounts(pool.pubsub)
  if (options.nodeMetrics ?? true) collectDefaultMetrics({ register: registry })

  // The two per-request metrics keep their label sets (see request-series.ts); the rest are prom-client's.
  const requests = new LabelledCounter(
    'chainpulse_requests_total',
    'JSON-RPC calls routed by the pool, by chain, method, provider that answered, strategy and status.',
    registry,
  )
  const duration = new LabelledHistogram(
    'chainpulse_request_duration_seconds',
    'Time the pool took to route and answer a call (failovers included).',
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registry,
  )
  const failovers = new Counter({
    name: 'chainpulse_failovers_total',
    help: 'Providers given up on before the one that produced the final result.',
    labelNames: ['chain'] as const,
    registers: [registry],
  })
  const sessionMoves = new Counter({
    name: 'chainpulse_session_moves_total',
    help: 'Sessions moved off a provider (it was unusable or failed their call), by the provider they left.',
    labelNames: ['chain', 'provider'] as const,
    registers: [registry],
  })
  // Read from the call counts at scrape time rather than counted here: the dashboard shows the same.
  const perChainCounter = (name: string, help: string, field: 'coalesced' | 'cacheHits') =>
    new Counter({
      name,
      help,
      labelNames: ['chain'] as const,
      registers: [registry],
      collect() {
        this.reset()
        for (const [chain, counts] of calls.all()) if (counts[field] > 0) this.inc({ chain }, counts[field])
      },
    })
  perChainCounter(
    'chainpulse_coalesced_requests_total',
    'Calls answered by an identical read already in flight, with no upstream call of their own.',
    'coalesced',
  )
  perChainCounter(
    'chainpulse_cache_hits_total',
    'Calls answered by the response cache, with no upstream call.',
    'cacheHits',
  )
  const races = new Counter({
    name: 'chainpulse_races_total',
    help: 'Raced events (newHeads, logs) per provider and result (win: it delivered first).',
    labelNames: ['chain', 'provider', 'event_type', 'result'] as const,
    registers: [registry],
  })

  // A fixed vocabulary, not the first names seen: junk traffic can neither add labels nor crowd out real
  // methods.
  const methodLabel = (method: string) =>
    isKnownMethod(method) || configuredMethods.has(method) ? method : 'other'

  // Client connections: connected ids per transport, so a gauge can be read at scrape time.
  const clients = new Map<string, 'http' | 'ws'>()

  let providers: ProviderStatus[] = []
  let chains: ChainStatus[] = []
  // One pool read per scrape, shared by every gauge's collect().
  const refresh = () => {
    providers = pool.providers()
    chains = pool.chains()
  }

  new Gauge({
    name: 'chainpulse_provider_breaker_state',
    help: 'Circuit breaker state per provider: 0 closed, 1 half-open, 2 open.',
    labelNames: ['chain', 'provider'] as const,
    registers: [registry],
    collect() {
      refresh()
      this.reset()
      for (const provider of providers) {
        this.set({ chain: provider.chain, provider: provider.id }, BREAKER_VALUE[provider.breaker])
      }
    },
  })
  new Gauge({
    name: 'chainpulse_provider_head_lag_blocks',
    help: "Blocks a provider's head is behind the chain's best head.",
    labelNames: ['chain', 'provider'] as const,
    registers: [registry],
    collect() {
      this.reset()
      for (const provider of providers)
        this.set({ chain: provider.chain, provider: provider.id }, provider.lag)
    },
  })
  // One series per provider and state, 1 for the current state: a transition changes values, never
  // which series exist, so rate(), changes() and `for:` clauses keep working across it.
  new Gauge({
    name: 'chainpulse_provider_state',
    help: `Provider health state: one series per state (${PROVIDER_STATES.join(', ')}), 1 for the current one, 0 for the others.`,
    labelNames: ['chain', 'provider', 'state'] as const,
    registers: [registry],
    collect() {
      this.reset()
      for (const provider of providers)
        for (const state of PROVIDER_STATES)
          this.set({ chain: provider.chain, provider: provider.id, state }, provider.health === state ? 1 : 0)
    },
  })
  // The one-number summary alerting wants ("is anything left in rotation?"), without a state label.
  new Gauge({
    name: 'chainpulse_provider_healthy',
    help: 'Whether a provider is healthy (1) or out of rotation in any other state (0).',
    labelNames: ['chain', 'provider'] as const,
    registers: [registry],
    collect() {
      this.reset()
      for (const provider of providers)
        this.set({ chain: provider.chain, provider: provider.id }, provider.health === 'healthy' ? 1 : 0)
    },
  })
  new Gauge({
    name: 'chainpulse_chain_head_block',
    help: 'Best head block number seen per chain.',
    labelNames: ['chain'] as const,
    registers: [registry],
    collect() {
      this.reset()
      for (const chain of chains) if (chain.head !== undefined) this.set({ chain: chain.name }, chain.head)
    },
  })
  new Gauge({
    name: 'chainpulse_connections',
    help: 'Open connections: upstream (ChainPulse to a provider over WebSocket) and client (to ChainPulse).',
    labelNames: ['kind', 'transport'] as const,
    registers: [registry],
    collect() {
      const upstream = providers.filter((provider) => provider.connection === 'connected').length
      let http = 0
      let ws = 0
      for (const transport of clients.values()) transport === 'http' ? http++ : ws++
      this.set({ kind: 'upstream', transport: 'ws' }, upstream)
      this.set({ kind: 'client', transport: 'http' }, http)
      this.set({ kind: 'client', transport: 'ws' }, ws)
    },
  })

  // The series a routed request updates, kept per label combination in nested maps so a request costs
  // a few lookups of strings the pool already holds, and builds no key. Every level is bounded (chains,
  // providers and strategies come from the configuration, methods from a fixed list, the status is
  // ok/error); past MAX_CACHED_CHILDREN the cache starts over (the series stay in their metrics).
  let children = new Map<string, Map<string, Map<string, Map<string, Map<string, RequestChildren>>>>>()
  let cachedChildren = 0
  const childrenOf = (chain: string, method: string, provider: string, strategy: string, status: string) => {
    if (cachedChildren >= MAX_CACHED_CHILDREN) {
      children = new Map()
      cachedChildren = 0
    }
    const byStatus = level(level(level(level(children, chain), method), provider), strategy)
    let found = byStatus.get(status)
    if (found === undefined) {
      const durationKey = `${chain}\u0000${method}\u0000${provider}`
      found = {
        requests: requests.series(`${durationKey}\u0000${strategy}\u0000${status}`, {
          chain,
          method,
          provider,
          strategy,
          status,
        }),
        duration: duration.series(durationKey, { chain, method, provider }),
      }
      byStatus.set(status, found)
      cachedChildren++
    }
    return found
  }

  const unsubscribes = [
    // In a cluster the PubSub also delivers other instances' messages (origin set): each instance's
    // /metrics counts its own work, and Prometheus sums the instances.
    pool.pubsub.subscribe('routing:decisions', (decision, _topic, origin) => {
      if (origin !== undefined) return
      const method = methodLabel(decision.method)
      const child = childrenOf(
        decision.chain,
        method,
        decision.providerId,
        decision.strategy,
        decision.result,
      )
      child.requests.value++
      duration.observe(child.duration, decision.durationMs / 1_000)
      // A coalesced call carries the failovers of the call it joined, already counted there.
      if (decision.failoverCount > 0 && !decision.coalesced)
        failovers.inc({ chain: decision.chain }, decision.failoverCount)
      if (decision.sessionMoved && decision.previousProviderId !== undefined)
        sessionMoves.inc({ chain: decision.chain, provider: decision.previousProviderId })
    }),
    pool.pubsub.subscribe('races', (race, _topic, origin) => {
      if (origin !== undefined) return
      races.inc({
        chain: race.chain,
        provider: race.providerId,
        event_type: race.eventType,
        result: race.result,
      })
    }),
    pool.pubsub.subscribe('connections', (event, _topic, origin) => {
      // The other instances' clients are connected to them, not here.
      if (origin !== undefined || event.kind !== 'client') return
      const key = `${event.chain}\u0000${event.id}`
      if (event.state === 'disconnected') clients.delete(key)
      else if (event.state === 'connected' && (clients.has(key) || clients.size < maxClients)) {
        clients.set(key, event.transport)
      }
    }),
  ]

  return {
    registry,
    close() {
      for (const unsubscribe of unsubscribes) unsubscribe()
      if (calls !== options.calls) calls.close()
      clients.clear()
    },
  }
}
