import { batch, type Signal, signal } from '@preact/signals'
import type {
  BlockEvent,
  ChainView,
  LeaderboardEntry,
  ProviderEvent,
  ProviderView,
  RaceEvent,
  RoutingDecision,
  RuntimeView,
  StreamPayloads,
  StreamTopic,
} from '../api/types.js'
import { createRingBuffer } from './ring-buffer.js'
import type { StreamMessage, StreamStatus } from './stream-client.js'
import { blocksTopic } from './topics/blocks.js'
import { type CallSavings, chainsTopic } from './topics/chains.js'
import { type ConnectionRow, connectionsTopic } from './topics/connections.js'
import { feed } from './topics/feed.js'
import { latestValue } from './topics/latest-value.js'
import { type ProviderTraffic, routingTopic, type TrafficStats } from './topics/routing-decisions.js'
import { emptyHistory, type RuntimeHistory, runtimeTopic } from './topics/runtime.js'
import type { TopicHandler } from './topics/topic-handler.js'

export type { CallSavings, RecentCalls } from './topics/chains.js'
export type { ConnectionRow } from './topics/connections.js'
export type { ProviderTraffic, TrafficStats } from './topics/routing-decisions.js'
export type { RuntimeHistory } from './topics/runtime.js'

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
  /** Width of the per-chain cache and coalescing window (s). @default 60 */
  callWindowSeconds?: number
  /** Wall clock (epoch ms). @default Date.now */
  now?: () => number
}

/** Everything live the views read, as signals; `apply` is the only writer. */
export interface DashboardStore {
  status: Signal<StreamStatus>
  providers: Signal<ProviderView[]>
  chains: Signal<ChainView[]>
  /** Per chain: calls answered by the cache, by coalescing and upstream, since the start and recently. */
  callSavings: Signal<Record<string, CallSavings>>
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
  /** Cluster mode: the instance ids seen on live topics so far, sorted; empty for a lone server. */
  instances: Signal<string[]>
  /** Selected instance id for the live feeds, or '' for all. */
  instanceFilter: Signal<string>
  /** The instance that published a live-topic item (cluster mode), or undefined. */
  instanceOf(item: object): string | undefined
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
  const now = options.now ?? Date.now
  const inspectorBuffer = createRingBuffer<{ at: number; json: string }>(options.inspectorSize ?? 50)
  let received = 0
  let droppedTotal = 0

  // Items are the payload objects themselves, so their instance is remembered beside them, not in them.
  const instanceOf = new WeakMap<object, string>()
  const seenInstances = new Set<string>()

  const store: DashboardStore = {
    status: signal<StreamStatus>('connecting'),
    providers: signal<ProviderView[]>([]),
    chains: signal<ChainView[]>([]),
    callSavings: signal<Record<string, CallSavings>>({}),
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
    instances: signal<string[]>([]),
    instanceFilter: signal(''),
    instanceOf: (item) => instanceOf.get(item),
    apply,
    resetFeeds() {
      batch(() => {
        for (const handler of Object.values(handlers) as TopicHandler<never>[]) handler.reset?.()
      })
    },
  }

  const routing = routingTopic(store, {
    feedSize,
    rateWindowSeconds: options.rateWindowSeconds ?? 10,
    providerWindowSeconds: options.providerWindowSeconds ?? 5,
    now,
  })
  /** One handler per topic of the stream: a topic without one fails to compile. */
  const handlers: { [Topic in StreamTopic]: TopicHandler<StreamPayloads[Topic]> } = {
    'routing:decisions': routing,
    'provider_pool:events': feed(store.providerEvents, feedSize),
    races: feed(store.races, feedSize),
    'blocks:new': blocksTopic(store.blocks, options.blocksPerChain ?? 6),
    connections: connectionsTopic(store.connections, options.closedConnections ?? 20, now),
    runtime: runtimeTopic(store.runtime, store.runtimeHistory, options.runtimeWindow ?? 300),
    providers: latestValue(store.providers),
    chains: chainsTopic(store, options.callWindowSeconds ?? 60, now),
    leaderboard: latestValue(store.leaderboard),
  }
  // Stream messages are untyped JSON: a known topic name is what vouches for its payload.
  const handlerOf = (topic: string): TopicHandler<unknown> | undefined =>
    Object.hasOwn(handlers, topic) ? (handlers[topic as StreamTopic] as TopicHandler<unknown>) : undefined

  function apply(messages: StreamMessage[], dropped = 0): void {
    const touched = new Set<TopicHandler<unknown>>()
    // `peek`: whoever calls apply must not come to depend on the inspected topic.
    const inspectorTopic = store.inspectorTopic.peek()
    let inspected = false
    let newInstance = false
    for (const { topic, payload, instance } of messages) {
      if (instance !== undefined && typeof payload === 'object' && payload !== null) {
        instanceOf.set(payload, instance)
        if (!seenInstances.has(instance)) {
          seenInstances.add(instance)
          newInstance = true
        }
      }
      if (topic === inspectorTopic) {
        inspectorBuffer.push({ at: now(), json: JSON.stringify(payload) })
        inspected = true
      }
      const handler = handlerOf(topic)
      if (!handler) continue
      handler.take(payload)
      touched.add(handler)
    }
    received += messages.length
    droppedTotal += dropped
    // One write per signal per frame, whatever the batch holds: the work above is O(messages), the
    // writes below O(kept items), and views re-render once.
    batch(() => {
      for (const handler of touched) handler.publish()
      if (inspected) store.inspector.value = inspectorBuffer.toArray().reverse()
      routing.refreshTraffic()
      store.counters.value = { received, dropped: droppedTotal }
      if (newInstance) store.instances.value = [...seenInstances].sort()
    })
  }

  // Switching the inspected topic starts its list afresh.
  store.inspectorTopic.subscribe(() => {
    inspectorBuffer.clear()
    store.inspector.value = []
  })

  return store
}
