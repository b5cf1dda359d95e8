import { batch, type Signal, signal } from '@preact/signals'
import type {
  BlockEvent,
  ChainView,
  ConnectionEvent,
  LeaderboardEntry,
  ProviderEvent,
  ProviderView,
  RaceEvent,
  RoutingDecision,
  RuntimeView,
} from '../api/types.js'
import { createRingBuffer } from './ring-buffer.js'
import type { StreamMessage, StreamStatus } from './stream-client.js'

/** Bounds of what the store keeps; memory does not depend on how fast events arrive. */
export interface DashboardStoreOptions {
  /** Items per live feed (routing decisions, provider events, races). @default 100 */
  feedSize?: number
  /** Latest blocks kept per chain. @default 6 */
  blocksPerChain?: number
  /** Runtime samples kept for the System Metrics charts (one per second). @default 300 */
  runtimeWindow?: number
  /** Raw messages the topic inspector keeps. @default 50 */
  inspectorSize?: number
  /** Closed connections still listed. @default 20 */
  closedConnections?: number
  /** Width of the requests/s and error-rate window (s). @default 10 */
  rateWindowSeconds?: number
  /** Width of the per-provider traffic window the topology animates (s). @default 5 */
  providerWindowSeconds?: number
  /** Wall clock (epoch ms). @default Date.now */
  now?: () => number
}

/** Columnar runtime history for uPlot: x is Unix seconds. */
export interface RuntimeHistory {
  ts: number[]
  heapUsedMb: number[]
  heapTotalMb: number[]
  rssMb: number[]
  lagP99Ms: number[]
  lagMeanMs: number[]
  utilizationPercent: number[]
}

/** A connection as the Live Dashboard lists it. */
export interface ConnectionRow extends ConnectionEvent {
  /** When its latest state arrived (epoch ms). */
  since: number
}

/** Requests per second and error rate over the recent window, from the routing feed. */
export interface TrafficStats {
  requestsPerSecond: number
  errorRate: number | null
}

/** Routing decisions per second a provider served recently, and the share that failed. */
export interface ProviderTraffic {
  requestsPerSecond: number
  errorRate: number | null
}

/** Everything live the views read, as signals; `apply` is the only writer. */
export interface DashboardStore {
  status: Signal<StreamStatus>
  providers: Signal<ProviderView[]>
  chains: Signal<ChainView[]>
  runtime: Signal<RuntimeView | null>
  leaderboard: Signal<Record<string, LeaderboardEntry[]>>
  /** Newest first. */
  routing: Signal<RoutingDecision[]>
  /** Newest first. */
  providerEvents: Signal<ProviderEvent[]>
  /** Newest first. */
  races: Signal<RaceEvent[]>
  /** Per chain, newest first. */
  blocks: Signal<Record<string, BlockEvent[]>>
  connections: Signal<ConnectionRow[]>
  traffic: Signal<TrafficStats>
  /** Per provider id, over the last `providerWindowSeconds`; providers without traffic are absent. */
  providerTraffic: Signal<Record<string, ProviderTraffic>>
  runtimeHistory: Signal<RuntimeHistory>
  /** The topic the inspector shows, or '' for none. */
  inspectorTopic: Signal<string>
  /** Raw messages of `inspectorTopic`, newest first. */
  inspector: Signal<{ at: number; json: string }[]>
  /** Messages received, and dropped (by the server for a slow reader, or here between frames). */
  counters: Signal<{ received: number; dropped: number }>
  /** Selected chain name across views, or '' for all. */
  chainFilter: Signal<string>
  /** Applies one frame's messages; every signal changes at most once. */
  apply(messages: StreamMessage[], dropped?: number): void
  /** Forgets the live feeds (a new connection replays them). */
  resetFeeds(): void
}

/**
 * Creates the dashboard's state: the latest snapshot of each snapshot topic, bounded feeds of the live
 * topics, and derived figures. Signals are replaced (not mutated) once per applied batch.
 *
 * @example
 * const store = createDashboardStore()
 * createStreamClient({ url, topics, onBatch: (messages, dropped) => store.apply(messages, dropped) })
 */
