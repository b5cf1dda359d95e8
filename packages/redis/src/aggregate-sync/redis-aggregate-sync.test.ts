import {
  type BenchmarkStore,
  ConfigError,
  createBenchmarkStore,
  type RpcStatsDimension,
} from '@chainpulse/core'
import { createFakeClock } from '@chainpulse/core/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type ConnectedRedis, startConnectedRedis } from '../testing/start-connected-redis.js'
import { waitFor } from '../testing/wait-for.js'
import {
  createRedisAggregateSync,
  type RedisAggregateSync,
  type RedisAggregateSyncOptions,
} from './redis-aggregate-sync.js'
import { encodeShared } from './shared-snapshot.js'

let redis: ConnectedRedis
const syncs: RedisAggregateSync[] = []

beforeAll(async () => {
  redis = await startConnectedRedis()
})
afterAll(async () => {
  await redis?.stop()
})
afterEach(async () => {
  await Promise.all(syncs.splice(0).map((sync) => sync.close()))
  await redis.reset()
})

/**
 * A sync whose timer never fires (fake clock), connected and past its first sync: the tests sync
 * explicitly with `syncNow()`.
 */
async function open(
  instanceId: string,
  store: BenchmarkStore,
  options: Partial<RedisAggregateSyncOptions> = {},
): Promise<RedisAggregateSync> {
  const sync = createRedisAggregateSync({
    redis: redis.server.url,
    instanceId,
    store,
    clock: createFakeClock(),
    onError: () => {},
    ...options,
  })
  syncs.push(sync)
  await waitFor(() => sync.status().connected, { what: `${instanceId} to connect` })
  // The first sync runs by itself once connected: a test's own syncNow() during it would join it, and
  // its read may predate what the test wrote to Redis.
  await waitFor(() => sync.status().syncs + sync.status().failures >= 1, {
    what: `${instanceId}'s first sync`,
  })
  return sync
}

/** Feeds `count` races and calls into `store`; the same `seed` gives the same records. */
function feed(store: BenchmarkStore, seed: number, count: number): void {
  const providers = ['alchemy', 'infura', 'quicknode']
  for (let k = 0; k < count; k++) {
    const n = seed * 1_000 + k
    const provider = providers[n % 3]!
    const other = providers[(n + 1) % 3]!
    store.recordRaceWin('ethereum', provider, n % 5 === 0 ? 'logs' : 'newHeads', n)
    store.recordRaceLoss('ethereum', other, 'newHeads', n, (n * 7) % 90)
    store.recordRpcCall('ethereum', {
      providerId: provider,
      method: n % 2 === 0 ? 'eth_call' : 'eth_getLogs',
      strategy: n % 3 === 0 ? 'fastest' : 'round-robin',
      durationMs: 5 + ((n * 13) % 400),
      ok: n % 11 !== 0,
    })
    if (n % 4 === 0) store.recordRaceWin('base', provider, 'newHeads', n)
  }
}

const GROUPINGS: RpcStatsDimension[][] = [['method', 'strategy', 'providerId'], ['providerId'], ['strategy']]

/** What every instance's view must answer: one store fed every instance's records. */
function expectSameFigures(view: ReturnType<RedisAggregateSync['clusterStore']>, whole: BenchmarkStore) {
  for (const chain of ['ethereum', 'base']) {
    const counts = (rows: { providerId: string; wins: number; losses: number }[]) =>
      rows.map(({ providerId, wins, losses }) => ({ providerId, wins, losses }))
    expect(counts(view.leaderboard(chain))).toEqual(counts(whole.leaderboard(chain)))
    expect(view.marginStats(chain).count).toBe(whole.marginStats(chain).count)
    expect(view.marginStats(chain).p95Ms).toBe(whole.marginStats(chain).p95Ms)
    for (const groupBy of GROUPINGS) {
      const rows = (all: ReturnType<BenchmarkStore['rpcStats']>) =>
        all.map(({ meanMs: _mean, ...row }) => row)
      expect(rows(view.rpcStats(chain, groupBy))).toEqual(rows(whole.rpcStats(chain, groupBy)))
    }
  }
}

