import { ConfigError, createPubSub, type PubSub } from '@chainpulse/core'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type RedisServer, startRedisServer } from '../testing/start-redis-server.js'
import { waitFor } from '../testing/wait-for.js'
import { createRedisPubSubAdapter, type RedisPubSubAdapter } from './redis-pubsub-adapter.js'

interface Topics {
  note: { from: string; n: number }
  /** Deferred in the tests that pass `deferTopics: ['chatter']`. */
  chatter: { from: string; n: number }
}

interface Heard {
  payload: Topics['note']
  origin: string | undefined
}

interface Instance {
  id: string
  adapter: RedisPubSubAdapter
  pubsub: PubSub<Topics>
  heard: Heard[]
  errors: unknown[]
}

let server: RedisServer
let channelCount = 0
const opened: Instance[] = []
const clients: Redis[] = []

beforeAll(async () => {
  server = await startRedisServer()
})
afterAll(async () => {
  await server?.stop()
})
afterEach(async () => {
  for (const instance of opened.splice(0)) {
    instance.pubsub.dispose()
    await instance.adapter.close()
  }
  for (const client of clients.splice(0)) client.disconnect()
  // A test that broke the server leaves a running one for the next.
  if (!server.running) await server.restart()
  server.resume()
})

/** Instances on one fresh channel, connected (subscribed) before this resolves. */
async function cluster(
  ids: string[],
  options: { maxPendingMessages?: number; url?: string; deferTopics?: string[]; deferMs?: number } = {},
) {
  const channel = `test:${++channelCount}`
  const instances = ids.map((id): Instance => {
    const errors: unknown[] = []
    const adapter = createRedisPubSubAdapter({
      redis: options.url ?? server.url,
      instanceId: id,
      channel,
      onError: (error) => errors.push(error),
      ...(options.maxPendingMessages ? { maxPendingMessages: options.maxPendingMessages } : {}),
      ...(options.deferTopics ? { deferTopics: options.deferTopics } : {}),
      ...(options.deferMs === undefined ? {} : { deferMs: options.deferMs }),
    })
    const pubsub = createPubSub<Topics>({ adapter })
    const heard: Heard[] = []
    pubsub.subscribe('note', (payload, _topic, origin) => heard.push({ payload, origin }))
    pubsub.subscribe('chatter', (payload, _topic, origin) => heard.push({ payload, origin }))
    const instance = { id, adapter, pubsub, heard, errors }
    opened.push(instance)
    return instance
  })
  await waitFor(() => instances.every((instance) => instance.adapter.status().connected), {
    what: 'every adapter to connect',
  })
  return { channel, instances }
}

function rawClient(): Redis {
  const client = new Redis(server.url)
  client.on('error', () => {})
  clients.push(client)
  return client
}

const from = (instance: Instance, origin: string) =>
  instance.heard.filter((heard) => heard.origin === origin).map((heard) => heard.payload.n)

