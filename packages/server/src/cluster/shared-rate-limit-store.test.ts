import { createHash } from 'node:crypto'
import type { FastifyRateLimitOptions, FastifyRateLimitStore } from '@fastify/rate-limit'
import { describe, expect, it } from 'vitest'
import { leaseCap, MAX_LEASE, sharedRateLimitStore } from './shared-rate-limit-store.js'

function incr(store: FastifyRateLimitStore, key: string, timeWindow = 1_000, max = 10) {
  return new Promise<{ current: number; ttl: number }>((resolve, reject) =>
    store.incr(key, (error, result) => (error ? reject(error) : resolve(result!)), timeWindow, max),
  )
}

/**
 * A stand-in for Redis running the lease script's rules (its real run is in
 * shared-rate-limit-store.redis.test.ts): one counter per key, a window of `timeWindow` ms from its
 * first slot on the injected clock. Records every call.
 */
function fakeRedis(clock: { now: number }) {
  const windows = new Map<string, { taken: number; resetAt: number }>()
  const calls: unknown[][] = []
  return {
    calls,
    eval(_script: string, _keys: number, key: string, want: number, timeWindow: number, max: number) {
      calls.push([key, want, timeWindow, max])
      let window = windows.get(key)
      if (!window || window.resetAt <= clock.now) {
        window = { taken: 0, resetAt: clock.now + timeWindow }
        windows.set(key, window)
      }
      const taken = window.taken + want > max ? Math.max(max - window.taken, 1) : want
      window.taken += taken
      return Promise.resolve([window.taken, taken, window.resetAt - clock.now])
    },
  }
}

function open(redis: { eval: unknown }, clock = { now: 0 }) {
  const Store = sharedRateLimitStore(redis as never, 'cp:ratelimit:', () => clock.now)
  return new Store({} as FastifyRateLimitOptions)
}

const sha256 = (key: string) => createHash('sha256').update(key).digest('base64url')

