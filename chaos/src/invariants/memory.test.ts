import { describe, expect, it } from 'vitest'
import type { ResourceSample } from '../record/memory.js'
import { handlesReturned, listenersReturned, memoryFlat, slopePerHour } from './memory.js'

const MB = 1_048_576

function sample(at: number, heapMb: number, overrides: Partial<ResourceSample> = {}): ResourceSample {
  return {
    at,
    rssBytes: 100 * MB + heapMb * MB,
    heapUsedBytes: heapMb * MB,
    handles: { TCPSocketWrap: 4, Timeout: 3 },
    listeners: { 'http server': 7, process: 6 },
    ...overrides,
  }
}

/** One sample a minute for an hour, the heap given by `heapAt(minute)`. */
const hour = (heapAt: (minute: number) => number) =>
  Array.from({ length: 61 }, (_, minute) => sample(minute * 60_000, heapAt(minute)))

describe('memory invariants', () => {
  it('a heap that grows during warm-up, then stays flat, holds', () => {
    const samples = hour((minute) => (minute < 10 ? 20 + minute : 30 + (minute % 3)))
    expect(memoryFlat(samples, { metric: 'heapUsedBytes', factor: 1.15, allowanceBytes: 5 * MB }).holds).toBe(
      true,
    )
  })

  it('a heap that keeps growing after warm-up is flagged, with its slope', () => {
    const samples = hour((minute) => 30 + minute)
    const result = memoryFlat(samples, { metric: 'heapUsedBytes', factor: 1.15, allowanceBytes: 5 * MB })
    expect(result.holds).toBe(false)
    expect(result.measured).toContain('+60.0 MB/h')
  })

  it('too few samples is a violation, not a pass', () => {
    expect(memoryFlat([sample(0, 30)], { metric: 'rssBytes', factor: 2, allowanceBytes: MB }).holds).toBe(
      false,
    )
  })

  it('the slope is in bytes an hour', () => {
    expect(
      slopePerHour(
        hour((minute) => minute / 2),
        'heapUsedBytes',
      ),
    ).toBeCloseTo(30 * MB)
  })

  it('handles back within the tolerance hold; more are flagged by type', () => {
    const baseline = sample(0, 30)
    expect(
      handlesReturned(baseline, sample(1, 30, { handles: { TCPSocketWrap: 6, Timeout: 3 } }), 2).holds,
    ).toBe(true)
    const leaked = handlesReturned(baseline, sample(1, 30, { handles: { TCPSocketWrap: 40, Timeout: 3 } }), 2)
    expect(leaked.holds).toBe(false)
    expect(leaked.violations[0]).toContain('TCPSocketWrap 4→40')
  })

  it('a listener left on a shared emitter is flagged', () => {
    const baseline = sample(0, 30)
    const after = sample(1, 30, { listeners: { 'http server': 7, process: 7 } })
    expect(listenersReturned(baseline, baseline, { process: 9 }).holds).toBe(true)
    expect(listenersReturned(baseline, after, { process: 9 }).violations).toEqual(['process: 6 → 7'])
  })
})
