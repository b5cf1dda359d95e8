import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors/errors.js'
import { consecutiveFailures } from './consecutive-failures.js'

describe('consecutiveFailures', () => {
  it('trips on the threshold-th failure in a row', () => {
    const tracker = consecutiveFailures(3).create()
    expect([tracker.failure(0), tracker.failure(0), tracker.failure(0)]).toEqual([false, false, true])
  })

  it('starts over after a success or a reset', () => {
    const tracker = consecutiveFailures(2).create()
    tracker.failure(0)
    tracker.success(0)
    expect(tracker.failure(0)).toBe(false)
    tracker.reset()
    expect(tracker.failure(0)).toBe(false)
    expect(tracker.failure(0)).toBe(true)
  })

  it('gives every breaker its own count when one rule is shared', () => {
    const rule = consecutiveFailures(2)
    const a = rule.create()
    const b = rule.create()
    a.failure(0)
    expect(b.failure(0)).toBe(false)
    expect(a.failure(0)).toBe(true)
  })

  it('rejects a threshold that is not a positive integer', () => {
    expect(() => consecutiveFailures(0)).toThrow(ConfigError)
    expect(() => consecutiveFailures(1.5)).toThrow(ConfigError)
  })
})
