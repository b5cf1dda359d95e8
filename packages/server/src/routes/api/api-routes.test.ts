import { afterEach, describe, expect, it } from 'vitest'
import { type ApiFixture, createApiFixture, PLANTED_KEY } from './api-fixture.js'

let fixture: ApiFixture | undefined

afterEach(async () => {
  await fixture?.close()
  fixture = undefined
})

function start(options: Parameters<typeof createApiFixture>[0] = {}): ApiFixture {
  fixture = createApiFixture(options)
  return fixture
}

async function get(target: ApiFixture, url: string) {
  const reply = await target.app.inject({ method: 'GET', url })
  return { status: reply.statusCode, body: reply.json(), text: reply.body }
}

async function rpc(target: ApiFixture, chain: string, method: string) {
  const reply = await target.app.inject({
    method: 'POST',
    url: `/rpc/${chain}`,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: [] }),
  })
  expect(reply.statusCode).toBe(200)
}

function recordRaces(target: ApiFixture): void {
  const { store } = target.pool
  for (let block = 0; block < 10; block++) {
    store.recordRaceWin('ethereum', 'a', 'newHeads', block * 100)
    store.recordRaceLoss('ethereum', 'b', 'newHeads', block * 100 + 7, 7)
  }
  store.recordRaceWin('ethereum', 'b', 'logs', 2_000)
  store.recordRaceLoss('ethereum', 'a', 'logs', 2_030, 30)
}

