import { describe, expect, it } from 'vitest'
import { createFaultPlan, type FaultErrorMix, type FaultKnobs, NEUTRAL_FAULT_KNOBS } from './fault-plan.js'

type PersonalityPatch = Partial<Omit<FaultKnobs, 'errorMix'>> & { errorMix?: FaultErrorMix }

/** A well-behaved provider (the devnet's neutral personality) with `patch` applied. */
const personality = (patch: PersonalityPatch): FaultKnobs => ({ ...NEUTRAL_FAULT_KNOBS, ...patch })

function kinds(seed: number, providerId: string, patch: PersonalityPatch, count: number) {
  const plan = createFaultPlan(seed, providerId)
  const p = personality(patch)
  return Array.from({ length: count }, () => plan.nextRequest(p).kind)
}

describe('createFaultPlan', () => {
  it('gives the same fault sequence for the same seed and provider', () => {
    const patch = { errorRate: 0.4, hangRate: 0.05 }
    expect(kinds(9, 'ethereum-charlie', patch, 300)).toEqual(kinds(9, 'ethereum-charlie', patch, 300))
  })

  it('gives a different sequence for another seed or another provider', () => {
    const patch = { errorRate: 0.4 }
    const base = kinds(9, 'ethereum-charlie', patch, 100)
    expect(kinds(10, 'ethereum-charlie', patch, 100)).not.toEqual(base)
    expect(kinds(9, 'ethereum-delta', patch, 100)).not.toEqual(base)
  })

  it('injects errors at the configured rate', () => {
    const outcomes = kinds(1, 'p', { errorRate: 0.2 }, 10_000)
    const errors = outcomes.filter((kind) => kind !== 'none').length
    // binomial(10000, 0.2): sd = 40; ±6 sd
    expect(errors).toBeGreaterThan(2_000 - 240)
    expect(errors).toBeLessThan(2_000 + 240)
  })

  it('splits errors by the mix weights', () => {
    const outcomes = kinds(
      2,
      'p',
      { errorRate: 1, errorMix: { serverError: 3, rateLimit: 1, rpcError: 0, malformed: 0 } },
      8_000,
    )
    const serverErrors = outcomes.filter((kind) => kind === 'serverError').length
    expect(outcomes).not.toContain('rpcError')
    expect(outcomes).not.toContain('malformed')
    expect(serverErrors / outcomes.length).toBeGreaterThan(0.72)
    expect(serverErrors / outcomes.length).toBeLessThan(0.78)
  })

  it('hangs every request in hang mode', () => {
    expect(new Set(kinds(3, 'p', { mode: 'hang' }, 50))).toEqual(new Set(['hang']))
  })

  it('draws latency around the median with the configured spread', () => {
    const plan = createFaultPlan(4, 'p')
    const p = personality({ latencyMs: 100, jitterMs: 20 })
    const delays = Array.from({ length: 5_000 }, () => plan.nextRequest(p).delayMs).sort((a, b) => a - b)
    const median = delays[2_500] as number
    const p84 = delays[Math.round(5_000 * 0.8413)] as number
    expect(median).toBeGreaterThan(98)
    expect(median).toBeLessThan(102)
    expect(p84 - median).toBeGreaterThan(18)
    expect(p84 - median).toBeLessThan(22)
  })

  it('never draws a negative latency', () => {
    const plan = createFaultPlan(5, 'p')
    const p = personality({ latencyMs: 5, jitterMs: 50 })
    for (let i = 0; i < 1_000; i++) expect(plan.nextRequest(p).delayMs).toBeGreaterThanOrEqual(0)
  })

  it('keeps the Nth decision independent of earlier personalities', () => {
    const a = createFaultPlan(6, 'p')
    const b = createFaultPlan(6, 'p')
    a.nextRequest(personality({ latencyMs: 500 }))
    b.nextRequest(personality({ errorRate: 1 }))
    const p = personality({ errorRate: 0.5 })
    expect(a.nextRequest(p)).toEqual(b.nextRequest(p))
  })

  it('drops connections at the configured rate', () => {
    const plan = createFaultPlan(7, 'p')
    const p = personality({ wsDropRate: 0.1 })
    const drops = Array.from({ length: 5_000 }, () => plan.nextDrop(p)).filter(Boolean).length
    expect(drops).toBeGreaterThan(500 - 130)
    expect(drops).toBeLessThan(500 + 130)
  })

  it('stalls the configured share of requests, for stallMinMs–stallMaxMs on top of their latency', () => {
    const plan = createFaultPlan(9, 'p')
    const p = personality({ latencyMs: 20, stallRate: 0.02, stallMinMs: 200, stallMaxMs: 800 })
    const faults = Array.from({ length: 10_000 }, () => plan.nextRequest(p))
    const stalls = faults.filter((fault) => fault.stallMs > 0)
    // binomial(10000, 0.02): sd = 14; ±6 sd
    expect(stalls.length).toBeGreaterThan(200 - 84)
    expect(stalls.length).toBeLessThan(200 + 84)
    for (const fault of stalls) {
      expect(fault.stallMs).toBeGreaterThanOrEqual(200)
      expect(fault.stallMs).toBeLessThanOrEqual(800)
      expect(fault.delayMs).toBe(20 + fault.stallMs)
    }
    const lengths = stalls.map((fault) => fault.stallMs).sort((a, b) => a - b)
    expect(lengths[Math.floor(lengths.length / 2)]).toBeGreaterThan(400)
    expect(lengths[Math.floor(lengths.length / 2)]).toBeLessThan(600)
  })

  it('leaves every other decision as it was when stalls are turned on', () => {
    const calm = createFaultPlan(10, 'p')
    const stalling = createFaultPlan(10, 'p')
    const base = { latencyMs: 30, jitterMs: 10, errorRate: 0.3, hangRate: 0.05 }
    for (let i = 0; i < 500; i++) {
      const before = calm.nextRequest(personality(base))
      const after = stalling.nextRequest(personality({ ...base, stallRate: 0.5 }))
      expect(after.kind).toBe(before.kind)
      expect(after.delayMs - after.stallMs).toBeCloseTo(before.delayMs, 9)
      expect(before.stallMs).toBe(0)
    }
  })

  it('delays events around wsDelayMs', () => {
    const plan = createFaultPlan(8, 'p')
    const p = personality({ wsDelayMs: 40, wsJitterMs: 0 })
    expect(plan.nextEvent(p)).toEqual({ index: 0, delayMs: 40 })
    expect(plan.nextEvent(p).index).toBe(1)
  })
})
