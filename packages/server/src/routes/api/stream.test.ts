import type { AddressInfo } from 'node:net'
import type { RoutingDecisionEvent } from '@chainpulse/core'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { type ApiFixture, createApiFixture } from './api-fixture.js'

let fixture: ApiFixture | undefined
const clients: WebSocket[] = []

afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate()
  await fixture?.close()
  fixture = undefined
})

interface StreamClient {
  socket: WebSocket
  messages: Record<string, unknown>[]
  send(message: unknown): void
  /** Resolves once a message matching `predicate` has arrived (bounded). */
  waitFor(
    predicate: (message: Record<string, unknown>) => boolean,
    what: string,
  ): Promise<Record<string, unknown>>
}

async function listen(
  options: Parameters<typeof createApiFixture>[0] = {},
): Promise<{ target: ApiFixture; url: string }> {
  fixture = createApiFixture(options)
  await fixture.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = fixture.app.server.address() as AddressInfo
  return { target: fixture, url: `ws://127.0.0.1:${port}/api/stream` }
}

async function connect(url: string): Promise<StreamClient> {
  const socket = new WebSocket(url)
  clients.push(socket)
  const messages: Record<string, unknown>[] = []
  const waiters = new Set<() => void>()
  socket.on('message', (data) => {
    messages.push(JSON.parse(String(data)))
    for (const waiter of [...waiters]) waiter()
  })
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve())
    socket.once('error', reject)
  })
  return {
    socket,
    messages,
    send: (message) => socket.send(JSON.stringify(message)),
    waitFor(predicate, what) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(predicate)
          if (!found) return
          waiters.delete(check)
          clearTimeout(timer)
          resolve(found)
        }
        // A real-socket bound, not a sleep: the test fails rather than hangs.
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(messages.slice(-3))}`))
        }, 5_000)
        waiters.add(check)
        check()
      })
    },
  }
}

function decision(method: string): RoutingDecisionEvent {
  return {
    ts: 1,
    chain: 'ethereum',
    method,
    strategy: 'priority',
    providerId: 'a',
    durationMs: 1,
    result: 'ok',
    failoverCount: 0,
    attempts: 1,
  }
}

describe('GET /api/stream', () => {
  it('delivers subscribed topics as { topic, payload } and stops after unsubscribe', async () => {
    const { target, url } = await listen()
    const client = await connect(url)
    client.send({ subscribe: ['routing:decisions', 'blocks:new'] })
    await client.waitFor((message) => Array.isArray(message.subscribed), 'the acknowledgement')
    target.pool.pubsub.publish('routing:decisions', decision('eth_first'))
    target.pool.pubsub.publish('races', {
      chain: 'ethereum',
      eventType: 'newHeads',
      key: '0x1',
      providerId: 'a',
      result: 'win',
      marginMs: 0,
    })
    const first = await client.waitFor((message) => message.topic === 'routing:decisions', 'a decision')
    expect(first).toEqual({ topic: 'routing:decisions', payload: decision('eth_first') })

    client.send({ unsubscribe: ['routing:decisions'] })
    await client.waitFor(
      (message) => Array.isArray(message.subscribed) && (message.subscribed as string[]).length === 1,
      'the second acknowledgement',
    )
    target.pool.pubsub.publish('routing:decisions', decision('eth_second'))
    target.pool.pubsub.publish('blocks:new', {
      chain: 'ethereum',
      number: 7,
      hash: '0x7',
      parentHash: '0x6',
      timestamp: 1,
      firstProviderId: 'a',
      receivedAt: 1,
    })
    await client.waitFor((message) => message.topic === 'blocks:new', 'a block')
    const topics = client.messages.map((message) => message.topic).filter(Boolean)
    expect(topics).toEqual(['routing:decisions', 'blocks:new'])
  })

  it('replays recent messages on request and sends snapshots on subscribe and every interval', async () => {
    const { target, url } = await listen({ config: { api: { stream: { snapshotIntervalMs: 1_000 } } } })
    target.pool.pubsub.publish('routing:decisions', decision('eth_before'))
    const client = await connect(url)
    client.send({ subscribe: ['routing:decisions', 'providers', 'runtime'], replay: 10 })
    const replayed = await client.waitFor((message) => message.topic === 'routing:decisions', 'the replay')
    expect(replayed.payload).toMatchObject({ method: 'eth_before' })
    const providers = await client.waitFor((message) => message.topic === 'providers', 'a providers snapshot')
    expect((providers.payload as { id: string }[]).map((provider) => provider.id)).toEqual([
      'a',
      'b',
      'keyed',
      'c',
    ])
    await client.waitFor((message) => message.topic === 'runtime', 'a runtime snapshot')
    const before = client.messages.filter((message) => message.topic === 'runtime').length
    target.clock.advance(1_000)
    await client.waitFor(
      () => client.messages.filter((message) => message.topic === 'runtime').length === before + 1,
      'the next runtime snapshot',
    )
  })

  it('answers a bad message with an error naming the path, and keeps the connection', async () => {
    const { url } = await listen()
    const client = await connect(url)
    client.send({ subscribe: ['routing:decisions', 'secrets'] })
    const error = await client.waitFor((message) => message.error !== undefined, 'an error')
    expect(error.error).toMatchObject({ path: 'subscribe.1' })
    client.socket.send('not json')
    await client.waitFor(
      (message) => (message.error as { message?: string })?.message === 'expected a JSON object',
      'a parse error',
    )
    client.send({ subscribe: ['races'] })
    await client.waitFor((message) => Array.isArray(message.subscribed), 'an acknowledgement')
  })

  it('drops the oldest messages of a slow consumer, keeps its queue bounded, and tells it', async () => {
    const maxQueuedMessages = 8
    const { target, url } = await listen({
      config: { api: { stream: { maxQueuedMessages, maxBufferedBytes: 16_384 } } },
    })
    const client = await connect(url)
    client.send({ subscribe: ['routing:decisions'] })
    await client.waitFor((message) => Array.isArray(message.subscribed), 'the acknowledgement')
    // The client stops reading: the kernel buffers fill, then the server's socket backs up.
    ;(client.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause()
    const bulk = 'x'.repeat(4_096)
    let longest = 0
    for (let index = 0; index < 5_000; index++) {
      target.pool.pubsub.publish('routing:decisions', decision(`eth_${index}_${bulk}`))
      if (index % 250 === 0) {
        const stats = (await target.app.inject({ method: 'GET', url: '/api/runtime' })).json().buffers.stream
        longest = Math.max(longest, stats.longestQueue)
      }
    }
    const stats = (await target.app.inject({ method: 'GET', url: '/api/runtime' })).json().buffers.stream
    expect(stats.connections).toBe(1)
    expect(Math.max(longest, stats.longestQueue)).toBeLessThanOrEqual(maxQueuedMessages)
    expect(stats.droppedMessages).toBeGreaterThan(1_000)

    ;(client.socket as unknown as { _socket: { resume(): void } })._socket.resume()
    const notice = await client.waitFor(
      (message) => typeof message.dropped === 'number',
      'the dropped notice',
    )
    expect(notice.dropped).toBeGreaterThan(0)
    // The newest message still arrives: drops take the oldest.
    await client.waitFor(
      (message) => String((message.payload as { method?: string })?.method).startsWith('eth_4999_'),
      'the newest message',
    )
  })
})
