import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createMapping, histogramIssue, LogHistogram, MAX_VALUE, quantileOf } from './log-histogram.js'

const mapping = createMapping(0.01)

/** Exact nearest-rank quantile: the ceil(q·n)-th smallest value. */
function exactQuantile(sorted: readonly number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!
}

const latency = fc.double({ min: 0.01, max: 60_000, noNaN: true })

describe('LogHistogram', () => {
  it('keeps every quantile within 1 % of the exact nearest-rank quantile', () => {
    fc.assert(
      fc.property(
        // Some zero durations too, so both walks (from the bottom and from the top) cross the zero bucket.
        fc.array(fc.oneof({ arbitrary: latency, weight: 9 }, { arbitrary: fc.constant(0), weight: 1 }), {
          minLength: 1,
          maxLength: 2_000,
        }),
        fc.constantFrom(0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1),
        (values, q) => {
          const histogram = new LogHistogram(mapping)
          for (const value of values) histogram.record(value)
          const exact = exactQuantile(
            [...values].sort((a, b) => a - b),
            q,
          )
          if (exact === 0) expect(histogram.quantile(q)).toBe(0)
          else expect(Math.abs(histogram.quantile(q) - exact) / exact).toBeLessThanOrEqual(0.01 + 1e-12)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('stays within its bound on a heavy-tailed sample of 100,000 latencies', () => {
    // Deterministic log-normal-ish sample: most calls 20–80 ms, a long tail to seconds.
    let seed = 42
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      return seed / 2 ** 31
    }
    const values = Array.from({ length: 100_000 }, () =>
      Math.exp(3.7 + 0.6 * Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random())),
    )
    const histogram = new LogHistogram(mapping)
    for (const value of values) histogram.record(value)
    const sorted = [...values].sort((a, b) => a - b)
    for (const q of [0.5, 0.95, 0.99, 0.999]) {
      const exact = exactQuantile(sorted, q)
      expect(Math.abs(histogram.quantile(q) - exact) / exact).toBeLessThanOrEqual(0.01)
    }
    expect(histogram.sum / histogram.count).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 8)
  })

  it('answers for the union of several histograms as if merged', () => {
    fc.assert(
      fc.property(fc.array(latency, { maxLength: 300 }), fc.array(latency, { maxLength: 300 }), (a, b) => {
        const left = new LogHistogram(mapping)
        const right = new LogHistogram(mapping)
        const both = new LogHistogram(mapping)
        for (const value of a) left.record(value)
        for (const value of b) right.record(value)
        for (const value of [...a, ...b]) both.record(value)
        for (const q of [0.1, 0.5, 0.95]) expect(quantileOf(left, right, q)).toBe(both.quantile(q))
        left.merge(right)
        expect(left.toJSON()).toEqual({ ...both.toJSON(), sum: left.sum })
        expect(left.sum).toBeCloseTo(both.sum, 6)
      }),
    )
  })

  it('counts zero, negative and NaN durations as 0 and clamps huge ones', () => {
    const histogram = new LogHistogram(mapping)
    for (const value of [0, -5, Number.NaN, 0.0001]) histogram.record(value)
    histogram.record(Number.POSITIVE_INFINITY)
    expect(histogram.count).toBe(5)
    expect(histogram.min).toBe(0)
    expect(histogram.max).toBe(MAX_VALUE)
    expect(histogram.quantile(0.5)).toBe(0)
    expect(Number.isFinite(histogram.sum)).toBe(true)
  })

  it('needs a bounded number of buckets whatever it records', () => {
    const histogram = new LogHistogram(mapping)
    for (let exponent = -6; exponent <= 12; exponent += 0.001) histogram.record(10 ** exponent)
    const snapshot = histogram.toJSON()
    expect(snapshot.counts.length).toBeLessThanOrEqual(mapping.maxIndex - mapping.minIndex + 1)
    expect(snapshot.counts.length).toBeLessThan(1_200)
  })

  it('round-trips through JSON and reuses its buckets after reset', () => {
    const histogram = new LogHistogram(mapping)
    for (let i = 1; i <= 500; i++) histogram.record(i * 1.5)
    const copy = LogHistogram.fromJSON(mapping, JSON.parse(JSON.stringify(histogram.toJSON())))
    expect(copy.toJSON()).toEqual(histogram.toJSON())
    expect(copy.quantile(0.99)).toBe(histogram.quantile(0.99))
    expect(histogramIssue(histogram.toJSON(), mapping)).toBeUndefined()
    histogram.reset()
    expect(histogram.quantile(0.5)).toBe(0)
    expect(histogram.toJSON().counts).toEqual([])
  })

  it('explains why a snapshot cannot be a histogram', () => {
    const valid = { count: 2, sum: 3, min: 1, max: 2, zero: 0, offset: 0, counts: [1, 1] }
    expect(histogramIssue(valid, mapping)).toBeUndefined()
    expect(histogramIssue({ ...valid, count: 3 }, mapping)).toMatch(/add up to 2/)
    expect(histogramIssue({ ...valid, counts: [1.5, 0.5] }, mapping)).toMatch(/integers/)
    expect(histogramIssue({ ...valid, offset: mapping.maxIndex }, mapping)).toMatch(/out of range/)
  })
})
