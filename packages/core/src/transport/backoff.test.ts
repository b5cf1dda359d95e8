import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { backoffDelay } from './backoff.js'

const policy = { initialDelayMs: 500, maxDelayMs: 30_000, multiplier: 2, jitter: 0 }

describe('backoffDelay', () => {
  it('doubles from the initial delay and stops at the cap', () => {
    const delays = [0, 1, 2, 3, 6, 7, 20].map((attempt) => backoffDelay(attempt, policy, () => 0.9))
    expect(delays).toEqual([500, 1_000, 2_000, 4_000, 30_000, 30_000, 30_000])
  })

  it('jitters downwards by at most the jitter fraction', () => {
    const options = { ...policy, jitter: 0.5 }
    expect(backoffDelay(1, options, () => 0)).toBe(1_000)
    expect(backoffDelay(1, options, () => 0.5)).toBe(750)
    expect(backoffDelay(1, options, () => 0.999_999)).toBeCloseTo(500, 2)
  })

  it('stays within [base × (1 − jitter), min(base, maxDelayMs)] for any input', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, jitter, draw) => {
          const options = { ...policy, jitter }
          const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** attempt)
          const delay = backoffDelay(attempt, options, () => draw)
          expect(delay).toBeLessThanOrEqual(base)
          expect(delay).toBeGreaterThanOrEqual(base * (1 - jitter) - 1e-9)
        },
      ),
    )
  })
})
