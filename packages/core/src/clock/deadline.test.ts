import { describe, expect, it } from 'vitest'
import type { Clock } from './clock.js'
import { GRACE_AFTER_STALL_MS, STALLED_LOOP_MS, startDeadline } from './deadline.js'
import { createFakeClock, type FakeClock } from './fake-clock.js'

/** A clock whose timers fire `lags[n]` ms after they are due (the n-th timer set), as on a blocked loop. */
function laggingClock(fake: FakeClock, lags: number[]): Clock {
  let set = 0
  return {
    now: fake.now,
    setTimeout: (callback, ms) => fake.setTimeout(callback, ms + (lags[set++] ?? 0)),
    clearTimeout: fake.clearTimeout,
  }
}

describe('startDeadline', () => {
  it('expires once, when due, on a loop that keeps up', () => {
    const clock = createFakeClock()
    const expiredAt: number[] = []
    startDeadline(clock, 1_000, () => expiredAt.push(clock.now()))
    clock.advance(999)
    expect(expiredAt).toEqual([])
    clock.advance(10_000)
    expect(expiredAt).toEqual([1_000])
  })

  it('expires on a timer that fires late by less than a stalled loop', () => {
    const fake = createFakeClock()
    const expiredAt: number[] = []
    startDeadline(laggingClock(fake, [STALLED_LOOP_MS]), 1_000, () => expiredAt.push(fake.now()))
    fake.advance(10_000)
    expect(expiredAt).toEqual([1_000 + STALLED_LOOP_MS])
  })

  it('is extended once when the loop slept through it, so an answer waiting unread can still be taken', () => {
    const fake = createFakeClock()
    let expired = false
    const cancel = startDeadline(laggingClock(fake, [3_000]), 1_000, () => {
      expired = true
    })
    fake.advance(4_000) // the late timer fired: the deadline is extended instead of expiring
    expect(expired).toBe(false)
    cancel() // the answer read right after the stall
    fake.advance(10_000)
    expect(expired).toBe(false)
  })

  it('expires after the grace, or the deadline if shorter, when no answer comes after the stall', () => {
    for (const ms of [300, 5_000]) {
      const fake = createFakeClock()
      const expiredAt: number[] = []
      startDeadline(laggingClock(fake, [3_000]), ms, () => expiredAt.push(fake.now()))
      const firedLate = ms + 3_000
      const grace = Math.min(ms, GRACE_AFTER_STALL_MS)
      fake.advanceTo(firedLate + grace - 1)
      expect(expiredAt, `${ms} ms`).toEqual([])
      fake.advance(1)
      expect(expiredAt, `${ms} ms`).toEqual([firedLate + grace])
    }
  })

  it('expires when slept through twice', () => {
    const fake = createFakeClock()
    const expiredAt: number[] = []
    startDeadline(laggingClock(fake, [3_000, 3_000]), 1_000, () => expiredAt.push(fake.now()))
    fake.advance(20_000)
    expect(expiredAt).toEqual([1_000 + 3_000 + GRACE_AFTER_STALL_MS + 3_000])
  })

  it('never expires once cancelled', () => {
    const clock = createFakeClock()
    let expired = false
    const cancel = startDeadline(clock, 1_000, () => {
      expired = true
    })
    cancel()
    clock.advance(10_000)
    expect(expired).toBe(false)
    expect(clock.pendingTimers()).toBe(0)
  })
})
