import { effect } from '@preact/signals'
import { describe, expect, it } from 'vitest'
import type { RoutingDecision, RuntimeView } from '../api/types.js'
import { createDashboardStore } from './dashboard-store.js'

const decision = (n: number, overrides: Partial<RoutingDecision> = {}): RoutingDecision => ({
  ts: 1_000_000 + n,
  chain: 'ethereum',
  method: 'eth_blockNumber',
  strategy: 'leaderboard',
  providerId: 'ethereum-alpha',
  durationMs: 3,
  result: 'ok',
  failoverCount: 0,
  attempts: 1,
  ...overrides,
})

const runtime = (ts: number, heapUsedMb: number) =>
  ({
    ts,
    uptimeSeconds: 1,
    memory: { rssBytes: 0, heapUsedBytes: heapUsedMb * 1024 * 1024, heapTotalBytes: 0, externalBytes: 0 },
    eventLoopDelay: { meanMs: 1, p50Ms: 1, p99Ms: 2, maxMs: 3 },
    eventLoopUtilization: 0.25,
    activeResources: 1,
    gc: { available: false, count: 0, totalMs: 0, maxMs: 0, lastMs: 0 },
    buffers: {
      pubsub: [],
      stream: {
        connections: 1,
        queuedMessages: 0,
        longestQueue: 0,
        maxQueuedMessages: 256,
        droppedMessages: 0,
        sentMessages: 0,
      },
      upstreamSubscriptions: 0,
      scoreHistory: {},
    },
  }) satisfies RuntimeView

