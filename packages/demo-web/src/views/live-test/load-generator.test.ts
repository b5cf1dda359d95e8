import { describe, expect, it } from 'vitest'
import { describeProgress } from './load-generator.js'

describe('describeProgress', () => {
  it('lists the known counters in a fixed order and leaves out the rest', () => {
    expect(
      describeProgress({ running: true, startedAt: 4_514.4, sent: 96, ok: 95, errors: 1, ratePerSecond: 20 }),
    ).toBe('ratePerSecond 20 · sent 96 · ok 95 · errors 1')
  })
})
