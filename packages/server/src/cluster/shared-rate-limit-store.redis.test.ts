import { createHash } from 'node:crypto'
import type { RedisConnection } from '@chainpulse/redis'
import { type ConnectedRedis, startConnectedRedis } from '@chainpulse/redis/testing'
import type { FastifyRateLimitOptions, FastifyRateLimitStore } from '@fastify/rate-limit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { leaseCap, sharedRateLimitStore } from './shared-rate-limit-store.js'

// The lease script on a real redis-server: slots numbered across instances, leases clamped at the limit.

let shared: ConnectedRedis
beforeAll(async () => {
  shared = await startConnectedRedis()
})
afterAll(async () => {
  await shared?.stop()
})

/** Where the store counts a client in Redis: under a hash of its key. */
const redisKey = (key: string) => `test:ratelimit:${createHash('sha256').update(key).digest('base64url')}`

function incr(store: FastifyRateLimitStore, key: string, timeWindow: number, max: number) {
  return new Promise<{ current: number; ttl: number }>((resolve, reject) =>
    store.incr(key, (error, result) => (error ? reject(error) : resolve(result!)), timeWindow, max),
  )
}

/** An instance's store over the shared connection, counting the lease requests it sends. */
function instance() {
  const sent = { leases: 0 }
  const redis = {
    eval: (...args: Parameters<RedisConnection['client']['eval']>) => {
      sent.leases++
      return shared.client.eval(...args)
    },
  }
  const Store = sharedRateLimitStore(redis as never, 'test:ratelimit:')
  return { store: new Store({} as FastifyRateLimitOptions), sent }
}

describe('sharedRateLimitStore over a real Redis', { timeout: 30_000 }, () => {
  it('lets a client spread over three instances through exactly max times, in far fewer round trips', async () => {
    const instances = [instance(), instance(), instance()]
    const currents: number[] = []
    for (let i = 0; i < 3_000; i++)
      currents.push((await incr(instances[i % 3]!.store, 'spread', 60_000, 1_600)).current)
    const admitted = currents.filter((current) => current <= 1_600)
    expect(new Set(admitted).size).toBe(1_600)
    expect(admitted.length).toBe(1_600)
    const leases = instances.reduce((sum, { sent }) => sum + sent.leases, 0)
    // Leases of up to 50 slots while the budget lasts; past it, one more per instance, then none.
    expect(leases).toBeLessThan(100)
    expect(Number(await shared.client.get(redisKey('spread')))).toBeLessThanOrEqual(1_600 + 3)
  })

  it('clamps a lease at the limit and starts the window with the expiry given', async () => {
    const { store } = instance()
    const max = 64 * 4 // a lease cap of 8
    expect(leaseCap(max)).toBe(8)
    const currents: number[] = []
    for (let i = 0; i < max + 2; i++) currents.push((await incr(store, 'clamped', 30_000, max)).current)
    expect(currents).toEqual(Array.from({ length: max + 2 }, (_, i) => i + 1))
    // Leases stop at the limit; the first refused request takes one slot past it, the next none.
    expect(Number(await shared.client.get(redisKey('clamped')))).toBe(max + 1)
    const ttl = await shared.client.pttl(redisKey('clamped'))
    expect(ttl).toBeGreaterThan(0)
    expect(ttl).toBeLessThanOrEqual(30_000)
  })
})
