import type { FastifyRateLimitOptions, FastifyRateLimitStore } from '@fastify/rate-limit'
import { describe, expect, it } from 'vitest'
import { sharedRateLimitStore } from './shared-rate-limit-store.js'

function incr(store: FastifyRateLimitStore, key: string, timeWindow = 1_000) {
  return new Promise<{ current: number; ttl: number }>((resolve, reject) =>
    store.incr(key, (error, result) => (error ? reject(error) : resolve(result!)), timeWindow, 10),
  )
}

describe('sharedRateLimitStore', () => {
  it('counts in Redis, under the prefix', async () => {
    const calls: unknown[][] = []
    const redis = {
      eval: (...args: unknown[]) => {
        calls.push(args)
        return Promise.resolve([3, 700])
      },
    }
    const Store = sharedRateLimitStore(redis as never, 'cp:ratelimit:')
    const store = new Store({} as FastifyRateLimitOptions)
    expect(await incr(store, 'client')).toEqual({ current: 3, ttl: 700 })
    expect(calls[0]!.slice(1)).toEqual([1, 'cp:ratelimit:client', 1_000])
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
})
