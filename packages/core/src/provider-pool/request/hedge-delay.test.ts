import { describe, expect, it } from 'vitest'
import { createBenchmarkStore } from '../../benchmark-store/benchmark-store.js'
import { createFakeClock } from '../../clock/fake-clock.js'
import { hedgeDelayMs, UNMEASURED_HEDGE_DELAY_MS } from './hedge-delay.js'

const bounds = { minDelayMs: 50, maxDelayMs: 2_000 }

/** A real store on a fake clock, fed one provider's calls of one method in a given order. */
function storeWith(durations: readonly number[]) {
  const clock = createFakeClock(1_000)
  const store = createBenchmarkStore({ clock })
  for (const durationMs of durations) {
    store.recordRpcCall('ethereum', {
      providerId: 'a',
      method: 'eth_call',
      strategy: 'fastest',
      durationMs,
      ok: true,
    })
    clock.advance(20)
  }
  return store.recent('ethereum', 'a', 'eth_call')
}

/** `calls` healthy answers of 90–110 ms with a stall of `stallMs` every `stallEvery` calls, the last call healthy. */
function stallingDurations(calls: number, stallEvery: number, stallMs = 600): number[] {
  return Array.from({ length: calls }, (_, i) => ((i + 1) % stallEvery === 0 ? stallMs : 90 + ((i * 7) % 21)))
}

describe('hedgeDelayMs', () => {
  it("is the provider's recent p95 while stalls are rarer than 5 %", () => {
    const stats = storeWith(stallingDurations(200, 50)) // 2 % stalls: the p95 is a healthy answer
    expect(stats!.p95Ms).toBeLessThan(115)
    expect(hedgeDelayMs(stats, bounds)).toBe(stats!.p95Ms)
  })

  it('stays three medians out when stalls pass 5 % and the p95 lands inside them', () => {
    const stats = storeWith(stallingDurations(200, 12)) // 8 % stalls
    expect(stats!.p95Ms).toBeGreaterThan(550)
    expect(stats!.medianMs).toBeGreaterThan(90)
    expect(stats!.medianMs).toBeLessThan(111)
    expect(hedgeDelayMs(stats, bounds)).toBe(3 * stats!.medianMs!)
  })

  it('is never below the median: after a slowdown the p95 still holds the fast past', () => {
    const stats = storeWith([...stallingDurations(200, 50), 400, 410, 420, 430, 440])
    // Of the last 8 calls, 5 are at the new pace: the median is the mean of 410 and 420.
    expect(stats!.medianMs).toBe(415)
    expect(stats!.p95Ms).toBeLessThan(115)
    expect(hedgeDelayMs(stats, bounds)).toBe(415)
  })

  it('keeps the delay within its bounds', () => {
    expect(hedgeDelayMs(storeWith(Array(20).fill(5)), bounds)).toBe(50)
    expect(hedgeDelayMs(storeWith(Array(20).fill(5_000)), bounds)).toBe(2_000)
  })

  it('waits the unmeasured delay for a provider with no figures, and the p95 without a median', () => {
    expect(hedgeDelayMs(undefined, bounds)).toBe(UNMEASURED_HEDGE_DELAY_MS)
    const withoutMedian = { samples: 20, latencyMs: 80, p95Ms: 700, errorRate: 0 }
    expect(hedgeDelayMs(withoutMedian, bounds)).toBe(700)
    expect(hedgeDelayMs({ ...withoutMedian, medianMs: Number.NaN }, bounds)).toBe(700)
  })
})
