import { Counter, Histogram, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { LabelledCounter, LabelledHistogram } from './request-series.js'

/** Exposition lines with each line's labels sorted, so two label orders compare equal. */
async function normalised(registry: Registry): Promise<string[]> {
  const text = await registry.metrics()
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const match = /^([^{ ]+)\{([^}]*)\} (.+)$/.exec(line)
      if (!match) return line
      const labels = match[2]!.split(',').sort().join(',')
      return `${match[1]}{${labels}} ${match[3]}`
    })
    .sort()
}

const BUCKETS = [0.005, 0.01, 0.1, 1]
const OBSERVATIONS: [string, number][] = [
  ['a', 0.001],
  ['a', 0.005],
  ['a', 0.05],
  ['b', 0.5],
  ['a', 2],
  ['b', 1],
  ['a', 0.01],
]

describe('LabelledHistogram', () => {
  it("exposes the same text as prom-client's Histogram for the same observations", async () => {
    const ours = new Registry()
    const theirs = new Registry()
    const histogram = new LabelledHistogram('latency_seconds', 'Latency.', BUCKETS, ours)
    const reference = new Histogram({
      name: 'latency_seconds',
      help: 'Latency.',
      labelNames: ['provider'],
      buckets: BUCKETS,
      registers: [theirs],
    })

    for (const [provider, value] of OBSERVATIONS) {
      histogram.observe(histogram.series(provider, { provider }), value)
      reference.observe({ provider }, value)
    }

    expect(await normalised(ours)).toEqual(await normalised(theirs))
    expect(await normalised(ours)).toContain('latency_seconds_bucket{le="+Inf",provider="a"} 5')
  })

  it('forgets every series on reset, as the registry expects', async () => {
    const registry = new Registry()
    const histogram = new LabelledHistogram('latency_seconds', 'Latency.', BUCKETS, registry)
    histogram.observe(histogram.series('a', { provider: 'a' }), 0.5)

    registry.resetMetrics()

    expect(await registry.metrics()).not.toContain('provider="a"')
  })
})

describe('LabelledCounter', () => {
  it("exposes the same text as prom-client's Counter for the same increments", async () => {
    const ours = new Registry()
    const theirs = new Registry()
    const counter = new LabelledCounter('calls_total', 'Calls.', ours)
    const reference = new Counter({
      name: 'calls_total',
      help: 'Calls.',
      labelNames: ['provider'],
      registers: [theirs],
    })

    for (const [provider] of OBSERVATIONS) {
      counter.series(provider, { provider }).value++
      reference.inc({ provider })
    }

    expect(await normalised(ours)).toEqual(await normalised(theirs))
  })

  it('keeps one series per key, whatever labels object a later lookup passes', () => {
    const counter = new LabelledCounter('calls_total', 'Calls.', new Registry())

    const first = counter.series('a', { provider: 'a' })
    const again = counter.series('a', { provider: 'a' })

    expect(again).toBe(first)
  })
})