describe('createDashboardStore', () => {
  it('remembers which cluster instance published each live item, and lists the instances seen', () => {
    const store = createDashboardStore()
    const fromA = decision(1)
    const fromB = decision(2)
    store.apply([
      { topic: 'routing:decisions', payload: fromA, instance: 'node-a' },
      { topic: 'routing:decisions', payload: fromB, instance: 'node-b' },
    ])
    expect(store.instances.value).toEqual(['node-a', 'node-b'])
    expect(store.routing.value.map((item) => store.instanceOf(item))).toEqual(['node-b', 'node-a'])
    // A lone server's messages carry no instance: no filter to offer.
    const lone = createDashboardStore()
    lone.apply([{ topic: 'routing:decisions', payload: decision(3) }])
    expect(lone.instances.value).toEqual([])
  })

  it('keeps the latest feedSize decisions, newest first, however many arrive', () => {
    const store = createDashboardStore({ feedSize: 100 })
    store.apply(
      Array.from({ length: 1_000 }, (_, n) => ({ topic: 'routing:decisions', payload: decision(n) })),
    )
    expect(store.routing.value).toHaveLength(100)
    expect(store.routing.value[0]!.ts).toBe(1_000_999)
    expect(store.routing.value[99]!.ts).toBe(1_000_900)
  })

  it('changes each signal at most once per applied batch', () => {
    const store = createDashboardStore()
    let runs = 0
    const stop = effect(() => {
      void store.routing.value
      runs++
    })
    store.apply(Array.from({ length: 50 }, (_, n) => ({ topic: 'routing:decisions', payload: decision(n) })))
    stop()
    expect(runs).toBe(2)
  })

  it('writes a snapshot signal once per batch, with the latest snapshot, however many arrive', () => {
    const store = createDashboardStore()
    const seen: unknown[] = []
    const stop = effect(() => {
      seen.push(store.providers.value)
    })
    const snapshots = Array.from({ length: 5 }, (_, n) => [{ id: `p${n}` }])
    store.apply([
      ...snapshots.map((payload) => ({ topic: 'providers', payload })),
      { topic: 'routing:decisions', payload: decision(1) },
    ])
    stop()
    expect(seen).toEqual([[], snapshots[4]])
  })

  it('keeps the latest blocks per chain, newest first', () => {
    const store = createDashboardStore({ blocksPerChain: 2 })
    const block = (chain: string, number: number) => ({
      topic: 'blocks:new',
      payload: {
        chain,
        number,
        hash: `0x${number}`,
        parentHash: '0x',
        timestamp: 0,
        firstProviderId: 'a',
        receivedAt: 0,
      },
    })
    store.apply([block('ethereum', 1), block('ethereum', 2), block('polygon', 7), block('ethereum', 3)])
    expect(store.blocks.value.ethereum!.map((entry) => entry.number)).toEqual([3, 2])
    expect(store.blocks.value.polygon!.map((entry) => entry.number)).toEqual([7])
  })

  it('takes the latest snapshot of the frame and keeps a bounded runtime history', () => {
    const store = createDashboardStore({ runtimeWindow: 3 })
    store.apply([1, 2, 3, 4, 5].map((n) => ({ topic: 'runtime', payload: runtime(n * 1_000, n) })))
    store.apply([{ topic: 'providers', payload: [{ id: 'a' }] }])
    expect(store.runtime.value?.ts).toBe(5_000)
    expect(store.runtimeHistory.value.ts).toEqual([3, 4, 5])
    expect(store.runtimeHistory.value.heapUsedMb).toEqual([3, 4, 5])
    expect(store.runtimeHistory.value.utilizationPercent).toEqual([25, 25, 25])
    expect(store.providers.value).toEqual([{ id: 'a' }])
  })

  it('computes requests per second and error rate over whole seconds of the window', () => {
    let now = 1_010_000
    const store = createDashboardStore({ rateWindowSeconds: 11, now: () => now })
    const messages = []
    // 10 whole seconds, 5 requests each, one error per second.
    for (let second = 1_000; second < 1_010; second++)
      for (let n = 0; n < 5; n++)
        messages.push({
          topic: 'routing:decisions',
          payload: decision(0, { ts: second * 1_000 + n, result: n === 0 ? 'error' : 'ok' }),
        })
    // The pool's own calls (its chain follower's) are no client's requests: shown, not counted here.
    for (let second = 1_000; second < 1_010; second++)
      messages.push({
        topic: 'routing:decisions',
        payload: decision(0, { ts: second * 1_000, internal: true }),
      })
    store.apply(messages)
    expect(store.routing.value).toHaveLength(60)
    expect(store.traffic.value.requestsPerSecond).toBe(5)
    expect(store.traffic.value.errorRate).toBeCloseTo(0.2)
    now = 1_100_000
    store.apply([])
    expect(store.traffic.value).toEqual({ requestsPerSecond: 0, errorRate: null })
  })

  it('rates each provider over its short window and forgets providers that fell silent', () => {
    let now = 1_005_500
    const store = createDashboardStore({ providerWindowSeconds: 5, now: () => now })
    const messages = []
    // 4 whole seconds of the window: alpha 9 per second (a third failing), bravo once; the running
    // second does not count yet.
    for (let second = 1_001; second <= 1_005; second++)
      for (let n = 0; n < (second === 1_005 ? 4 : 9); n++)
        messages.push({
          topic: 'routing:decisions',
          payload: decision(0, { ts: second * 1_000 + n, result: n % 3 === 0 ? 'error' : 'ok' }),
        })
    messages.push({ topic: 'routing:decisions', payload: decision(0, { ts: 1_004_000, providerId: 'b' }) })
    store.apply(messages)
    expect(store.providerTraffic.value['ethereum-alpha']!.requestsPerSecond).toBe(9)
    expect(store.providerTraffic.value['ethereum-alpha']!.errorRate).toBeCloseTo(1 / 3)
    expect(store.providerTraffic.value.b!.requestsPerSecond).toBe(0.25)
    now = 1_020_000
    store.apply([])
    expect(store.providerTraffic.value).toEqual({})
  })

  it('lists open connections, then recently closed ones', () => {
    const store = createDashboardStore()
    const connection = (id: string, state: string) => ({
      topic: 'connections',
      payload: { kind: 'client', chain: 'ethereum', id, state, transport: 'ws' },
    })
    store.apply([
      connection('c1', 'connected'),
      connection('c2', 'connected'),
      connection('c1', 'disconnected'),
    ])
    expect(store.connections.value.map((row) => `${row.id}:${row.state}`)).toEqual([
      'c2:connected',
      'c1:disconnected',
    ])
  })

  it('records raw messages of the inspected topic only, and counts drops', () => {
    const store = createDashboardStore()
    store.inspectorTopic.value = 'races'
    store.apply(
      [
        { topic: 'races', payload: { providerId: 'a' } },
        { topic: 'routing:decisions', payload: decision(1) },
      ],
      4,
    )
    expect(store.inspector.value.map((entry) => entry.json)).toEqual(['{"providerId":"a"}'])
    expect(store.counters.value).toEqual({ received: 2, dropped: 4 })
    store.inspectorTopic.value = 'connections'
    expect(store.inspector.value).toEqual([])
  })
})
