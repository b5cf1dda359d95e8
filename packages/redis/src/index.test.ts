import { describe, expect, it } from 'vitest'
import * as redis from './index.js'
import * as testing from './testing/index.js'

// The public API, spelled out: a change here is a deliberate change of what users may import.
describe('exports', () => {
  it('of @chainpulse/redis', () => {
    expect(Object.keys(redis).sort()).toEqual([
      'createRedisAggregateSync',
      'createRedisCacheStore',
      'createRedisConnection',
      'createRedisPubSubAdapter',
    ])
  })

  it('of @chainpulse/redis/testing', () => {
    expect(Object.keys(testing).sort()).toEqual(['startConnectedRedis', 'startRedisServer', 'waitFor'])
  })
})
