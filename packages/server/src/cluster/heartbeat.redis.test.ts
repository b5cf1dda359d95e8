import { systemClock } from '@chainpulse/core'
import { type ConnectedRedis, startConnectedRedis, waitFor } from '@chainpulse/redis/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHeartbeat } from './heartbeat.js'

let redis: ConnectedRedis
beforeAll(async () => {
  redis = await startConnectedRedis()
})
afterAll(async () => {
  await redis?.stop()
})

const report = () => ({
  startedAt: 1,
  version: '1.0.0',
  requestsPerSecond: 0,
  providers: { healthy: 1, total: 1 },
})

describe('startHeartbeat over a real Redis', { timeout: 30_000 }, () => {
  it('lists the instances without scanning a keyspace full of cache entries, and forgets a stopped one', async () => {
    const client = redis.client
    // A shared cache's worth of other keys: a beat must not walk them.
    for (let start = 0; start < 20_000; start += 1_000)
      await client.mset(...Array.from({ length: 1_000 }, (_, n) => [`hb:cache:${start + n}`, 'x']).flat())
    const before = await client.info('commandstats')
    const options = { redis: client, keyPrefix: 'hb:', intervalMs: 200, clock: systemClock }
    const a = startHeartbeat({ ...options, instanceId: 'a', report })
    const b = startHeartbeat({ ...options, instanceId: 'b', report })
    await b.beat()
    await a.beat()
    await a.beat()
    expect(a.members().instances.map((instance) => [instance.instanceId, instance.self])).toEqual([
      ['a', true],
      ['b', false],
    ])
    const scans = (stats: string) => Number(/^cmdstat_scan:calls=(\d+)/m.exec(stats)?.[1] ?? 0)
    expect(scans(await client.info('commandstats'))).toBe(scans(before))

    // b stops beating: its key expires after three intervals, and a's next beats drop it from the index.
    b.stop()
    await waitFor(
      async () => {
        await a.beat()
        return a.members().instances.length === 1
      },
      { what: "b's heartbeat to expire" },
    )
    expect(await client.smembers('hb:instances')).toEqual(['a'])
    a.stop()
  })
})