describe('sharedRateLimitStore', () => {
  it("counts in Redis under the prefix and the client key's hash, asking for one slot at a window start", async () => {
    const clock = { now: 0 }
    const redis = fakeRedis(clock)
    const store = open(redis, clock)
    expect(await incr(store, 'client', 1_000, 100)).toEqual({ current: 1, ttl: 1_000 })
    expect(redis.calls).toEqual([[`cp:ratelimit:${sha256('client')}`, 1, 1_000, 100]])
  })

  it("never sends a client's key (an API key) to Redis, only its hash, in every window", async () => {
    const clock = { now: 0 }
    const redis = fakeRedis(clock)
    const store = open(redis, clock)
    const apiKey = 'sk_live_secret'
    for (let i = 0; i < 40; i++) {
      await incr(store, apiKey, 1_000, 100)
      clock.now += 100
    }
    expect(redis.calls.length).toBeGreaterThan(4)
    for (const [key] of redis.calls) expect(key).toBe(`cp:ratelimit:${sha256(apiKey)}`)
    expect(JSON.stringify(redis.calls)).not.toContain(apiKey)
  })

  it('takes slots in leases that double up to the cap, one Redis call per lease', async () => {
    const clock = { now: 0 }
    const redis = fakeRedis(clock)
    const store = open(redis, clock)
    const currents: number[] = []
    for (let i = 0; i < 1_000; i++) currents.push((await incr(store, 'busy', 60_000, 1_000_000)).current)
    expect(currents).toEqual(Array.from({ length: 1_000 }, (_, i) => i + 1))
    // 1 + 2 + ... + 128 = 255 slots, then leases of MAX_LEASE (256): three more reach 1,023.
    expect(redis.calls.map((call) => call[1])).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 256, 256])
  })

  it('counts small limits request by request: a lease is at most a thirty-second of the limit', () => {
    expect(leaseCap(30)).toBe(1)
    expect(leaseCap(63)).toBe(1)
    expect(leaseCap(64)).toBe(2)
    expect(leaseCap(3_200)).toBe(100)
    expect(leaseCap(1_000_000_000)).toBe(MAX_LEASE)
  })

  it('never lets a client spread over instances through more than max times per window', async () => {
    const clock = { now: 0 }
    const redis = fakeRedis(clock)
    const instances = [open(redis, clock), open(redis, clock), open(redis, clock)]
    const currents: number[] = []
    for (let i = 0; i < 3_000; i++)
      currents.push((await incr(instances[i % 3]!, 'spread', 60_000, 1_600)).current)
    // Each slot within the limit is handed out once, across instances: all of the limit is used.
    const admitted = currents.filter((current) => current <= 1_600)
    expect(new Set(admitted).size).toBe(1_600)
    expect(admitted.length).toBe(1_600)
    expect(redis.calls.every((call) => (call[1] as number) <= leaseCap(1_600))).toBe(true)
  })

  it('gives concurrent requests one lease request at a time, each a slot in arrival order', async () => {
    const clock = { now: 0 }
    const redis = fakeRedis(clock)
    const store = open(redis, clock)
    const answers = await Promise.all(Array.from({ length: 10 }, () => incr(store, 'burst', 1_000, 1_000)))
    expect(answers.map((answer) => answer.current)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(redis.calls.map((call) => call[1])).toEqual([1, 2, 4, 8])
  })

  it("drops a lease at its window's end and starts the next window with one slot", async () => {
    const clock = { now: 0 }
    const redis = fakeRedis(clock)
    const store = open(redis, clock)
    for (let i = 0; i < 4; i++) await incr(store, 'a', 1_000, 1_000) // leases of 1, 2 and 4: slots 5 to 7 left
    clock.now = 999
    expect(await incr(store, 'a', 1_000, 1_000)).toEqual({ current: 5, ttl: 1 })
    clock.now = 1_000
    expect(await incr(store, 'a', 1_000, 1_000)).toEqual({ current: 1, ttl: 1_000 })
    expect(redis.calls.map((call) => call[1])).toEqual([1, 2, 4, 1])
  })

  it('refuses a client past the limit until the window ends without asking Redis again', async () => {
    const clock = { now: 0 }
    const redis = fakeRedis(clock)
    const store = open(redis, clock)
    const currents: number[] = []
    for (let i = 0; i < 6; i++) currents.push((await incr(store, 'a', 1_000, 3)).current)
    expect(currents).toEqual([1, 2, 3, 4, 5, 6])
    expect(redis.calls.length).toBe(4) // slots 1, 2, 3, then the first past the limit
    clock.now = 1_000
    expect(await incr(store, 'a', 1_000, 3)).toEqual({ current: 1, ttl: 1_000 })
    expect(redis.calls.length).toBe(5)
  })

  it('counts a fixed window in the process while Redis fails', async () => {
    let now = 0
    const redis = { eval: () => Promise.reject(new Error("Stream isn't writeable")) }
    const Store = sharedRateLimitStore(redis as never, 'cp:', () => now)
    const store = new Store({} as FastifyRateLimitOptions)
    expect(await incr(store, 'a')).toEqual({ current: 1, ttl: 1_000 })
    now = 400
    expect(await incr(store, 'a')).toEqual({ current: 2, ttl: 600 })
    expect(await incr(store, 'b')).toEqual({ current: 1, ttl: 1_000 })
    now = 1_000
    expect(await incr(store, 'a')).toEqual({ current: 1, ttl: 1_000 })
  })

  it('uses the slots it holds while Redis fails, then counts the rest in the process', async () => {
    const clock = { now: 0 }
    const redis = fakeRedis(clock)
    const store = open(redis, clock)
    for (let i = 0; i < 3; i++) await incr(store, 'a', 1_000, 1_000) // leases of 1 and 2
    // A lease of 4: slots 4 to 7.
    expect(await incr(store, 'a', 1_000, 1_000)).toMatchObject({ current: 4 })
    redis.eval = () => Promise.reject(new Error('Connection is closed.'))
    const currents: number[] = []
    for (let i = 0; i < 5; i++) currents.push((await incr(store, 'a', 1_000, 1_000)).current)
    // Slots 5 to 7 of the shared window, then the local window's first and second requests.
    expect(currents).toEqual([5, 6, 7, 1, 2])
  })

  it('serves every waiting request from the process when a lease request fails', async () => {
    const redis = { eval: () => Promise.reject(new Error('Command timed out')) }
    const store = open(redis)
    const answers = await Promise.all(Array.from({ length: 3 }, () => incr(store, 'a')))
    expect(answers.map((answer) => answer.current)).toEqual([1, 2, 3])
  })
})
