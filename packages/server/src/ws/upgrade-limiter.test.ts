import { createFakeClock } from '@chainpulse/core/testing'
import { describe, expect, it } from 'vitest'
import { createUpgradeLimiter } from './upgrade-limiter.js'

describe('createUpgradeLimiter', () => {
  it('refuses the attempt past max from one IP until the window ends, counting IPs apart', () => {
    const clock = createFakeClock()
    clock.advance(2_500)
    const limiter = createUpgradeLimiter({
      maxConnections: 100,
      rateLimit: { max: 2, timeWindowMs: 1_000 },
      clock,
    })
    expect(limiter.admit('10.0.0.1')).toBeUndefined()
    expect(limiter.admit('10.0.0.1')).toBeUndefined()
    expect(limiter.admit('10.0.0.1')).toEqual({
      reason: 'rate-limited',
      max: 2,
      timeWindowMs: 1_000,
      retryAfterMs: 500,
    })
    expect(limiter.admit('10.0.0.2')).toBeUndefined()
    clock.advance(499)
    expect(limiter.admit('10.0.0.1')).toMatchObject({ reason: 'rate-limited', retryAfterMs: 1 })
    clock.advance(1)
    expect(limiter.admit('10.0.0.1')).toBeUndefined()
  })

  it('refuses once maxConnections are open and admits again after a close', () => {
    const limiter = createUpgradeLimiter({ maxConnections: 2, rateLimit: false })
    expect(limiter.admit('a')).toBeUndefined()
    expect(limiter.open()).toBe(true)
    expect(limiter.open()).toBe(true)
    expect(limiter.admit('a')).toEqual({ reason: 'full', limit: 2 })
    // Two upgrades admitted together for the last place: only one gets it.
    expect(limiter.open()).toBe(false)
    expect(limiter.openConnections()).toBe(2)
    limiter.closed()
    expect(limiter.admit('a')).toBeUndefined()
    expect(limiter.openConnections()).toBe(1)
  })

  it('lets attempts from IPs past maxTrackedClients through uncounted', () => {
    const limiter = createUpgradeLimiter({
      maxConnections: 10,
      rateLimit: { max: 1, timeWindowMs: 1_000 },
      clock: createFakeClock(),
      maxTrackedClients: 1,
    })
    expect(limiter.admit('a')).toBeUndefined()
    expect(limiter.admit('b')).toBeUndefined()
    expect(limiter.admit('b')).toBeUndefined()
    expect(limiter.admit('a')).toMatchObject({ reason: 'rate-limited' })
  })
})
