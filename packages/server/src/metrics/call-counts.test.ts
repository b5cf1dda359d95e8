import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import {
  type ChainPulseTopics,
  createProviderPool,
  createPubSub,
  createResponseCache,
  type ProviderPool,
  type RoutingDecisionEvent,
} from '@chainpulse/core'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { buildServer } from '../app.js'
import { parseServerConfig } from '../config/server-config.js'
import { countingPool, type HeldUpstream, startHeldUpstream } from '../testing/held-upstream.js'
import { type ChainCalls, createCallCounts } from './call-counts.js'

const decision = (overrides: Partial<RoutingDecisionEvent> = {}): RoutingDecisionEvent => ({
  ts: 0,
  chain: 'ethereum',
  method: 'eth_getBalance',
  strategy: 'leaderboard',
  providerId: 'alpha',
  durationMs: 5,
  result: 'ok',
  failoverCount: 0,
  attempts: 1,
  ...overrides,
})

describe('createCallCounts', () => {
  it('counts each decision once per chain: a hit, a joined call or the upstream attempts of a routed one', () => {
    const pubsub = createPubSub<ChainPulseTopics>()
    const counts = createCallCounts(pubsub)
    pubsub.publish('routing:decisions', decision({ attempts: 3, failoverCount: 2 }))
    pubsub.publish('routing:decisions', decision({ cached: true, attempts: 0, providerId: 'chainpulse' }))
    pubsub.publish('routing:decisions', decision({ cached: true, attempts: 0, providerId: 'chainpulse' }))
    // A joined call carries the attempts of the call it joined: they went upstream once, not twice.
    pubsub.publish('routing:decisions', decision({ coalesced: true, attempts: 3 }))
    pubsub.publish('routing:decisions', decision({ chain: 'polygon' }))
    // The pool's own call (its chain follower's) is no client's call, but its upstream request counts.
    pubsub.publish('routing:decisions', decision({ internal: true, attempts: 2, failoverCount: 1 }))
    expect(counts.of('ethereum')).toEqual({
      calls: 4,
      cacheHits: 2,
      coalesced: 1,
      routed: 1,
      upstreamCalls: 5,
      saved: 3,
    })
    expect(counts.of('polygon')).toMatchObject({ calls: 1, routed: 1, upstreamCalls: 1, saved: 0 })
    expect(counts.of('arbitrum')).toEqual({
      calls: 0,
      cacheHits: 0,
      coalesced: 0,
      routed: 0,
      upstreamCalls: 0,
      saved: 0,
    })
    expect([...counts.all().keys()]).toEqual(['ethereum', 'polygon'])
    counts.close()
    pubsub.publish('routing:decisions', decision())
    expect(counts.of('ethereum').calls).toBe(4)
  })
})