describe('snapshot endpoints', () => {
  it('lists chains with strategy, head, provider ids and how their calls were answered', async () => {
    const target = start()
    await rpc(target, 'ethereum', 'eth_chainId')
    const { status, body } = await get(target, '/api/chains')
    expect(status).toBe(200)
    expect(body.chains).toEqual(
      [
        {
          name: 'ethereum',
          chainId: 1,
          strategy: 'priority',
          head: undefined,
          providers: ['a', 'b', 'keyed'],
          healthyProviders: 3,
          calls: { calls: 1, cacheHits: 0, coalesced: 0, routed: 1, upstreamCalls: 1, saved: 0 },
        },
        {
          name: 'polygon',
          chainId: 137,
          strategy: 'priority',
          head: undefined,
          providers: ['c'],
          healthyProviders: 1,
          calls: { calls: 0, cacheHits: 0, coalesced: 0, routed: 0, upstreamCalls: 0, saved: 0 },
        },
      ].map(({ head: _head, ...chain }) => chain),
    )
  })

  it('shows per-provider latency, success rate and race standing, filtered by chain', async () => {
    const target = start()
    await rpc(target, 'ethereum', 'eth_chainId')
    target.upstreams.a!.failing = true
    await rpc(target, 'ethereum', 'eth_chainId')
    recordRaces(target)

    const { body } = await get(target, '/api/providers?chain=1')
    expect(body.providers.map((provider: { id: string }) => provider.id)).toEqual(['a', 'b', 'keyed'])
    const [a, b, keyed] = body.providers
    expect(a).toMatchObject({ chain: 'ethereum', breaker: 'closed', transports: ['http'] })
    expect(a.rpc).toMatchObject({ count: 2, errors: 1, successRate: 0.5 })
    expect(a.rpc.p95Ms).toBeGreaterThanOrEqual(0)
    expect(b.rpc).toMatchObject({ count: 1, errors: 0, successRate: 1 })
    expect(a.race).toMatchObject({ rank: 1, winRate: 10 / 11, totalRaces: 11 })
    expect(b.race.rank).toBe(2)
    expect(keyed.rpc).toMatchObject({ count: 0, successRate: null })
    expect(keyed.race).toBeNull()
    expect(keyed.recent).toBeNull()
  })

  it('gives the leaderboard with wins per event type and margin distributions', async () => {
    const target = start()
    recordRaces(target)
    const { body } = await get(target, '/api/leaderboard/ethereum')
    expect(body.chain).toBe('ethereum')
    expect(body.leaderboard.map((row: { providerId: string }) => row.providerId)).toEqual(['a', 'b'])
    expect(body.byEventType).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ providerId: 'a', eventType: 'newHeads', wins: 10, losses: 0 }),
        expect.objectContaining({ providerId: 'b', eventType: 'logs', wins: 1, losses: 0 }),
      ]),
    )
    expect(body.margins.count).toBe(11)
    expect(body.marginsByProvider.b).toMatchObject({ count: 10 })
    expect(body.marginsByProvider.b.p50Ms).toBeCloseTo(7, 0)
    expect(body.marginsByProvider.a.maxMs).toBeCloseTo(30, 0)
  })

  it('keeps a bounded history of leaderboard samples, one per interval', async () => {
    const target = start({ config: { api: { scoreHistory: { intervalMs: 5_000, samples: 3 } } } })
    await target.app.ready()
    recordRaces(target)
    for (let tick = 0; tick < 5; tick++) target.clock.advance(5_000)
    const { body } = await get(target, '/api/leaderboard/ethereum/history')
    expect(body).toMatchObject({ chain: 'ethereum', intervalMs: 5_000, capacity: 3 })
    expect(body.samples).toHaveLength(3)
    const times = body.samples.map((sample: { ts: number }) => sample.ts)
    expect(times).toEqual([...times].sort((x, y) => x - y))
    expect(body.samples[2].providers[0]).toMatchObject({ providerId: 'a', rank: 1 })
    // A chain that never raced has no samples.
    expect((await get(target, '/api/leaderboard/polygon/history')).body.samples).toEqual([])
  })

  it('groups RPC stats by the requested dimensions', async () => {
    const target = start()
    await rpc(target, 'ethereum', 'eth_chainId')
    await rpc(target, 'ethereum', 'eth_gasPrice')
    const byMethod = await get(target, '/api/rpc-stats/ethereum?groupBy=method')
    expect(byMethod.body.groupBy).toEqual(['method'])
    expect(byMethod.body.rows.map((row: { method: string }) => row.method)).toEqual([
      'eth_chainId',
      'eth_gasPrice',
    ])
    const all = await get(target, '/api/rpc-stats/ethereum')
    expect(all.body.rows[0]).toMatchObject({
      method: 'eth_chainId',
      strategy: 'priority',
      providerId: 'a',
      count: 1,
    })
    expect(all.body.rows[0]).toHaveProperty('p99Ms')
  })

  it('rejects an unknown groupBy dimension with 400 naming the path', async () => {
    const target = start()
    const { status, body } = await get(target, '/api/rpc-stats/ethereum?groupBy=method,url')
    expect(status).toBe(400)
    expect(body.error.code).toBe('INVALID_REQUEST')
    expect(body.error.issues[0].path).toBe('query.groupBy.1')
  })

  it('answers 404 for an unknown chain', async () => {
    const target = start()
    const { status, body } = await get(target, '/api/leaderboard/solana')
    expect(status).toBe(404)
    expect(body.error.code).toBe('UNKNOWN_CHAIN')
  })

  it('replays the latest messages of a topic, oldest first, up to the limit', async () => {
    const target = start()
    for (const method of ['eth_chainId', 'eth_gasPrice', 'eth_blockNumber'])
      await rpc(target, 'ethereum', method)
    const { body } = await get(target, '/api/feed/routing:decisions?limit=2')
    expect(body.topic).toBe('routing:decisions')
    expect(body.items.map((item: { method: string }) => item.method)).toEqual([
      'eth_gasPrice',
      'eth_blockNumber',
    ])
    expect((await get(target, '/api/feed/secrets')).status).toBe(400)
    expect((await get(target, '/api/feed/races?limit=0')).status).toBe(400)
  })

  it('reports the Node runtime and buffer counters', async () => {
    const target = start()
    await rpc(target, 'ethereum', 'eth_chainId')
    const { body } = await get(target, '/api/runtime')
    expect(body.memory.heapUsedBytes).toBeGreaterThan(0)
    expect(body.memory.rssBytes).toBeGreaterThan(0)
    expect(body.eventLoopUtilization).toBeGreaterThanOrEqual(0)
    expect(body.eventLoopUtilization).toBeLessThanOrEqual(1)
    expect(body.eventLoopDelay).toHaveProperty('p99Ms')
    expect(body.activeResources).toBeGreaterThan(0)
    expect(body.uptimeSeconds).toBeGreaterThan(0)
    expect(body.gc).toHaveProperty('available')
    const routing = body.buffers.pubsub.find(
      (topic: { topic: string }) => topic.topic === 'routing:decisions',
    )
    expect(routing).toMatchObject({ published: 1, buffered: 1 })
    expect(body.buffers.stream).toMatchObject({ connections: 0, queuedMessages: 0, maxQueuedMessages: 256 })
  })

  it('lists registered strategies and the current one per chain', async () => {
    const target = start()
    const { body } = await get(target, '/api/strategies')
    expect(body.strategies).toEqual(
      expect.arrayContaining(['leaderboard', 'priority', 'round-robin', 'fastest']),
    )
    expect(body.chains).toEqual([
      { chain: 'ethereum', strategy: 'priority' },
      { chain: 'polygon', strategy: 'priority' },
    ])
  })
})

describe('redaction', () => {
  it('never sends a provider URL key in any API response or in /metrics', async () => {
    const target = start({ config: { demo: true } })
    await rpc(target, 'ethereum', 'eth_chainId')
    recordRaces(target)
    target.pool.cooldown('keyed', 1_000)
    const urls = [
      '/api/capabilities',
      '/api/chains',
      '/api/providers',
      '/api/providers?chain=ethereum',
      '/api/leaderboard/ethereum',
      '/api/leaderboard/ethereum/history',
      '/api/rpc-stats/ethereum',
      '/api/feed/routing:decisions',
      '/api/feed/provider_pool:events',
      '/api/runtime',
      '/api/strategies',
      '/api/demo/status',
      '/metrics',
    ]
    const keyed = (await get(target, '/api/providers')).body.providers.find(
      (provider: { id: string }) => provider.id === 'keyed',
    )
    expect(keyed.httpUrl).toBe('http://127.0.0.1:9')
    for (const url of urls) {
      const reply = await target.app.inject({ method: 'GET', url })
      expect(reply.statusCode, url).toBe(200)
      expect(reply.body, url).not.toContain(PLANTED_KEY)
      expect(reply.body, url).not.toContain(PLANTED_KEY.slice(0, 16))
    }
  })
})
