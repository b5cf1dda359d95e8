import { createFakeClock } from '@chainpulse/core/testing'
import { createRedisAggregateSync, type RedisAggregateSync } from '@chainpulse/redis'
import { type RedisServer, startRedisServer, waitFor } from '@chainpulse/redis/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type ApiFixture, createApiFixture } from './api-fixture.js'
import type { LeaderboardView } from './views.js'

// Two dashboard APIs over two pools (two instances of a cluster), their stores shared through a real
// Redis by @chainpulse/redis's aggregate sync.
let redis: RedisServer
const fixtures: ApiFixture[] = []
const syncs: RedisAggregateSync[] = []

beforeAll(async () => {
  redis = await startRedisServer()
})
afterAll(async () => {
  await redis?.stop()
})
afterEach(async () => {
  await Promise.all(syncs.splice(0).map((sync) => sync.close()))
  await Promise.all(fixtures.splice(0).map((fixture) => fixture.close()))
})

async function instance(instanceId: string): Promise<{ fixture: ApiFixture; sync: RedisAggregateSync }> {
  let sync: RedisAggregateSync | undefined
  const fixture = createApiFixture({
    aggregates: (pool) => {
      // A clock of its own that never advances: the tests sync explicitly.
      sync = createRedisAggregateSync({
        redis: redis.url,
        instanceId,
        store: pool.store,
        clock: createFakeClock(),
      })
      return sync
    },
  })
  fixtures.push(fixture)
  syncs.push(sync!)
  await waitFor(() => sync!.status().connected, { what: `${instanceId} to connect` })
  return { fixture, sync: sync! }
}

async function get<T>(fixture: ApiFixture, url: string): Promise<T> {
  const reply = await fixture.app.inject({ method: 'GET', url: `/api${url}` })
  expect(reply.statusCode, reply.body).toBe(200)
  return reply.json() as T
}

const races = (view: LeaderboardView) =>
  Object.fromEntries(view.leaderboard.map((row) => [row.providerId, [row.wins, row.losses]]))

describe('dashboard API over a cluster', () => {
  it('answers the same leaderboard and RPC stats on both instances once each has synced', async () => {
    const one = await instance('one')
    const two = await instance('two')
    // Races each instance saw on its own streams, and calls made through its own pool.
    one.fixture.pool.store.recordRaceWin('ethereum', 'a', 'newHeads', 1)
    one.fixture.pool.store.recordRaceLoss('ethereum', 'b', 'newHeads', 1, 12)
    two.fixture.pool.store.recordRaceWin('ethereum', 'b', 'newHeads', 2)
    two.fixture.pool.store.recordRaceLoss('ethereum', 'a', 'newHeads', 2, 30)
    two.fixture.pool.store.recordRaceWin('ethereum', 'b', 'newHeads', 3)
    two.fixture.pool.store.recordRaceLoss('ethereum', 'a', 'newHeads', 3, 8)
    const call = { method: 'eth_blockNumber', strategy: 'priority', durationMs: 5, ok: true }
    for (let k = 0; k < 3; k++) one.fixture.pool.store.recordRpcCall('ethereum', { providerId: 'a', ...call })
    for (let k = 0; k < 4; k++) two.fixture.pool.store.recordRpcCall('ethereum', { providerId: 'b', ...call })

    // Each instance's sync interval: the later writer of the first round is read in the second.
    for (let round = 0; round < 2; round++) for (const { sync } of [one, two]) await sync.syncNow()

    const boards = await Promise.all(
      [one, two].map(({ fixture }) => get<LeaderboardView>(fixture, '/leaderboard/ethereum')),
    )
    for (const board of boards) {
      expect(board.scope).toBe('cluster')
      expect(races(board)).toEqual({ a: [1, 2], b: [2, 1] })
      expect(board.margins.count).toBe(3)
      expect(board.marginsByProvider.a?.count).toBe(2)
    }
    expect(boards[0]).toEqual(boards[1])

    type RpcStats = { scope: string; rows: { providerId: string; count: number }[] }
    for (const { fixture } of [one, two]) {
      const stats = await get<RpcStats>(fixture, '/rpc-stats/ethereum?groupBy=providerId')
      expect(stats.scope).toBe('cluster')
      expect(stats.rows.map((row) => [row.providerId, row.count])).toEqual([
        ['a', 3],
        ['b', 4],
      ])
    }
    // Each instance's own figures are still there, counted once.
    const own = await get<LeaderboardView>(one.fixture, '/leaderboard/ethereum?scope=instance')
    expect(own.scope).toBe('instance')
    expect(races(own)).toEqual({ a: [1, 0], b: [0, 1] })
    const ownCalls = await get<RpcStats>(two.fixture, '/rpc-stats/ethereum?groupBy=providerId&scope=instance')
    expect(ownCalls.rows.map((row) => [row.providerId, row.count])).toEqual([['b', 4]])
  })

  it('says instance, not cluster, while the cluster is out of reach', async () => {
    const one = await instance('one')
    one.fixture.pool.store.recordRaceWin('ethereum', 'a', 'newHeads', 1)
    await redis.kill()
    await waitFor(() => !one.sync.status().connected, { what: 'the sync to see Redis gone' })
    await one.sync.syncNow()
    const board = await get<LeaderboardView>(one.fixture, '/leaderboard/ethereum')
    expect(board.scope).toBe('instance')
    expect(races(board)).toEqual({ a: [1, 0] })
    await redis.restart()
  })

  it('rejects an unknown scope', async () => {
    const one = await instance('one')
    const reply = await one.fixture.app.inject({
      method: 'GET',
      url: '/api/leaderboard/ethereum?scope=everyone',
    })
    expect(reply.statusCode).toBe(400)
  })
})
