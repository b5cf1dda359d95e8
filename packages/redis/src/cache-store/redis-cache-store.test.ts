import { type CacheEntry, ConfigError, createResponseCache } from '@chainpulse/core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type ConnectedRedis, startConnectedRedis } from '../testing/start-connected-redis.js'
import { waitFor } from '../testing/wait-for.js'
import {
  createRedisCacheStore,
  type RedisCacheStore,
  type RedisCacheStoreOptions,
} from './redis-cache-store.js'

const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}`
const immutable: CacheEntry = { json: '"0x1"' }
const blockScoped: CacheEntry = { json: '{"number":"0x10"}', block: [16, hash(16)] }
const headScoped: CacheEntry = { json: '"0x20"', head: [32, hash(32)] }

let redis: ConnectedRedis
const stores: RedisCacheStore[] = []

beforeAll(async () => {
  redis = await startConnectedRedis()
})
afterAll(async () => {
  await redis?.stop()
})
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()))
  await redis.reset()
})

async function open(options: Partial<RedisCacheStoreOptions> = {}): Promise<RedisCacheStore> {
  const store = createRedisCacheStore({ redis: redis.server.url, ...options })
  stores.push(store)
  await waitFor(() => store.status().connected, { what: 'the store to connect' })
  return store
}

/** Calls of each command the test server has served (`INFO commandstats`), but INFO itself. */
async function commandCalls(): Promise<Record<string, number>> {
  const stats = await redis.client.info('commandstats')
  return Object.fromEntries(
    [...stats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)]
      .filter(([, name]) => name !== 'info')
      .map(([, name, calls]) => [name!, Number(calls)]),
  )
}

/**
 * The commands served between two {@link commandCalls} readings, leaving out those the test client sent.
 * EVALSHA counts as `eval`: ioredis sends a script as EVAL the first time on a connection, then by hash.
 */
function difference(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const sent: Record<string, number> = {}
  for (const [name, calls] of Object.entries(after)) {
    const key = name === 'evalsha' ? 'eval' : name
    sent[key] = (sent[key] ?? 0) + calls - (before[name] ?? 0)
  }
  return Object.fromEntries(Object.entries(sent).filter(([, calls]) => calls > 0))
}

/** Resolves with how long `run` took, in ms. */
async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now()
  await run()
  return performance.now() - started
}

describe('createRedisCacheStore', () => {
  it('round-trips entries of each shape', async () => {
    const store = await open()
    await store.set('immutable', immutable)
    await store.set('block', blockScoped)
    await store.set('head', headScoped)
    expect(await store.get('immutable')).toEqual(immutable)
    expect(await store.get('block')).toEqual(blockScoped)
    expect(await store.get('head')).toEqual(headScoped)
    expect(store.status()).toMatchObject({ hits: 3, misses: 0, failures: 0 })
  })

  it('stores compact JSON under the key prefix, and only the fields of an entry', async () => {
    const store = await open({ keyPrefix: 'cp:test:' })
    await store.set('ethereum\neth_chainId\n[]', { ...immutable, extra: 'not kept' } as CacheEntry)
    expect(await redis.client.get('cp:test:ethereum\neth_chainId\n[]')).toBe('{"json":"\\"0x1\\""}')
    await store.set('b', blockScoped)
    expect(JSON.parse((await redis.client.get('cp:test:b'))!)).toEqual(blockScoped)
  })

  it('answers a miss for a key it does not hold', async () => {
    const store = await open()
    expect(await store.get('nothing here')).toBeUndefined()
    expect(store.status()).toMatchObject({ hits: 0, misses: 1, failures: 0 })
  })

  it('answers a miss for a stored value that is not an entry, and counts it', async () => {
    const store = await open()
    const values = [
      'not json',
      '{"json":1}',
      '{"json":"x","block":[1]}',
      '{"json":"x","head":["1","0x"]}',
      '7',
    ]
    for (const [i, value] of values.entries()) await redis.client.set(`chainpulse:cache:bad${i}`, value)
    for (let i = 0; i < values.length; i++) expect(await store.get(`bad${i}`)).toBeUndefined()
    expect(store.status()).toMatchObject({ misses: values.length, malformed: values.length, failures: 0 })
  })

  it('expires head-scoped entries after 60 s, block-scoped after a day and the rest after 7 days', async () => {
    const store = await open()
    await store.set('immutable', immutable)
    await store.set('block', blockScoped)
    await store.set('head', headScoped)
    // Both a block and a head: the head's shorter life bounds it.
    await store.set('both', { ...blockScoped, head: headScoped.head! })
    const ttl = (key: string) => redis.client.ttl(`chainpulse:cache:${key}`)
    // TTL counts down from the value set: allow a few seconds for a busy machine.
    expect(await ttl('head')).toBeGreaterThan(55)
    expect(await ttl('head')).toBeLessThanOrEqual(60)
    expect(await ttl('both')).toBeLessThanOrEqual(60)
    expect(await ttl('block')).toBeGreaterThan(86_400 - 5)
    expect(await ttl('block')).toBeLessThanOrEqual(86_400)
    expect(await ttl('immutable')).toBeGreaterThan(7 * 86_400 - 5)
    expect(await ttl('immutable')).toBeLessThanOrEqual(7 * 86_400)
  })

  it('takes each TTL from ttlSeconds', async () => {
    const store = await open({ ttlSeconds: { head: 5, block: 50, immutable: 500 } })
    await store.set('immutable', immutable)
    await store.set('block', blockScoped)
    await store.set('head', headScoped)
    const pttl = (key: string) => redis.client.pttl(`chainpulse:cache:${key}`)
    expect(await pttl('head')).toBeGreaterThan(0)
    expect(await pttl('head')).toBeLessThanOrEqual(5_000)
    expect(await pttl('block')).toBeGreaterThan(5_000)
    expect(await pttl('block')).toBeLessThanOrEqual(50_000)
    expect(await pttl('immutable')).toBeGreaterThan(50_000)
    expect(await pttl('immutable')).toBeLessThanOrEqual(500_000)
  })

  it('shares entries between two stores (two instances) on one Redis', async () => {
    const [a, b] = await Promise.all([open(), open()])
    await a.set('shared', blockScoped)
    expect(await b.get('shared')).toEqual(blockScoped)
    await b.delete('shared')
    expect(await a.get('shared')).toBeUndefined()
  })

  it('sends the commands of one turn together: the reads as one MGET, the writes as one script call', async () => {
    const store = await open()
    await store.set('a', immutable)
    await store.set('b', blockScoped)
    const before = await commandCalls()
    const [a, b, missing] = await Promise.all([
      store.get('a'),
      store.get('b'),
      store.get('missing'),
      store.set('c', headScoped),
      store.set('d', immutable),
    ])
    expect([a, b, missing]).toEqual([immutable, blockScoped, undefined])
    expect(await store.get('c')).toEqual(headScoped)
    expect(await store.get('d')).toEqual(immutable)
    const sent = difference(before, await commandCalls())
    // The first batch: one script call running two SETs, and one MGET of three keys; the reads of c and
    // d: one MGET each.
    expect(sent).toEqual({ eval: 1, mget: 3, set: 2 })
    expect(store.status()).toMatchObject({ hits: 4, misses: 1, failures: 0, pending: 0 })
  })

  it('holds a write for the next read and sends it first in the same batch: the read sees it', async () => {
    const store = await open()
    const before = await commandCalls()
    const written = store.set('w', immutable)
    // A later turn of the event loop, within the write's wait.
    await new Promise((resolve) => setImmediate(resolve))
    expect(await store.get('w')).toEqual(immutable)
    await written
    expect(difference(before, await commandCalls())).toEqual({ eval: 1, set: 1, mget: 1 })
  })

  it("stores a turn's many writes with one script call, each entry with its own TTL", async () => {
    const store = await open()
    const before = await commandCalls()
    const shapes = [immutable, blockScoped, headScoped]
    await Promise.all(Array.from({ length: 60 }, (_, n) => store.set(`many:${n}`, shapes[n % 3]!)))
    expect(difference(before, await commandCalls())).toEqual({ eval: 1, set: 60 })
    const ttls = await Promise.all([0, 1, 2].map((n) => redis.client.ttl(`chainpulse:cache:many:${n}`)))
    expect(ttls[0]).toBeGreaterThan(7 * 86_400 - 5)
    expect(ttls[1]).toBeGreaterThan(86_400 - 5)
    expect(ttls[1]).toBeLessThanOrEqual(86_400)
    expect(ttls[2]).toBeGreaterThan(55)
    expect(ttls[2]).toBeLessThanOrEqual(60)
    for (let n = 0; n < 60; n++) expect(await store.get(`many:${n}`)).toEqual(shapes[n % 3])
    expect(store.status()).toMatchObject({ failures: 0, pending: 0 })
  })

  it("answers a turn's thousands of reads, sent with a write, each at its place", async () => {
    const store = await open({ maxPendingCommands: 5_000 })
    await Promise.all(
      Array.from({ length: 2_500 }, (_, n) => (n % 2 ? store.set(`k:${n}`, immutable) : undefined)),
    )
    const before = await commandCalls()
    const [, ...found] = await Promise.all([
      store.set('k:0', blockScoped),
      ...Array.from({ length: 2_500 }, (_, n) => store.get(`k:${n}`)),
    ])
    expect(found[0]).toEqual(blockScoped)
    for (let n = 1; n < 2_500; n++) expect(found[n]).toEqual(n % 2 ? immutable : undefined)
    // One script call: the SET, then the reads as three MGETs of at most 1,000 keys.
    expect(difference(before, await commandCalls())).toEqual({ eval: 1, set: 1, mget: 3 })
    expect(store.status()).toMatchObject({ failures: 0, pending: 0 })
  })

  it('stores again after Redis forgets the script (SCRIPT FLUSH)', async () => {
    const store = await open()
    await store.set('before', immutable)
    await redis.client.script('FLUSH')
    await store.set('after', blockScoped)
    expect(await redis.client.get('chainpulse:cache:after')).not.toBeNull()
    expect(await store.get('after')).toEqual(blockScoped)
    expect(store.status()).toMatchObject({ failures: 0 })
  })

  it('sends writes waiting for a read when closed, ahead of the QUIT', async () => {
    const store = await open()
    void store.set('late', immutable)
    await store.close()
    expect(await redis.client.get('chainpulse:cache:late')).toBe('{"json":"\\"0x1\\""}')
  })

  it('sends only the last write of a key in a batch: a store deleted at once never reaches Redis', async () => {
    const store = await open()
    await redis.client.set('chainpulse:cache:gone', '{"json":"\\"old\\""}')
    const before = await commandCalls()
    await Promise.all([store.set('gone', immutable), store.delete('gone'), store.set('twice', immutable)])
    await Promise.all([store.set('twice', blockScoped), store.set('twice', headScoped)])
    // Two batches, one script call each.
    expect(difference(before, await commandCalls())).toEqual({ eval: 2, del: 1, set: 2 })
    expect(await redis.client.exists('chainpulse:cache:gone')).toBe(0)
    expect(await store.get('twice')).toEqual(headScoped)
    expect(store.status()).toMatchObject({ failures: 0, pending: 0 })
  })

  it('misses fast while Redis is down, writes quietly, and recovers when it is back', async () => {
    const store = await open()
    await store.set('kept', immutable)
    await redis.server.kill()
    await waitFor(() => !store.status().connected, { what: 'the store to see Redis gone' })
    const elapsed = await timed(async () => {
      expect(await store.get('kept')).toBeUndefined()
      await expect(store.set('other', immutable)).resolves.toBeUndefined()
      await expect(store.delete('kept')).resolves.toBeUndefined()
    })
    expect(elapsed).toBeLessThan(1_000)
    expect(store.status()).toMatchObject({ failures: 3, misses: 1 })

    await redis.server.restart()
    await waitFor(() => store.status().connected, { what: 'the store to reconnect' })
    // The restarted server kept nothing (no persistence): write and read again.
    await store.set('kept', immutable)
    expect(await store.get('kept')).toEqual(immutable)
  })

  it('misses within timeoutMs on a hung Redis, and keeps at most maxPendingCommands waiting', async () => {
    const store = await open({ timeoutMs: 50, maxPendingCommands: 5 })
    await store.set('kept', immutable)
    await redis.server.pause()
    const elapsed = await timed(async () => {
      const answers = await Promise.all(Array.from({ length: 20 }, () => store.get('kept')))
      expect(answers.every((answer) => answer === undefined)).toBe(true)
    })
    // 50 ms timeouts running side by side: well under a second even on a busy machine.
    expect(elapsed).toBeLessThan(1_000)
    expect(store.status()).toMatchObject({ pending: 5, failures: 20, misses: 20 })
    redis.server.resume()
    await waitFor(() => store.status().pending === 0, { what: 'the late answers' })
    expect(await store.get('kept')).toEqual(immutable)
  })

  it('gives up on a whole batch of reads and writes within timeoutMs on a hung Redis', async () => {
    const store = await open({ timeoutMs: 50 })
    await store.set('kept', immutable)
    await redis.server.pause()
    const answers = await Promise.all([
      store.get('kept'),
      store.get('other'),
      store.set('new', immutable),
      store.delete('kept'),
    ])
    expect(answers).toEqual([undefined, undefined, undefined, undefined])
    expect(store.status()).toMatchObject({ failures: 4, misses: 2, pending: 4 })
    redis.server.resume()
    await waitFor(() => store.status().pending === 0, { what: 'the late answers' })
    // Redis ran the batch once it woke: the writes happened, late.
    expect(await store.get('new')).toEqual(immutable)
    expect(await store.get('kept')).toBeUndefined()
  })

  it('resolves a write it cannot encode quietly, as a failure', async () => {
    const store = await open()
    const entry = { json: '1', block: [1n, '0x'] } as unknown as CacheEntry
    await expect(store.set('odd', entry)).resolves.toBeUndefined()
    expect(store.status()).toMatchObject({ failures: 1, pending: 0 })
  })

  it('is accepted as a response cache store', async () => {
    const store = await open()
    expect(() => createResponseCache({ store })).not.toThrow()
  })

  it('misses and writes nothing once closed', async () => {
    const store = await open()
    await store.close()
    expect(store.status().connected).toBe(false)
    expect(await store.get('x')).toBeUndefined()
    await store.set('x', immutable)
    expect(await redis.client.exists('chainpulse:cache:x')).toBe(0)
  })

  it('rejects invalid options with a ConfigError naming each field', () => {
    const create = (options: object) => () => createRedisCacheStore(options as RedisCacheStoreOptions)
    expect(create({ redis: 42 })).toThrow(ConfigError)
    expect(create({ redis: redis.server.url, ttlSeconds: { head: 0 } })).toThrow(/ttlSeconds\.head/)
    expect(create({ redis: redis.server.url, ttlSeconds: { heads: 1 } })).toThrow(
      /ttlSeconds\.heads: unknown key/,
    )
    expect(create({ redis: redis.server.url, timeoutMs: -1 })).toThrow(/timeoutMs/)
  })
})
