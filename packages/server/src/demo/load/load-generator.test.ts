import { type ChainPulseTopics, type ConnectionEvent, createPubSub, type FetchLike } from '@chainpulse/core'
import { createFakeClock } from '@chainpulse/core/testing'
import { describe, expect, it } from 'vitest'
import { createFakeWebSocket } from './fake-websocket.js'
import { createLoadGenerator } from './load-generator.js'

function answeringFetch(): FetchLike & { calls: string[] } {
  const calls: string[] = []
  const fetchImpl = (async (url: string, init: RequestInit) => {
    calls.push(`${url} ${JSON.parse(String(init.body)).method}`)
    return new Response(JSON.stringify({ jsonrpc: '2.0', id: 1, result: '0x1' }), { status: 200 })
  }) as FetchLike & { calls: string[] }
  fetchImpl.calls = calls
  return fetchImpl
}

const settle = () => new Promise((resolve) => setImmediate(resolve))

describe('load generator', () => {
  it('sends at the configured rate over the clients and stops by itself after the duration', async () => {
    const clock = createFakeClock()
    const fetchImpl = answeringFetch()
    const pubsub = createPubSub<ChainPulseTopics>()
    const events: ConnectionEvent[] = []
    pubsub.subscribe('connections', (event) => events.push(event))
    const load = createLoadGenerator({
      baseUrl: 'http://127.0.0.1:4000',
      chains: ['ethereum', 'polygon'],
      ratePerSecond: 20,
      clients: 2,
      durationMs: 2_000,
      methods: [{ method: 'eth_chainId' }],
      fetch: fetchImpl,
      pubsub,
      clock,
    })
    for (let step = 0; step < 30; step++) {
      clock.advance(100)
      await settle()
    }
    const final = await load.done
    expect(final).toMatchObject({ running: false, stopReason: 'duration', errors: 0 })
    expect(final.sent).toBe(40)
    // The last tick's requests were still pending when it stopped.
    expect(final.ok + final.inFlight).toBe(40)
    expect(
      fetchImpl.calls.filter((call) => call.startsWith('http://127.0.0.1:4000/rpc/polygon ')),
    ).toHaveLength(20)
    expect(clock.pendingTimers()).toBe(0)
    const run = events[0]!.id.split('-')[1]
    expect(events.map((event) => `${event.id} ${event.state}`)).toEqual([
      `load-${run}-1 connected`,
      `load-${run}-2 connected`,
      `load-${run}-1 disconnected`,
      `load-${run}-2 disconnected`,
    ])
    expect(events.every((event) => event.kind === 'client' && event.transport === 'http')).toBe(true)
  })

  it.each([1, 4, 15, 33])('sends %s requests/s in full, fractions of a tick included', async (rate) => {
    const clock = createFakeClock()
    const load = createLoadGenerator({
      baseUrl: 'http://127.0.0.1:4000',
      chains: ['ethereum'],
      ratePerSecond: rate,
      clients: 2,
      durationMs: 10_000,
      fetch: answeringFetch(),
      clock,
    })
    for (let tick = 0; tick < 100; tick++) {
      clock.advance(100)
      await settle()
    }
    expect(await load.done).toMatchObject({ sent: rate * 10, skipped: 0 })
  })

  it('never has more than maxInFlight requests pending: the excess is skipped, not queued', async () => {
    const clock = createFakeClock()
    let pending = 0
    const neverAnswers: FetchLike = (_url, init) =>
      new Promise((_resolve, reject) => {
        pending++
        init.signal?.addEventListener('abort', () => {
          pending--
          reject(new Error('aborted'))
        })
      })
    const load = createLoadGenerator({
      baseUrl: 'http://127.0.0.1:4000',
      chains: ['ethereum'],
      ratePerSecond: 1_000,
      clients: 4,
      maxInFlight: 5,
      durationMs: 60_000,
      requestTimeoutMs: 30_000,
      fetch: neverAnswers,
      clock,
    })
    for (let step = 0; step < 20; step++) clock.advance(100)
    expect(load.status()).toMatchObject({ inFlight: 5, sent: 5, running: true })
    expect(load.status().skipped).toBe(1_995)
    expect(pending).toBe(5)
    load.stop()
    await settle()
    expect(pending).toBe(0)
    expect((await load.done).stopReason).toBe('stopped')
    expect(clock.pendingTimers()).toBe(0)
  })

  it('frees a slot when a request times out', async () => {
    const clock = createFakeClock()
    const neverAnswers: FetchLike = (_url, init) =>
      new Promise((_resolve, reject) =>
        init.signal?.addEventListener('abort', () => reject(new Error('aborted'))),
      )
    const load = createLoadGenerator({
      baseUrl: 'http://127.0.0.1:4000',
      chains: ['ethereum'],
      ratePerSecond: 10,
      clients: 1,
      maxInFlight: 1,
      durationMs: 10_000,
      requestTimeoutMs: 500,
      fetch: neverAnswers,
      clock,
    })
    clock.advance(100)
    clock.advance(500)
    await settle()
    expect(load.status()).toMatchObject({ timeouts: 1, inFlight: 0 })
    load.stop()
  })

  it('subscribes each WebSocket client once its socket opens, and counts the notifications', async () => {
    const clock = createFakeClock()
    const { WebSocket, sockets } = createFakeWebSocket()
    const load = createLoadGenerator({
      baseUrl: 'http://127.0.0.1:4000',
      chains: ['ethereum', 'polygon'],
      ratePerSecond: 10,
      clients: 2,
      transports: ['ws'],
      methods: [{ method: 'eth_blockNumber' }],
      subscribe: ['newHeads'],
      name: 'ambient',
      WebSocket,
      clock,
    })
    expect(sockets.map((socket) => socket.url)).toEqual([
      'ws://127.0.0.1:4000/ws/rpc/ethereum',
      'ws://127.0.0.1:4000/ws/rpc/polygon',
    ])
    // Nothing is sent before the handshake: the due requests are skipped, not queued.
    clock.advance(200)
    expect(sockets.flatMap((socket) => socket.sent)).toEqual([])
    for (const socket of sockets) socket.open()
    expect(sockets.map((socket) => socket.sent.map((message) => message.method))).toEqual([
      ['eth_subscribe'],
      ['eth_subscribe'],
    ])
    expect(sockets[0]!.sent[0]!.params).toEqual(['newHeads'])
    for (let block = 0; block < 3; block++)
      sockets[0]!.receive({
        jsonrpc: '2.0',
        method: 'eth_subscription',
        params: { subscription: '0xsub1', result: { number: `0x${block}` } },
      })
    clock.advance(1_000)
    await settle()
    const status = load.status()
    // Ten calls in the second after the handshake, plus one subscription per socket; all answered.
    expect(status).toMatchObject({ notifications: 3, errors: 0, inFlight: 0, endsAt: null })
    expect(status.sent).toBe(12)
    expect(status.ok).toBe(12)
    expect(sockets.every((socket) => socket.sent.slice(1).every((m) => m.method === 'eth_blockNumber'))).toBe(
      true,
    )
    load.stop()
  })

  it('runs until stopped when no duration is given', async () => {
    const clock = createFakeClock()
    const fetchImpl = answeringFetch()
    const pubsub = createPubSub<ChainPulseTopics>()
    const events: ConnectionEvent[] = []
    pubsub.subscribe('connections', (event) => events.push(event))
    const load = createLoadGenerator({
      baseUrl: 'http://127.0.0.1:4000',
      chains: ['ethereum'],
      ratePerSecond: 1,
      clients: 1,
      name: 'ambient',
      fetch: fetchImpl,
      pubsub,
      clock,
    })
    // Longer than the Live Test's longest run (api.load.maxDurationMs: 10 min).
    for (let second = 0; second < 700; second++) {
      for (let tick = 0; tick < 10; tick++) clock.advance(100)
      await settle()
    }
    expect(load.status()).toMatchObject({ running: true, endsAt: null, stopReason: undefined, errors: 0 })
    expect(load.status().sent).toBe(700)
    load.stop()
    const final = await load.done
    expect(final).toMatchObject({ running: false, stopReason: 'stopped', endsAt: clock.now() })
    expect(clock.pendingTimers()).toBe(0)
    expect(events.map((event) => `${event.id} ${event.state}`)).toEqual([
      expect.stringMatching(/^ambient-\d+-1 connected$/),
      expect.stringMatching(/^ambient-\d+-1 disconnected$/),
    ])
  })
})
