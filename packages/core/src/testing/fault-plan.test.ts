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

  it('delays events around wsDelayMs', () => {
    const plan = createFaultPlan(8, 'p')
    const p = personality({ wsDelayMs: 40, wsJitterMs: 0 })
    expect(plan.nextEvent(p)).toEqual({ index: 0, delayMs: 40 })
    expect(plan.nextEvent(p).index).toBe(1)
  })
})