describe('createRedisAggregateSync', () => {
  it('gives every instance the sum of all instances’ figures after each has synced twice', async () => {
    const whole = createBenchmarkStore()
    const stores = [1, 2, 3].map((seed) => {
      const store = createBenchmarkStore()
      feed(store, seed, 200 * seed)
      feed(whole, seed, 200 * seed)
      return store
    })
    const instances = await Promise.all(stores.map((store, index) => open(`proxy-${index + 1}`, store)))
    // One round writes everything; the second reads what the later writers of the first round wrote.
    for (let round = 0; round < 2; round++) for (const sync of instances) await sync.syncNow()
    for (const sync of instances) {
      expect(sync.status()).toMatchObject({ scope: 'cluster', others: 2, failures: 0, malformed: 0 })
      expect(sync.instances()).toHaveLength(3)
      expectSameFigures(sync.clusterStore(), whole)
    }
    expect(instances[1]!.instances()).toEqual(['proxy-2', 'proxy-1', 'proxy-3'])
  })

  it('never counts an instance twice, however often it syncs', async () => {
    const a = createBenchmarkStore()
    const b = createBenchmarkStore()
    feed(a, 1, 50)
    feed(b, 2, 70)
    const syncA = await open('a', a)
    const syncB = await open('b', b)
    for (let k = 0; k < 10; k++) await syncA.syncNow()
    await syncB.syncNow()
    for (let k = 0; k < 5; k++) await syncA.syncNow()
    const races = (sync: RedisAggregateSync) =>
      sync
        .clusterStore()
        .leaderboard('ethereum')
        .reduce((sum, row) => sum + row.totalRaces, 0)
    expect(races(syncA)).toBe(2 * (50 + 70))
    expect(races(syncB)).toBe(2 * (50 + 70))
  })

  it("shows another instance's records within one interval: once that instance has synced, before its own next sync", async () => {
    // One fake clock, two instances a phase apart: b syncs at 0, 1,000, 2,000…; a at 600, 1,600, 2,600….
    const clock = createFakeClock()
    const options = { clock, intervalMs: 1_000 }
    const a = createBenchmarkStore()
    const b = createBenchmarkStore()
    const syncB = await open('b', b, options)
    await waitFor(() => syncB.status().syncs === 1, { what: "b's first sync" })
    clock.advance(600)
    const syncA = await open('a', a, options)
    await waitFor(() => syncA.status().syncs === 1, { what: "a's first sync" })
    clock.advance(400)
    await waitFor(() => syncB.status().syncs === 2, { what: "b's sync at 1,000" })
    const races = () =>
      syncB
        .clusterStore()
        .leaderboard('ethereum')
        .reduce((sum, row) => sum + row.totalRaces, 0)
    expect(races()).toBe(0)

    // Each round, a records right after b's sync; b's next sync is a whole interval away, a's 600 ms.
    for (let round = 1; round <= 4; round++) {
      feed(a, round, 10)
      const syncsOfB = syncB.status().syncs
      clock.advance(600)
      await waitFor(() => races() === 2 * 10 * round, {
        what: `b's view to show a's records of round ${round}`,
      })
      // b has not synced: the figures came with a's sync. And a's earlier values were replaced, not added.
      expect(syncB.status().syncs).toBe(syncsOfB)
      expect(syncB.status().peers).toEqual(['a'])
      clock.advance(400)
      await waitFor(() => syncB.status().syncs === syncsOfB + 1, { what: "b's own sync" })
      expect(races()).toBe(2 * 10 * round)
    }
    expect(syncB.status().peerUpdates).toBeGreaterThanOrEqual(4)
    expect(syncB.status().malformed).toBe(0)
  })

  it('keeps the latest of two values of an instance, whichever arrives last', async () => {
    const sync = await open('b', createBenchmarkStore())
    await sync.syncNow()
    const newer = createBenchmarkStore()
    feed(newer, 1, 20)
    const older = createBenchmarkStore()
    feed(older, 1, 5)
    const publish = async (seq: number, store: BenchmarkStore) =>
      redis.client.publish(
        'chainpulse:aggregates:synced',
        Buffer.concat([
          Buffer.from('a\n'),
          await encodeShared({ instanceId: 'a', run: 'run-1', seq, snapshot: store.snapshot() }),
        ]),
      )
    const races = () =>
      sync
        .clusterStore()
        .leaderboard('ethereum')
        .reduce((sum, row) => sum + row.totalRaces, 0)
    await publish(2, newer)
    await waitFor(() => races() === 40, { what: 'the newer value' })
    // A late arrival of an earlier value of the same run is ignored…
    await publish(1, older)
    await publish(3, newer)
    await waitFor(() => sync.status().peerUpdates === 2, { what: 'the third value' })
    expect(races()).toBe(40)
    // …but a new run (the instance restarted) starts afresh.
    await redis.client.publish(
      'chainpulse:aggregates:synced',
      Buffer.concat([
        Buffer.from('a\n'),
        await encodeShared({ instanceId: 'a', run: 'run-2', seq: 1, snapshot: older.snapshot() }),
      ]),
    )
    await waitFor(() => races() === 10, { what: "the restarted instance's value" })
  })

  it('shows new local records at the next sync, and its own live figures without Redis', async () => {
    const store = createBenchmarkStore()
    const sync = await open('a', store)
    await sync.syncNow()
    expect(sync.clusterStore().leaderboard('ethereum')).toEqual([])
    store.recordRaceWin('ethereum', 'alchemy', 'newHeads', 1)
    // The view is rebuilt at most once per sync.
    expect(sync.clusterStore().leaderboard('ethereum')).toEqual([])
    await sync.syncNow()
    expect(sync.clusterStore().leaderboard('ethereum')[0]).toMatchObject({ providerId: 'alchemy', wins: 1 })
  })

  it('drops an instance that stopped syncing once its TTL has passed', async () => {
    const a = createBenchmarkStore()
    const b = createBenchmarkStore()
    feed(a, 1, 10)
    feed(b, 2, 10)
    const options = { intervalMs: 50, ttlMs: 300 }
    const syncA = await open('a', a, options)
    const syncB = await open('b', b, options)
    await syncA.syncNow()
    await syncB.syncNow()
    expect(syncB.instances()).toEqual(['b', 'a'])
    await syncA.close()
    await waitFor(
      async () => {
        await syncB.syncNow()
        return syncB.instances().length === 1
      },
      { what: 'a to expire', intervalMs: 50 },
    )
    expect(
      syncB
        .clusterStore()
        .leaderboard('ethereum')
        .reduce((sum, row) => sum + row.totalRaces, 0),
    ).toBe(20)
    // The expired instance is gone from the index too, not only from the view.
    expect(await redis.client.smembers('chainpulse:aggregates:index')).toEqual(['b'])
  })

  it('falls back to local figures while Redis is down, says so, and rejoins when it is back', async () => {
    const a = createBenchmarkStore()
    const b = createBenchmarkStore()
    feed(a, 1, 30)
    feed(b, 2, 30)
    const syncA = await open('a', a)
    const syncB = await open('b', b)
    await syncB.syncNow()
    await syncA.syncNow()
    expect(syncA.status()).toMatchObject({ scope: 'cluster', others: 1 })

    await redis.server.kill()
    await waitFor(() => !syncA.status().connected, { what: 'a to see Redis gone' })
    await expect(syncA.syncNow()).resolves.toBeUndefined()
    expect(syncA.status()).toMatchObject({ scope: 'local', others: 0, failures: 1 })
    expect(syncA.status().lastError?.message).toMatch(/Redis/)
    expect(syncA.instances()).toEqual(['a'])
    expect(
      syncA
        .clusterStore()
        .leaderboard('ethereum')
        .reduce((sum, row) => sum + row.totalRaces, 0),
    ).toBe(60)

    await redis.server.restart()
    await waitFor(() => syncA.status().connected && syncB.status().connected, { what: 'both to reconnect' })
    // Redis came back empty: b shows up once it has synced again.
    await syncA.syncNow()
    await syncB.syncNow()
    await syncA.syncNow()
    expect(syncA.status()).toMatchObject({ scope: 'cluster', others: 1 })
    expect(
      syncA
        .clusterStore()
        .leaderboard('ethereum')
        .reduce((sum, row) => sum + row.totalRaces, 0),
    ).toBe(120)
  })

  it('gives up on a hung Redis within timeoutMs, without throwing', async () => {
    const sync = await open('a', createBenchmarkStore(), { timeoutMs: 200 })
    await redis.server.pause()
    const started = performance.now()
    await sync.syncNow()
    expect(performance.now() - started).toBeLessThan(5_000)
    expect(sync.status()).toMatchObject({ scope: 'local', failures: 1 })
  })

  it('leaves out and counts values that are not aggregates', async () => {
    const a = createBenchmarkStore()
    feed(a, 1, 10)
    const sync = await open('a', a)
    await redis.client.sadd('chainpulse:aggregates:index', 'junk', 'bad-snapshot')
    await redis.client.set('chainpulse:aggregates:instance:junk', 'not deflated json')
    const badSnapshot = { version: 1, savedAt: 0, chains: [{ chain: 'x' }] } as never
    await redis.client.set(
      'chainpulse:aggregates:instance:bad-snapshot',
      await encodeShared({ instanceId: 'bad-snapshot', run: 'r', seq: 1, snapshot: badSnapshot }),
    )
    await sync.syncNow()
    expect(sync.status()).toMatchObject({ scope: 'cluster', others: 0, malformed: 2 })
    expect(
      sync
        .clusterStore()
        .leaderboard('ethereum')
        .reduce((sum, row) => sum + row.totalRaces, 0),
    ).toBe(20)
  })

  it('shares aggregates only, with a TTL, under its key prefix', async () => {
    const store = createBenchmarkStore()
    feed(store, 1, 2_000)
    const sync = await open('a', store, { keyPrefix: 'cp:agg:', intervalMs: 1_000, ttlMs: 4_000 })
    await sync.syncNow()
    const pttl = await redis.client.pttl('cp:agg:instance:a')
    expect(pttl).toBeGreaterThan(0)
    expect(pttl).toBeLessThanOrEqual(4_000)
    // 2,000 rows per entry table would be ~100 KB; the aggregates deflate to a few KB.
    const stored = await redis.client.getBuffer('cp:agg:instance:a')
    expect(stored!.length).toBe(sync.status().sharedBytes)
    expect(sync.status().sharedBytes).toBeLessThan(20_000)
  })

  it('syncs on its own every intervalMs', async () => {
    const clock = createFakeClock()
    const sync = await open('a', createBenchmarkStore(), { clock, intervalMs: 1_000 })
    // The first sync runs once connected, without waiting an interval.
    await waitFor(() => sync.status().syncs === 1, { what: 'the first sync' })
    clock.advance(1_000)
    await waitFor(() => sync.status().syncs === 2, { what: 'the timed sync' })
    expect(sync.status().lastSyncAt).toBe(1_000)
  })

  it('ranks the cluster leaderboard with the given score', async () => {
    const store = createBenchmarkStore()
    store.recordRaceWin('ethereum', 'fast', 'newHeads', 1)
    store.recordRaceLoss('ethereum', 'slow', 'newHeads', 1, 50)
    // A score that prefers losers: the view must rank by it, not by the default.
    const sync = await open('a', store, { score: (stats) => stats.losses })
    await sync.syncNow()
    expect(
      sync
        .clusterStore()
        .leaderboard('ethereum')
        .map((row) => [row.providerId, row.score]),
    ).toEqual([
      ['slow', 1],
      ['fast', 0],
    ])
  })

  it('rejects invalid options', () => {
    const store = createBenchmarkStore()
    expect(() => createRedisAggregateSync({ redis: 'nope', instanceId: 'a', store })).toThrow(ConfigError)
    expect(() => createRedisAggregateSync({ redis: redis.server.url, instanceId: '', store })).toThrow(
      ConfigError,
    )
    expect(() =>
      createRedisAggregateSync({
        redis: redis.server.url,
        instanceId: 'a',
        store,
        intervalMs: 1_000,
        ttlMs: 1_000,
      }),
    ).toThrow(/ttlMs/)
    expect(() =>
      createRedisAggregateSync({ redis: redis.server.url, instanceId: 'a', store: {} as never }),
    ).toThrow(ConfigError)
  })
})
