import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors/errors.js'
import { createStubBenchmarkStore } from '../testing/stub-benchmark-store.js'
import { createHybridStrategy } from './hybrid.js'
import type { ProviderCandidate, RoutingContext } from './types.js'

const ids = (list: readonly ProviderCandidate[]) => list.map((candidate) => candidate.id)
const provider = (id: string, cost = 1, priority = 0): ProviderCandidate => ({
  id,
  chain: 'ethereum',
  priority,
  defaultCost: cost,
})

function setup() {
  const store = createStubBenchmarkStore()
  const context: RoutingContext = { chain: 'ethereum', method: 'eth_call', store, now: 0 }
  const recent = (id: string, latencyMs: number, errorRate = 0, samples = 20) =>
    store.setRecent('ethereum', id, 'eth_call', { samples, latencyMs, p95Ms: latencyMs * 2, errorRate })
  return { store, context, recent }
}

const only = (dimension: 'score' | 'latency' | 'cost' | 'errorRate') => ({
  weights: { score: 0, latency: 0, cost: 0, errorRate: 0, [dimension]: 1 },
})

describe('hybrid strategy', () => {
  const [alpha, bravo, charlie] = [provider('alpha', 5), provider('bravo', 1), provider('charlie', 3)]
  const three = [alpha!, bravo!, charlie!]

  it('with only the latency weight, orders by latency', () => {
    const { context, recent } = setup()
    recent('alpha', 30)
    recent('bravo', 300)
    recent('charlie', 90)
    expect(ids(createHybridStrategy(only('latency')).select(three, context))).toEqual([
      'alpha',
      'charlie',
      'bravo',
    ])
  })

  it('with only the cost weight, orders by cost', () => {
    const { context } = setup()
    expect(ids(createHybridStrategy(only('cost')).select(three, context))).toEqual([
      'bravo',
      'charlie',
      'alpha',
    ])
  })

  it('with only the score weight, orders by race score', () => {
    const { store, context } = setup()
    store.setRace('ethereum', 'charlie', { score: 2 })
    store.setRace('ethereum', 'alpha', { score: 1 })
    store.setRace('ethereum', 'bravo', { score: 0.5 })
    expect(ids(createHybridStrategy(only('score')).select(three, context))).toEqual([
      'charlie',
      'alpha',
      'bravo',
    ])
  })

  it('with only the error-rate weight, orders by error rate', () => {
    const { context, recent } = setup()
    recent('alpha', 10, 0.3)
    recent('bravo', 10, 0.01)
    recent('charlie', 10, 0.1)
    expect(ids(createHybridStrategy(only('errorRate')).select(three, context))).toEqual([
      'bravo',
      'charlie',
      'alpha',
    ])
  })

  it('blends normalised figures by weight', () => {
    const { context, recent } = setup()
    recent('alpha', 30) // fastest, priciest (5)
    recent('bravo', 40) // slightly slower, cheapest (1)
    recent('charlie', 300) // slowest
    // latency: alpha 1, bravo 0.96, charlie 0; cost: bravo 1, charlie 0.5, alpha 0
    const latencyHeavy = createHybridStrategy({
      weights: { score: 0, errorRate: 0, latency: 0.9, cost: 0.1 },
    })
    expect(ids(latencyHeavy.select(three, context))).toEqual(['bravo', 'alpha', 'charlie'])
    const costHeavy = createHybridStrategy({ weights: { score: 0, errorRate: 0, latency: 0.2, cost: 0.8 } })
    expect(ids(costHeavy.select(three, context))).toEqual(['bravo', 'charlie', 'alpha'])
  })

  it('treats an unknown figure as neutral, between the best and the worst', () => {
    const { context, recent } = setup()
    recent('alpha', 30)
    recent('bravo', 300)
    recent('charlie', 10, 0, 2) // below minSamples: unknown
    expect(ids(createHybridStrategy(only('latency')).select(three, context))).toEqual([
      'alpha',
      'charlie',
      'bravo',
    ])
  })

  it('ignores a figure every candidate shares, falling back to priority then id', () => {
    const { context, recent } = setup()
    for (const id of ['alpha', 'bravo', 'charlie']) recent(id, 50)
    const input = [provider('charlie', 1, 0), provider('alpha', 1, 1), provider('bravo', 1, 0)]
    expect(ids(createHybridStrategy().select(input, context))).toEqual(['bravo', 'charlie', 'alpha'])
  })

  it('keeps default weights for the ones not given', () => {
    const { context, recent } = setup()
    recent('alpha', 30)
    recent('bravo', 300)
    // cost alone (0.1 by default) would put bravo first; latency keeps its default 0.4.
    expect(ids(createHybridStrategy({ weights: { cost: 0.1 } }).select([alpha!, bravo!], context))).toEqual([
      'alpha',
      'bravo',
    ])
  })

  it('rejects all-zero and negative weights', () => {
    expect(() => createHybridStrategy({ weights: { score: 0, latency: 0, cost: 0, errorRate: 0 } })).toThrow(
      /at least one weight/,
    )
    expect(() => createHybridStrategy({ weights: { latency: -1 } })).toThrow(ConfigError)
  })
})