export function createDashboardStore(options: DashboardStoreOptions = {}): DashboardStore {
  const feedSize = options.feedSize ?? 100
  const blocksPerChain = options.blocksPerChain ?? 6
  const runtimeWindow = options.runtimeWindow ?? 300
  const closedLimit = options.closedConnections ?? 20
  const rateWindow = options.rateWindowSeconds ?? 10
  const now = options.now ?? Date.now

  const routingBuffer = createRingBuffer<RoutingDecision>(feedSize)
  const eventBuffer = createRingBuffer<ProviderEvent>(feedSize)
  const raceBuffer = createRingBuffer<RaceEvent>(feedSize)
  const inspectorBuffer = createRingBuffer<{ at: number; json: string }>(options.inspectorSize ?? 50)
  const blockBuffers = new Map<string, ReturnType<typeof createRingBuffer<BlockEvent>>>()
  const runtimeBuffer = createRingBuffer<RuntimeView>(runtimeWindow)
  const liveConnections = new Map<string, ConnectionRow>()
  const closedConnections = createRingBuffer<ConnectionRow>(closedLimit)
  // Requests and errors per wall-clock second, for the last `rateWindow` seconds.
  const secondBuckets = new Map<number, { requests: number; errors: number }>()
  // The same per provider, over a shorter window, so the topology reacts within a few seconds.
  const providerWindow = options.providerWindowSeconds ?? 5
  const providerBuckets = new Map<string, Map<number, { requests: number; errors: number }>>()
  let received = 0
  let droppedTotal = 0

  const store: DashboardStore = {
    status: signal<StreamStatus>('connecting'),
    providers: signal<ProviderView[]>([]),
    chains: signal<ChainView[]>([]),
    runtime: signal<RuntimeView | null>(null),
    leaderboard: signal<Record<string, LeaderboardEntry[]>>({}),
    routing: signal<RoutingDecision[]>([]),
    providerEvents: signal<ProviderEvent[]>([]),
    races: signal<RaceEvent[]>([]),
    blocks: signal<Record<string, BlockEvent[]>>({}),
    connections: signal<ConnectionRow[]>([]),
    traffic: signal<TrafficStats>({ requestsPerSecond: 0, errorRate: null }),
    providerTraffic: signal<Record<string, ProviderTraffic>>({}),
    runtimeHistory: signal<RuntimeHistory>(emptyHistory()),
    inspectorTopic: signal(''),
    inspector: signal<{ at: number; json: string }[]>([]),
    counters: signal({ received: 0, dropped: 0 }),
    chainFilter: signal(''),
    apply,
    resetFeeds() {
      routingBuffer.clear()
      eventBuffer.clear()
      raceBuffer.clear()
      blockBuffers.clear()
      liveConnections.clear()
      closedConnections.clear()
      batch(() => {
        store.routing.value = []
        store.providerEvents.value = []
        store.races.value = []
        store.blocks.value = {}
        store.connections.value = []
      })
    },
  }

  function countDecision(decision: RoutingDecision): void {
    const second = Math.floor(decision.ts / 1_000)
    const bucket = secondBuckets.get(second) ?? { requests: 0, errors: 0 }
    bucket.requests++
    if (decision.result === 'error') bucket.errors++
    secondBuckets.set(second, bucket)
    let perProvider = providerBuckets.get(decision.providerId)
    if (!perProvider) {
      perProvider = new Map()
      providerBuckets.set(decision.providerId, perProvider)
    }
    const own = perProvider.get(second) ?? { requests: 0, errors: 0 }
    own.requests++
    if (decision.result === 'error') own.errors++
    perProvider.set(second, own)
  }

  function providerTrafficNow(): Record<string, ProviderTraffic> {
    const current = Math.floor(now() / 1_000)
    // Whole seconds only (like trafficNow): the figures, and so the topology, change once a second.
    const seconds = providerWindow - 1
    const result: Record<string, ProviderTraffic> = {}
    for (const [providerId, buckets] of providerBuckets) {
      let requests = 0
      let errors = 0
      for (const [second, bucket] of buckets) {
        if (second <= current - providerWindow) buckets.delete(second)
        else if (second < current) {
          requests += bucket.requests
          errors += bucket.errors
        }
      }
      if (buckets.size === 0) providerBuckets.delete(providerId)
      if (requests > 0)
        result[providerId] = { requestsPerSecond: requests / seconds, errorRate: errors / requests }
    }
    return result
  }

  function trafficNow(): TrafficStats {
    const current = Math.floor(now() / 1_000)
    let requests = 0
    let errors = 0
    for (const [second, bucket] of secondBuckets) {
      if (second <= current - rateWindow) secondBuckets.delete(second)
      // The running second is incomplete: rates use whole seconds only.
      else if (second < current) {
        requests += bucket.requests
        errors += bucket.errors
      }
    }
    const seconds = rateWindow - 1
    return { requestsPerSecond: requests / seconds, errorRate: requests === 0 ? null : errors / requests }
  }

  function apply(messages: StreamMessage[], dropped = 0): void {
    const changed = new Set<string>()
    // `peek`: whoever calls apply must not come to depend on the inspected topic.
    const inspectorTopic = store.inspectorTopic.peek()
    // Snapshots: only the latest of the frame matters; they are written once, with everything else.
    let providers: ProviderView[] | undefined
    let chains: ChainView[] | undefined
    let leaderboard: Record<string, LeaderboardEntry[]> | undefined
    for (const { topic, payload } of messages) {
      if (topic === inspectorTopic) {
        inspectorBuffer.push({ at: now(), json: JSON.stringify(payload) })
        changed.add('inspector')
      }
      switch (topic) {
        case 'routing:decisions':
          routingBuffer.push(payload as RoutingDecision)
          countDecision(payload as RoutingDecision)
          break
        case 'provider_pool:events':
          eventBuffer.push(payload as ProviderEvent)
          break
        case 'races':
          raceBuffer.push(payload as RaceEvent)
          break
        case 'blocks:new': {
          const block = payload as BlockEvent
          let buffer = blockBuffers.get(block.chain)
          if (!buffer) {
            buffer = createRingBuffer<BlockEvent>(blocksPerChain)
            blockBuffers.set(block.chain, buffer)
          }
          buffer.push(block)
          break
        }
        case 'connections': {
          const event = payload as ConnectionEvent
          const key = `${event.kind}:${event.id}`
          const row = { ...event, since: now() }
          if (event.state === 'disconnected') {
            liveConnections.delete(key)
            closedConnections.push(row)
          } else liveConnections.set(key, row)
          break
        }
        case 'providers':
        case 'chains':
        case 'runtime':
        case 'leaderboard':
          break
        default:
          continue
      }
      changed.add(topic)
      if (topic === 'providers') providers = payload as ProviderView[]
      else if (topic === 'chains') chains = payload as ChainView[]
      else if (topic === 'leaderboard') leaderboard = payload as Record<string, LeaderboardEntry[]>
      else if (topic === 'runtime') runtimeBuffer.push(payload as RuntimeView)
    }
    received += messages.length
    droppedTotal += dropped
    // One write per signal per frame, whatever the batch holds: the work above is O(messages), the
    // writes below O(kept items), and views re-render once.
    batch(() => {
      if (providers) store.providers.value = providers
      if (chains) store.chains.value = chains
      if (leaderboard) store.leaderboard.value = leaderboard
      const newestFirst = <T>(items: T[]) => items.reverse()
      if (changed.has('routing:decisions')) store.routing.value = newestFirst(routingBuffer.toArray())
      if (changed.has('provider_pool:events')) store.providerEvents.value = newestFirst(eventBuffer.toArray())
      if (changed.has('races')) store.races.value = newestFirst(raceBuffer.toArray())
      if (changed.has('blocks:new')) {
        const blocks: Record<string, BlockEvent[]> = {}
        for (const [chain, buffer] of blockBuffers) blocks[chain] = newestFirst(buffer.toArray())
        store.blocks.value = blocks
      }
      if (changed.has('connections'))
        store.connections.value = [...liveConnections.values(), ...newestFirst(closedConnections.toArray())]
      if (changed.has('runtime')) {
        const samples = runtimeBuffer.toArray()
        store.runtime.value = samples.at(-1) ?? null
        store.runtimeHistory.value = toHistory(samples)
      }
      if (changed.has('inspector')) store.inspector.value = newestFirst(inspectorBuffer.toArray())
      // Replaced only when a figure changed, so views reading them re-render once a second, not per frame.
      const traffic = trafficNow()
      if (JSON.stringify(traffic) !== JSON.stringify(store.traffic.value)) store.traffic.value = traffic
      const perProvider = providerTrafficNow()
      if (JSON.stringify(perProvider) !== JSON.stringify(store.providerTraffic.value))
        store.providerTraffic.value = perProvider
      store.counters.value = { received, dropped: droppedTotal }
    })
  }

  // Switching the inspected topic starts its list afresh.
  store.inspectorTopic.subscribe(() => {
    inspectorBuffer.clear()
    store.inspector.value = []
  })

  return store
}

function emptyHistory(): RuntimeHistory {
  return {
    ts: [],
    heapUsedMb: [],
    heapTotalMb: [],
    rssMb: [],
    lagP99Ms: [],
    lagMeanMs: [],
    utilizationPercent: [],
  }
}

const MB = 1024 * 1024

function toHistory(samples: RuntimeView[]): RuntimeHistory {
  const history = emptyHistory()
  for (const sample of samples) {
    history.ts.push(sample.ts / 1_000)
    history.heapUsedMb.push(sample.memory.heapUsedBytes / MB)
    history.heapTotalMb.push(sample.memory.heapTotalBytes / MB)
    history.rssMb.push(sample.memory.rssBytes / MB)
    history.lagP99Ms.push(sample.eventLoopDelay.p99Ms)
    history.lagMeanMs.push(sample.eventLoopDelay.meanMs)
    history.utilizationPercent.push(sample.eventLoopUtilization * 100)
  }
  return history
}
