import { describe, expect, it } from 'vitest'
import { createFakeClock } from '../../clock/fake-clock.js'
import { createRateLimiter } from './rate-limiter.js'

describe('createRateLimiter', () => {
  it('allows a burst of one second, then refills at the configured rate', () => {
    const clock = createFakeClock()
    const limiter = createRateLimiter(10, clock)
    const taken = Array.from({ length: 12 }, () => limiter.tryTake()).filter(Boolean).length
    expect(taken).toBe(10)
    clock.advance(100)
    expect(limiter.tryTake()).toBe(true)
    expect(limiter.tryTake()).toBe(false)
    clock.advance(10_000)
    expect(Array.from({ length: 20 }, () => limiter.tryTake()).filter(Boolean).length).toBe(10)
  })
})
