import { describe, expect, it } from 'vitest'
import { createBenchmarkStore } from '../benchmark-store/benchmark-store.js'
import { createFakeClock } from '../clock/fake-clock.js'
import { ConfigError } from '../errors/errors.js'
import { createStubBenchmarkStore } from '../testing/stub-benchmark-store.js'
import { createCheapestStrategy } from './cheapest.js'
import type { ProviderCandidate, RoutingContext } from './types.js'

const ids = (list: readonly ProviderCandidate[]) => list.map((candidate) => candidate.id)

function setup(method = 'eth_call') {
  const store = createStubBenchmarkStore()
  const context: RoutingContext = { chain: 'ethereum', method, store, now: 0 }
  const recent = (id: string, p95Ms: number, errorRate = 0, samples = 20) =>
    store.setRecent('ethereum', id, method, { samples, latencyMs: p95Ms / 2, p95Ms, errorRate })
  return { store, context, recent }
}

describe('cheapest strategy', () => {
  const alpha: ProviderCandidate = {
    id: 'alpha',
    chain: 'ethereum',
    priority: 0,
    costPerMethod: { eth_call: 26 },
  }
  const bravo: ProviderCandidate = { id: 'bravo', chain: 'ethereum', priority: 0, defaultCost: 10 }
  const charlie: ProviderCandidate = { id: 'charlie', chain: 'ethereum', priority: 0 } // cost 1
  const delta: ProviderCandidate = {
    id: 'delta',
    chain: 'ethereum',
    priority: 0,
    costPerMethod: { eth_call: 0 },
    defaultCost: 50,
  }

  it('orders by method cost: costPerMethod, else defaultCost, else 1', () => {
    const { context } = setup()
    expect(ids(createCheapestStrategy().select([alpha, bravo, charlie, delta], context))).toEqual([
      'delta',
      'charlie',
      'bravo',
      'alpha',
    ])
  })

  it('uses defaultCost for methods missing from costPerMethod', () => {
    const { context } = setup('eth_getLogs')
    expect(ids(createCheapestStrategy().select([alpha, bravo, charlie, delta], context))).toEqual([
      'alpha', // no eth_getLogs entry, no defaultCost: 1
      'charlie',
      'bravo',
      'delta',
    ])
  })

  it('puts providers that miss the SLO after those that meet it, cheapest first', () => {
    const { context, recent } = setup()
    recent('delta', 2500) // p95 over the default 1000 ms
    recent('charlie', 100, 0.2) // error rate over the default 0.05
    recent('bravo', 900, 0.05) // exactly at the limits: meets
    expect(ids(createCheapestStrategy().select([alpha, bravo, charlie, delta], context))).toEqual([
      'bravo',
      'alpha',
      'delta',
      'charlie',
    ])
  })

  it('counts a provider with fewer than minSamples calls as meeting the SLO', () => {
    const { context, recent } = setup()
    recent('delta', 5000, 1, 4)
    expect(ids(createCheapestStrategy().select([bravo, delta], context))).toEqual(['delta', 'bravo'])
    recent('delta', 5000, 1, 5)
    expect(ids(createCheapestStrategy().select([bravo, delta], context))).toEqual(['bravo', 'delta'])
  })

  it('applies a custom SLO', () => {
    const { context, recent } = setup()
    recent('delta', 300, 0.02)
    const strict = createCheapestStrategy({ slo: { maxP95Ms: 250 } })
    expect(ids(strict.select([bravo, delta], context))).toEqual(['bravo', 'delta'])
    const lenient = createCheapestStrategy({ slo: { maxP95Ms: 400, maxErrorRate: 0.01 } })
    expect(ids(lenient.select([bravo, delta], context))).toEqual(['bravo', 'delta'])
    const both = createCheapestStrategy({ slo: { maxP95Ms: 400, maxErrorRate: 0.02 } })
    expect(ids(both.select([bravo, delta], context))).toEqual(['delta', 'bravo'])
  })

  it('breaks cost ties by priority, then id', () => {
    const { context } = setup()
    const input: ProviderCandidate[] = [
      { id: 'delta', chain: 'ethereum', priority: 1 },
      { id: 'charlie', chain: 'ethereum', priority: 1 },
      { id: 'bravo', chain: 'ethereum', priority: 0 },
    ]
    expect(ids(createCheapestStrategy().select(input, context))).toEqual(['bravo', 'charlie', 'delta'])
  })

  it('never reads a cost from the prototype for methods named like Object members', () => {
    const { context } = setup('constructor')
    const priced: ProviderCandidate = { id: 'priced', chain: 'ethereum', priority: 0, defaultCost: 2 }
    const free: ProviderCandidate = {
      id: 'free',
      chain: 'ethereum',
      priority: 1,
      defaultCost: 0,
      costPerMethod: {},
    }
    expect(ids(createCheapestStrategy().select([priced, free], context))).toEqual(['free', 'priced'])
  })

  it('rejects an error-rate limit above 1, naming its path', () => {
    expect(() => createCheapestStrategy({ slo: { maxErrorRate: 2 } })).toThrow(ConfigError)
    expect(() => createCheapestStrategy({ slo: { maxErrorRate: 2 } })).toThrow(/slo\.maxErrorRate/)
  })

  it('falls back from the cheap provider once its recorded p95 breaks the SLO (real BenchmarkStore)', () => {
    const clock = createFakeClock(1_000)
    const store = createBenchmarkStore({ clock })
    const context = (): RoutingContext => ({ chain: 'ethereum', method: 'eth_call', store, now: clock.now() })
    const record = (providerId: string, durationMs: number, times: number) => {
      for (let i = 0; i < times; i++) {
        store.recordRpcCall('ethereum', {
          providerId,
          method: 'eth_call',
          strategy: 'cheapest',
          durationMs,
          ok: true,
        })
        clock.advance(10)
      }
    }
    const strategy = createCheapestStrategy({ slo: { maxP95Ms: 500 } })
    record('charlie', 120, 20)
    record('bravo', 200, 20)
    expect(ids(strategy.select([bravo, charlie], context()))).toEqual(['charlie', 'bravo'])
    record('charlie', 2_000, 20) // half of charlie's recent calls now take 2 s
    expect(ids(strategy.select([bravo, charlie], context()))).toEqual(['bravo', 'charlie'])
  })
})
