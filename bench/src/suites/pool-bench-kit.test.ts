import { describe, expect, it } from 'vitest'
import { addressFor, formatMs, mergeLoad, percentile, runLoad } from './pool-bench-kit.js'

describe('percentile', () => {
  it('uses the nearest rank of the sorted values', () => {
    const values = Array.from({ length: 100 }, (_, index) => 100 - index)
    expect(percentile(values, 50)).toBe(50)
    expect(percentile(values, 99)).toBe(99)
    expect(percentile(values, 100)).toBe(100)
    expect(percentile([7], 99)).toBe(7)
    expect(percentile([], 50)).toBeNaN()
  })
})

describe('runLoad', () => {
  it('runs every call once with at most `concurrency` in flight and counts failures by message', async () => {
    let inFlight = 0
    let peak = 0
    const seen: number[] = []
    const result = await runLoad(
      async (index) => {
        inFlight++
        peak = Math.max(peak, inFlight)
        seen.push(index)
        await Promise.resolve()
        inFlight--
        if (index % 10 === 0) throw new Error('boom\nstack')
      },
      50,
      4,
    )
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, index) => index))
    expect(peak).toBe(4)
    expect(result.completed).toBe(50)
    expect(result.latencies).toHaveLength(50)
    expect(result.failures).toBe(5)
    expect(result.errors.get('boom')).toBe(5)
    expect(result.timedOut).toBe(false)
  })

  it('stops starting calls once the deadline has passed', async () => {
    const result = await runLoad(async () => {}, Number.POSITIVE_INFINITY, 2, -1)
    expect(result.completed).toBe(0)
    expect(result.timedOut).toBe(true)
  })
})

describe('mergeLoad', () => {
  it('adds rounds together without changing the first one', async () => {
    const first = await runLoad(async () => {}, 3, 1)
    const second = await runLoad(
      async () => {
        throw new Error('x')
      },
      2,
      1,
    )
    const total = mergeLoad(mergeLoad(undefined, first), second)
    expect(total.completed).toBe(5)
    expect(total.failures).toBe(2)
    expect(total.latencies).toHaveLength(5)
    expect(total.errors.get('x')).toBe(2)
    expect(first.latencies).toHaveLength(3)
  })
})

describe('formatting helpers', () => {
  it('gives distinct, valid addresses and readable milliseconds', () => {
    expect(addressFor(0)).toBe('0x0000000000000000000000000000000000000001')
    expect(addressFor(255)).toMatch(/^0x0{37}100$/)
    expect(formatMs(0.1234)).toBe('0.123 ms')
    expect(formatMs(12.34)).toBe('12.3 ms')
    expect(formatMs(Number.NaN)).toBe('–')
  })
})