// The proxy with the response cache its config makes by default (as `chainpulse serve` does) and
// coalescing on, over real sockets on every side: clients over HTTP, an upstream HTTP node that counts
// what reaches it and can hold its answers, and the dashboard's stream over WebSocket.
describe('calls saved per chain, through the proxy', () => {
  let upstream: HeldUpstream
  let pool: ProviderPool
  let handed: () => number
  let app: FastifyInstance
  let url: string
  /** Upstream calls of `method` so far. */
  const received = (method: string) => upstream.received.filter((call) => call.method === method).length

  beforeAll(async () => {
    upstream = await startHeldUpstream(
      ({ method }) => (method === 'eth_chainId' ? '"0x1"' : method === 'eth_getBalance' ? '"0x64"' : 'null'),
      (method) => method === 'eth_getBalance',
    )
    const { cache } = parseServerConfig({})
    if (cache === false) throw new Error('the proxy caches by default')
    pool = createProviderPool({
      chains: [{ name: 'ethereum', chainId: 1 }],
      providers: [{ id: 'node', chain: 'ethereum', httpUrl: upstream.url }],
      racing: false,
      healthCheck: false,
      cache: createResponseCache(cache),
    })
    const counting = countingPool(pool)
    handed = counting.handed
    app = buildServer({
      pool: counting.pool,
      logger: false,
      config: { rateLimit: false, api: { stream: { snapshotIntervalMs: 100 } } },
    })
    await app.listen({ port: 0, host: '127.0.0.1' })
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await app?.close()
    await pool?.close()
    upstream?.close()
  })

  const rpc = async (method: string, params: unknown[] = []) => {
    const response = await fetch(`${url}/rpc/ethereum`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    })
    await response.json()
    return response.headers.get('x-chainpulse-cache')
  }
  const chainCalls = async (): Promise<ChainCalls> => {
    const body = (await (await fetch(`${url}/api/chains`)).json()) as {
      chains: { name: string; calls: ChainCalls }[]
    }
    return body.chains.find((chain) => chain.name === 'ethereum')!.calls
  }

  it('moves hits, coalesced and upstream calls alike in /api/chains, the chains stream topic and /metrics', async () => {
    expect(await chainCalls()).toEqual({
      calls: 0,
      cacheHits: 0,
      coalesced: 0,
      routed: 0,
      upstreamCalls: 0,
      saved: 0,
    })

    // The stream's chains snapshots, from before the traffic on.
    const socket = new WebSocket(`${url.replace('http', 'ws')}/api/stream`)
    const snapshots: ChainCalls[] = []
    let onSnapshot = () => {}
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as {
        topic?: string
        payload?: { name: string; calls: ChainCalls }[]
      }
      if (message.topic !== 'chains') return
      snapshots.push(message.payload!.find((chain) => chain.name === 'ethereum')!.calls)
      onSnapshot()
    })
    /** Resolves once a snapshot satisfies `predicate` (bounded: the test fails rather than hangs). */
    const snapshot = (predicate: (calls: ChainCalls) => boolean) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no such snapshot in ${JSON.stringify(snapshots)}`)),
          5_000,
        )
        onSnapshot = () => {
          if (snapshots.length === 0 || !predicate(snapshots.at(-1)!)) return
          clearTimeout(timer)
          resolve()
        }
        onSnapshot()
      })
    await once(socket, 'open')
    socket.send(JSON.stringify({ subscribe: ['chains'] }))
    await snapshot(() => true)

    // Repeated reads of a value kept for good: the first goes upstream, the next two are hits.
    expect([await rpc('eth_chainId'), await rpc('eth_chainId'), await rpc('eth_chainId')]).toEqual([
      'miss',
      'hit',
      'hit',
    ])
    // Three identical reads at once while the upstream holds its answer: one goes upstream, two join it.
    upstream.hold()
    const balance = ['0x00000000000000000000000000000000000000aa', '0x1']
    const handedBefore = handed()
    const reads = Promise.all([1, 2, 3].map(() => rpc('eth_getBalance', balance)))
    await expect.poll(() => handed() - handedBefore).toBe(3)
    await expect.poll(() => received('eth_getBalance')).toBe(1)
    upstream.release()
    expect((await reads).sort()).toEqual(['coalesced', 'coalesced', 'miss'])
    expect(received('eth_getBalance')).toBe(1)

    // Besides the clients' calls the pool routes its own: the cache asks the canonical follower for a
    // head (eth_getBlockByNumber, retried here as this node has no block). Those go upstream too.
    const upstreamTotal = () => upstream.received.length
    await expect
      .poll(async () => {
        const calls = await chainCalls()
        return { ...calls, everyUpstreamRequest: calls.upstreamCalls === upstreamTotal() }
      })
      .toMatchObject({ cacheHits: 2, coalesced: 2, saved: 4, everyUpstreamRequest: true })
    const calls = await chainCalls()
    expect(calls.routed).toBe(calls.calls - 4)
    // The live stream follows within a snapshot interval or two.
    await snapshot((latest) => latest.saved === 4)
    expect(snapshots[0]).toEqual({
      calls: 0,
      cacheHits: 0,
      coalesced: 0,
      routed: 0,
      upstreamCalls: 0,
      saved: 0,
    })
    expect(snapshots.at(-1)).toMatchObject({ cacheHits: 2, coalesced: 2, saved: 4 })
    socket.close()

    const metrics = await (await fetch(`${url}/metrics`)).text()
    expect(metrics).toContain('chainpulse_cache_hits_total{chain="ethereum"} 2')
    expect(metrics).toContain('chainpulse_coalesced_requests_total{chain="ethereum"} 2')
  })
})