describe('createRedisPubSubAdapter', () => {
  it("delivers one instance's messages to another, with the publisher's id as origin", async () => {
    const {
      instances: [a, b],
    } = await cluster(['a', 'b'])
    a!.pubsub.publish('note', { from: 'a', n: 1 })
    await waitFor(() => b!.heard.length === 1, { what: 'b to hear a' })
    expect(b!.heard).toEqual([{ payload: { from: 'a', n: 1 }, origin: 'a' }])
    expect(a!.heard).toEqual([{ payload: { from: 'a', n: 1 }, origin: undefined }])
  })

  it("never delivers an instance's own message back to it", async () => {
    const {
      instances: [a, b],
    } = await cluster(['a', 'b'])
    a!.pubsub.publish('note', { from: 'a', n: 1 })
    await waitFor(() => b!.heard.length === 1, { what: 'b to hear a' })
    // Redis delivers in publish order: an echo of a's message would reach a before b's reply does.
    b!.pubsub.publish('note', { from: 'b', n: 2 })
    await waitFor(() => a!.heard.length === 2, { what: 'a to hear b' })
    expect(a!.heard.map((heard) => [heard.payload.n, heard.origin])).toEqual([
      [1, undefined],
      [2, 'b'],
    ])
    await waitFor(() => a!.adapter.status().published === 1, { what: "Redis's answer to a's publish" })
    expect(a!.adapter.status()).toMatchObject({ published: 1, delivered: 1, dropped: 0, malformed: 0 })
  })

  it("fans three instances' messages out to the other two, in each publisher's order", async () => {
    const { instances } = await cluster(['a', 'b', 'c'])
    const count = 50
    for (let n = 0; n < count; n++) {
      for (const instance of instances) instance.pubsub.publish('note', { from: instance.id, n })
    }
    // The other instances may hear a message before Redis's answer to its PUBLISH reaches the publisher.
    await waitFor(
      () =>
        instances.every(
          (instance) => instance.heard.length === 3 * count && instance.adapter.status().published === count,
        ),
      { what: 'every instance to hear every message' },
    )
    const sequence = Array.from({ length: count }, (_, n) => n)
    for (const instance of instances) {
      expect(from(instance, instance.id)).toEqual([])
      expect(instance.heard.filter((heard) => heard.origin === undefined).map((h) => h.payload.n)).toEqual(
        sequence,
      )
      for (const other of instances) {
        if (other !== instance) expect(from(instance, other.id)).toEqual(sequence)
      }
      expect(instance.adapter.status()).toMatchObject({ published: count, delivered: 2 * count, dropped: 0 })
    }
  })

  it('puts one JSON envelope per turn on the channel, and reads one written by anything', async () => {
    const {
      channel,
      instances: [a],
    } = await cluster(['a'])
    const listener = rawClient()
    const seen: string[] = []
    listener.on('message', (_channel: string, text: string) => seen.push(text))
    await listener.subscribe(channel)
    a!.pubsub.publish('note', { from: 'a', n: 7 })
    await waitFor(() => seen.length === 1, { what: 'the envelope on the channel' })
    expect(JSON.parse(seen[0]!)).toEqual({
      v: 1,
      origin: 'a',
      messages: [{ topic: 'note', payload: { from: 'a', n: 7 } }],
    })

    await rawClient().publish(
      channel,
      JSON.stringify({
        v: 1,
        origin: 'elsewhere',
        messages: [{ topic: 'note', payload: { from: 'x', n: 8 } }],
      }),
    )
    await waitFor(() => a!.heard.length === 2, { what: 'a to hear the hand-written envelope' })
    expect(a!.heard[1]).toEqual({ payload: { from: 'x', n: 8 }, origin: 'elsewhere' })
  })

  it('sends a burst published in one turn as a few envelopes, and every message arrives in order', async () => {
    const {
      channel,
      instances: [a, b],
    } = await cluster(['a', 'b'])
    const listener = rawClient()
    let envelopes = 0
    let carried = 0
    listener.on('message', (_channel: string, text: string) => {
      envelopes++
      carried += (JSON.parse(text) as { messages: unknown[] }).messages.length
    })
    await listener.subscribe(channel)
    for (let n = 0; n < 3_000; n++) a!.pubsub.publish('note', { from: 'a', n })
    await waitFor(() => from(b!, 'a').length === 3_000, { what: 'the whole burst on b' })
    expect(from(b!, 'a')).toEqual(Array.from({ length: 3_000 }, (_, n) => n))
    // The raw listener reads on a connection of its own, which may lag b's: wait until it has seen
    // every message, then count the envelopes that carried them (500 messages per envelope at most).
    await waitFor(() => carried === 3_000, { what: 'the whole burst on the raw listener' })
    expect(envelopes).toBe(6)
    // `published` counts PUBLISH replies, read on a's own connection, which may come after the
    // subscribers have the messages.
    await waitFor(() => a!.adapter.status().pending === 0, { what: "a's last PUBLISH reply" })
    expect(a!.adapter.status()).toMatchObject({ published: 3_000, dropped: 0, pending: 0 })
  })

  it("holds deferred topics' messages up to deferMs, several turns' worth in one envelope", async () => {
    const {
      channel,
      instances: [a, b],
    } = await cluster(['a', 'b'], { deferTopics: ['chatter'], deferMs: 200 })
    const listener = rawClient()
    const envelopes: number[] = []
    listener.on('message', (_channel: string, text: string) =>
      envelopes.push((JSON.parse(text) as { messages: unknown[] }).messages.length),
    )
    await listener.subscribe(channel)
    const started = performance.now()
    for (let n = 0; n < 3; n++) {
      a!.pubsub.publish('chatter', { from: 'a', n })
      await new Promise((resolve) => setImmediate(resolve))
    }
    await waitFor(() => from(b!, 'a').length === 3, { what: 'b to hear the deferred messages' })
    expect(performance.now() - started).toBeGreaterThanOrEqual(150)
    expect(from(b!, 'a')).toEqual([0, 1, 2])
    await waitFor(() => envelopes.length === 1, { what: 'the envelope on the raw listener' })
    expect(envelopes).toEqual([3])
  })

  it('sends deferred messages at once, in order, with a message of another topic', async () => {
    const {
      instances: [a, b],
    } = await cluster(['a', 'b'], { deferTopics: ['chatter'], deferMs: 10_000 })
    a!.pubsub.publish('chatter', { from: 'a', n: 1 })
    await new Promise((resolve) => setImmediate(resolve))
    a!.pubsub.publish('chatter', { from: 'a', n: 2 })
    a!.pubsub.publish('note', { from: 'a', n: 3 })
    // Within the test's timeout, far below deferMs.
    await waitFor(() => from(b!, 'a').length === 3, { what: 'b to hear all three' })
    expect(from(b!, 'a')).toEqual([1, 2, 3])
    await waitFor(() => a!.adapter.status().pending === 0, { what: "Redis's answer" })
    expect(a!.adapter.status()).toMatchObject({ published: 3, dropped: 0 })
  })

  it('sends messages still deferred when closed, ahead of the QUIT', async () => {
    const {
      instances: [a, b],
    } = await cluster(['a', 'b'], { deferTopics: ['chatter'], deferMs: 10_000 })
    a!.pubsub.publish('chatter', { from: 'a', n: 1 })
    await a!.adapter.close()
    await waitFor(() => from(b!, 'a').length === 1, { what: 'b to hear the deferred message' })
  })

  it('defers routing decisions by default and nothing else', async () => {
    const {
      channel,
      instances: [a],
    } = await cluster(['a'])
    const listener = rawClient()
    const topics: string[][] = []
    listener.on('message', (_channel: string, text: string) =>
      topics.push((JSON.parse(text) as { messages: { topic: string }[] }).messages.map((m) => m.topic)),
    )
    await listener.subscribe(channel)
    const decision = { ts: 0, chain: 'ethereum', method: 'eth_call' }
    // Two decisions in separate turns within the default 4 ms, then a note: one envelope.
    a!.adapter.publish('routing:decisions', decision)
    await new Promise((resolve) => setImmediate(resolve))
    a!.adapter.publish('routing:decisions', decision)
    a!.adapter.publish('note', { from: 'a', n: 1 })
    await waitFor(() => topics.length === 1, { what: 'the envelope' })
    expect(topics).toEqual([['routing:decisions', 'routing:decisions', 'note']])
  })

  it('counts and drops malformed envelopes without delivering or throwing', async () => {
    const {
      channel,
      instances: [a],
    } = await cluster(['a'])
    const client = rawClient()
    const bad = [
      'not json',
      'null',
      '[1,2]',
      JSON.stringify({ v: 2, origin: 'x', messages: [{ topic: 'note', payload: {} }] }),
      JSON.stringify({ v: 1, messages: [{ topic: 'note', payload: {} }] }),
      JSON.stringify({ v: 1, origin: 'x', messages: [{ topic: '', payload: {} }] }),
    ]
    for (const text of bad) await client.publish(channel, text)
    await client.publish(
      channel,
      JSON.stringify({ v: 1, origin: 'x', messages: [{ topic: 'note', payload: { n: 1 } }] }),
    )
    await waitFor(() => a!.adapter.status().delivered === 1, { what: 'the good envelope after the bad ones' })
    expect(a!.adapter.status()).toMatchObject({ malformed: bad.length, delivered: 1 })
    expect(a!.heard).toHaveLength(1)
    expect(a!.errors).toEqual([])
  })

  it('drops and counts a payload JSON cannot carry, reporting it, while delivering it locally', async () => {
    const {
      instances: [a],
    } = await cluster(['a'])
    const payload = { from: 'a', n: 1, big: 1n } as unknown as Topics['note']
    a!.pubsub.publish('note', payload)
    expect(a!.heard).toHaveLength(1)
    expect(a!.adapter.status()).toMatchObject({ dropped: 1, pending: 0 })
    expect(a!.errors).toHaveLength(1)
  })

  it('drops and counts publishes while Redis is down, delivers locally, and resumes once it is back', async () => {
    const rejections: unknown[] = []
    const onRejection = (reason: unknown) => rejections.push(reason)
    process.on('unhandledRejection', onRejection)
    try {
      const {
        instances: [a, b],
      } = await cluster(['a', 'b'])
      await server.kill()
      await waitFor(() => !a!.adapter.status().connected && !b!.adapter.status().connected, {
        what: 'the adapters to see Redis gone',
      })
      for (let n = 1; n <= 5; n++) expect(() => a!.pubsub.publish('note', { from: 'a', n })).not.toThrow()
      expect(a!.heard.map((heard) => heard.payload.n)).toEqual([1, 2, 3, 4, 5])
      await waitFor(() => a!.adapter.status().dropped === 5 && a!.adapter.status().pending === 0, {
        what: 'five dropped publishes',
      })
      expect(a!.adapter.status().published).toBe(0)
      // Reconnection attempts fail and are reported (once per distinct error, not once per attempt).
      await waitFor(() => a!.errors.length > 0, { what: 'a reported connection error' })

      await server.restart()
      await waitFor(() => a!.adapter.status().connected && b!.adapter.status().connected, {
        what: 'the adapters to reconnect and resubscribe',
      })
      a!.pubsub.publish('note', { from: 'a', n: 6 })
      b!.pubsub.publish('note', { from: 'b', n: 7 })
      await waitFor(() => from(b!, 'a').length === 1 && from(a!, 'b').length === 1, {
        what: 'fan-out both ways after the restart',
      })
      expect(from(b!, 'a')).toEqual([6])
      expect(from(a!, 'b')).toEqual([7])
      expect(rejections).toEqual([])
    } finally {
      process.off('unhandledRejection', onRejection)
    }
  })

  it('keeps at most maxPendingMessages waiting on a hung Redis and drops the rest at once', async () => {
    const {
      instances: [a, b],
    } = await cluster(['a', 'b'], { maxPendingMessages: 10 })
    await server.pause()
    for (let n = 0; n < 50; n++) a!.pubsub.publish('note', { from: 'a', n })
    expect(a!.adapter.status()).toMatchObject({ pending: 10, dropped: 40, published: 0 })
    expect(a!.heard).toHaveLength(50)
    server.resume()
    await waitFor(() => a!.adapter.status().published === 10 && from(b!, 'a').length === 10, {
      what: 'the ten pending publishes to arrive',
    })
    expect(from(b!, 'a')).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(a!.adapter.status()).toMatchObject({ pending: 0, dropped: 40 })
  })

  it('copies the settings of a given ioredis client and leaves that client open', async () => {
    const client = rawClient()
    const adapter = createRedisPubSubAdapter({
      redis: client,
      instanceId: 'from-client',
      channel: 'test:client',
    })
    const {
      instances: [b],
    } = await cluster(['b'])
    const pubsub = createPubSub<Topics>({ adapter })
    try {
      await waitFor(() => adapter.status().connected, { what: 'the adapter to connect' })
      const listener = rawClient()
      const seen: string[] = []
      listener.on('message', (_channel: string, text: string) => seen.push(text))
      await listener.subscribe('test:client')
      pubsub.publish('note', { from: 'from-client', n: 1 })
      await waitFor(() => seen.length === 1, { what: 'the message on the channel' })
      expect(b!.heard).toEqual([])
    } finally {
      pubsub.dispose()
      await adapter.close()
    }
    expect(client.status).toBe('ready')
    expect(await client.ping()).toBe('PONG')
  })

  it('stops delivering and drops publishes once closed', async () => {
    const {
      instances: [a, b],
    } = await cluster(['a', 'b'])
    await a!.adapter.close()
    expect(a!.adapter.status().connected).toBe(false)
    a!.pubsub.publish('note', { from: 'a', n: 1 })
    expect(a!.adapter.status().dropped).toBe(1)
    b!.pubsub.publish('note', { from: 'b', n: 2 })
    await waitFor(() => b!.adapter.status().published === 1, { what: "b's publish" })
    expect(from(a!, 'b')).toEqual([])
    await a!.adapter.close()
  })

  it('rejects invalid options with a ConfigError naming each field', () => {
    const create = (options: object) => () =>
      createRedisPubSubAdapter(options as Parameters<typeof createRedisPubSubAdapter>[0])
    expect(create({ redis: 'http://localhost', instanceId: 'a' })).toThrow(ConfigError)
    expect(create({ redis: 'http://localhost', instanceId: 'a' })).toThrow(/redis: expected a redis:\/\//)
    expect(create({ redis: server.url, instanceId: '' })).toThrow(/instanceId: expected a non-empty/)
    expect(create({ redis: server.url, instanceId: 'a', maxPendingMessages: 0 })).toThrow(
      /maxPendingMessages/,
    )
    expect(create({ redis: server.url, instanceId: 'a', deferMs: -1 })).toThrow(/deferMs/)
    expect(create({ redis: server.url, instanceId: 'a', chanel: 'x' })).toThrow(/chanel: unknown key/)
  })
})
