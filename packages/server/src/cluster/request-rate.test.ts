import { createFakeClock } from '@chainpulse/core/testing'
import { describe, expect, it } from 'vitest'
import { createRequestRate } from './request-rate.js'

describe('createRequestRate', () => {
  it('averages whole seconds of the window and forgets older ones', () => {
    const clock = createFakeClock()
    const rate = createRequestRate(clock, 10)
    for (let second = 0; second < 10; second++) {
      for (let i = 0; i < 5; i++) rate.record()
      clock.advance(1_000)
    }
    expect(rate.perSecond()).toBe(5)
    // The current, partial second does not count yet.
    for (let i = 0; i < 100; i++) rate.record()
    expect(rate.perSecond()).toBe(5)
    clock.advance(5_000)
    // Seconds 5 to 14: five of the first run, then the burst.
    expect(rate.perSecond()).toBe((5 * 5 + 100) / 10)
    clock.advance(60_000)
    expect(rate.perSecond()).toBe(0)
  })
})
