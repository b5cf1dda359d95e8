import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors/errors.js'
import { failureRatio } from './failure-ratio.js'

describe('failureRatio', () => {
  it('does not trip before minimumCalls are in the window, whatever the ratio', () => {
    const tracker = failureRatio({ ratio: 0.5, windowMs: 1_000, minimumCalls: 4 }).create()
    expect([tracker.failure(0), tracker.failure(1), tracker.failure(2)]).toEqual([false, false, false])
    expect(tracker.failure(3)).toBe(true)
  })

  it('trips when the failure share reaches the ratio exactly', () => {
    const tracker = failureRatio({ ratio: 0.3, windowMs: 1_000, minimumCalls: 10 }).create()
    for (let i = 0; i < 7; i++) tracker.success(i)
    expect(tracker.failure(7)).toBe(false)
    expect(tracker.failure(8)).toBe(false)
    expect(tracker.failure(9)).toBe(true)
  })

  it('forgets calls once they leave the window', () => {
    const tracker = failureRatio({ ratio: 0.5, windowMs: 1_000, minimumCalls: 3, buckets: 10 }).create()
    tracker.failure(0)
    tracker.failure(50)
    // t = 1_000 starts bucket 10, so bucket 0 (t 0..99) has left the window.
    expect(tracker.failure(1_000)).toBe(false)
    expect(tracker.failure(1_050)).toBe(false)
    expect(tracker.failure(1_099)).toBe(true)
  })

  it('still counts calls inside the window', () => {
    const tracker = failureRatio({ ratio: 0.5, windowMs: 1_000, minimumCalls: 3, buckets: 10 }).create()
    tracker.failure(100)
    tracker.failure(500)
    expect(tracker.failure(1_099)).toBe(true)
  })

  it('counts successes against the failures', () => {
    const tracker = failureRatio({ ratio: 0.5, windowMs: 1_000, minimumCalls: 2 }).create()
    tracker.success(0)
    tracker.success(1)
    tracker.success(2)
    expect(tracker.failure(3)).toBe(false)
    expect(tracker.failure(4)).toBe(false)
    expect(tracker.failure(5)).toBe(true)
  })

  it('recycles stale buckets correctly over a long run spanning many windows', () => {
    const tracker = failureRatio({ ratio: 0.9, windowMs: 100, minimumCalls: 5, buckets: 4 }).create()
    // One success per 10 ms for a simulated hour.
    for (let t = 0; t < 3_600_000; t += 10) tracker.success(t)
    // At t = 3_600_000 the window (buckets of 25 ms) still holds the successes from t ≥ 3_599_925.
    for (let i = 0; i < 4; i++) expect(tracker.failure(3_600_000)).toBe(false)
    // 100 ms later every earlier call has left the window: five failures alone reach the ratio.
    for (let i = 0; i < 4; i++) expect(tracker.failure(3_600_100)).toBe(false)
    expect(tracker.failure(3_600_100)).toBe(true)
  })

  it('starts empty after reset', () => {
    const tracker = failureRatio({ ratio: 0.5, windowMs: 1_000, minimumCalls: 2 }).create()
    tracker.failure(0)
    tracker.reset()
    expect(tracker.failure(1)).toBe(false)
    expect(tracker.failure(2)).toBe(true)
  })

  it('rejects out-of-range options, naming them', () => {
    expect(() => failureRatio({ ratio: 0 })).toThrow(ConfigError)
    expect(() => failureRatio({ ratio: 1.5 })).toThrow(/ratio/)
    expect(() => failureRatio({ windowMs: -1 })).toThrow(/windowMs/)
    expect(() => failureRatio({ minimumCalls: 0 })).toThrow(/minimumCalls/)
  })
})
