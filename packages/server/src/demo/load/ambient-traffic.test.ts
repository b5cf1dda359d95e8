import { type ChainPulseTopics, type ConnectionEvent, createPubSub, type FetchLike } from '@chainpulse/core'
import { createFakeClock } from '@chainpulse/core/testing'
import { describe, expect, it } from 'vitest'
import { ambientMix, createAmbientTraffic } from './ambient-traffic.js'
import { createFakeWebSocket } from './fake-websocket.js'

const settle = () => new Promise((resolve) => setImmediate(resolve))

function setup() {
  const clock = createFakeClock()
  const pubsub = createPubSub<ChainPulseTopics>()
  const connections: ConnectionEvent[] = []
  pubsub.subscribe('connections', (event) => connections.push(event))
  const httpCalls: { url: string; method: string }[] = []
  const fetchImpl: FetchLike = async (url, init) => {
    httpCalls.push({ url, method: JSON.parse(String(init.body)).method })
    return new Response(JSON.stringify({ jsonrpc: '2.0', id: 1, result: '0x1' }), { status: 200 })
  }
  const pooled: { chain: string; method: string }[] = []
  const pool = {
    pubsub,
    request: async (call: { chain: string; method: string }) => {
      pooled.push({ chain: call.chain, method: call.method })
      return { result: '0x1' } as never
    },
  }
  const ws = createFakeWebSocket()
  const ambient = createAmbientTraffic({
    pool,
    baseUrl: 'http://127.0.0.1:4000',
    chains: ['ethereum', 'polygon'],
    fetch: fetchImpl,
    WebSocket: ws.WebSocket,
    clock,
  })
  for (const socket of ws.sockets) socket.open()
  return { clock, ambient, connections, httpCalls, pooled, sockets: ws.sockets }
}

async function run(clock: ReturnType<typeof createFakeClock>, seconds: number): Promise<void> {
  for (let second = 0; second < seconds; second++) {
    for (let tick = 0; tick < 10; tick++) clock.advance(100)
    await settle()
  }
}

describe('ambient traffic', () => {
  it('gives every chain an HTTP client and a WebSocket client watching newHeads, and runs the sampler', async () => {
    const { clock, ambient, connections, httpCalls, pooled, sockets } = setup()
    await run(clock, 10)

    // The HTTP clients announce themselves; the server's /ws/rpc route announces the WebSocket ones.
    const connected = connections.filter((event) => event.state === 'connected')
    expect(connected.map((event) => `${event.chain} ${event.transport}`).sort()).toEqual([
      'ethereum http',
      'polygon http',
    ])
    expect(connected.every((event) => event.kind === 'client' && /^ambient-\d+-\d$/.test(event.id))).toBe(
      true,
    )
    expect(sockets.map((socket) => socket.url).sort()).toEqual([
      'ws://127.0.0.1:4000/ws/rpc/ethereum',
      'ws://127.0.0.1:4000/ws/rpc/polygon',
    ])
    for (const socket of sockets)
      expect(socket.sent[0]).toMatchObject({ method: 'eth_subscribe', params: ['newHeads'] })

    // 4 requests/s through the proxy, spread over both transports and chains, all from the read mix.
    const wsCalls = sockets.flatMap((socket) => socket.sent.slice(1))
    expect(httpCalls.length + wsCalls.length).toBe(40)
    expect(new Set(httpCalls.map((call) => call.url))).toEqual(
      new Set(['http://127.0.0.1:4000/rpc/ethereum', 'http://127.0.0.1:4000/rpc/polygon']),
    )
    const mix = new Set(ambientMix.map((entry) => entry.method))
    for (const call of [...httpCalls, ...wsCalls]) expect(mix).toContain(call.method)
    // ...and the sampler's 1/s straight through the pool, chains in turn.
    expect(pooled).toHaveLength(10)
    expect(pooled.filter((call) => call.chain === 'polygon')).toHaveLength(5)

    const status = ambient.status()
    expect(status).toMatchObject({
      running: true,
      clients: { running: true, errors: 0 },
      sampler: { running: true },
    })
    ambient.stop()
  })

  it('stops clients and sampler together: every client leaves, no timer is left and nothing more is sent', async () => {
    const { clock, ambient, connections, httpCalls, pooled, sockets } = setup()
    await run(clock, 2)
    ambient.stop()
    ambient.stop()
    expect(ambient.status()).toMatchObject({
      running: false,
      clients: { running: false, stopReason: 'stopped' },
      sampler: { running: false },
    })
    expect(connections.filter((event) => event.state === 'disconnected')).toHaveLength(2)
    expect(sockets.every((socket) => socket.readyState === 3)).toBe(true)
    expect(clock.pendingTimers()).toBe(0)
    const sent = httpCalls.length + pooled.length
    await run(clock, 5)
    expect(httpCalls.length + pooled.length).toBe(sent)
  })
})
