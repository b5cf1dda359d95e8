import { describe, expect, it } from 'vitest'
import { createBenchmarkStore } from '../benchmark-store/benchmark-store.js'
import type { RecentProviderStats } from '../benchmark-store/types.js'
import { createFakeClock } from '../clock/fake-clock.js'
import { ConfigError } from '../errors/errors.js'
import { createStubBenchmarkStore } from '../testing/stub-benchmark-store.js'
import { createFastestStrategy } from './fastest.js'
import type { ProviderCandidate, RoutingContext } from './types.js'

const provider = (id: string, priority = 0): ProviderCandidate => ({ id, chain: 'ethereum', priority })
const ids = (list: readonly ProviderCandidate[]) => list.map((candidate) => candidate.id)
const stats = (latencyMs: number, samples = 20, errorRate = 0): RecentProviderStats => ({
  samples,
  latencyMs,
  p95Ms: latencyMs * 2,
  errorRate,
})

function setup(method = 'eth_call') {
  const store = createStubBenchmarkStore()
  const context: RoutingContext = { chain: 'ethereum', method, store, now: 0 }
  return { store, context }
}

describe('fastest strategy', () => {
  const [alpha, bravo, charlie, delta] = ['alpha', 'bravo', 'charlie', 'delta'].map((id) => provider(id))
  const four = [alpha!, bravo!, charlie!, delta!]

  it('orders measured providers by recent latency for the method, lowest first', () => {
    const { store, context } = setup()
    store.setRecent('ethereum', 'alpha', 'eth_call', stats(120))
    store.setRecent('ethereum', 'bravo', 'eth_call', stats(35))
    store.setRecent('ethereum', 'charlie', 'eth_call', stats(80))
    store.setRecent('ethereum', 'delta', 'eth_call', stats(35))
    expect(ids(createFastestStrategy().select(four, context))).toEqual(['bravo', 'delta', 'charlie', 'alpha'])
  })

  it('uses the figures of the requested method, not the provider-wide ones', () => {
    const { store, context } = setup('eth_getLogs')
    store.setRecent('ethereum', 'alpha', 'eth_getLogs', stats(900))
    store.setRecent('ethereum', 'bravo', 'eth_getLogs', stats(300))
    store.setRecent('ethereum', 'alpha', undefined, stats(10))
    store.setRecent('ethereum', 'alpha', 'eth_call', stats(10))
    expect(ids(createFastestStrategy().select([alpha!, bravo!], context))).toEqual(['bravo', 'alpha'])
  })

  it('adds errorRate × errorPenaltyMs, so a flaky fast provider loses to a reliable slower one', () => {
    const { store, context } = setup()
    store.setRecent('ethereum', 'alpha', 'eth_call', stats(50, 20, 0.1)) // 50 + 0.1 × 1000 = 150
    store.setRecent('ethereum', 'bravo', 'eth_call', stats(120, 20, 0))
    expect(ids(createFastestStrategy().select([alpha!, bravo!], context))).toEqual(['bravo', 'alpha'])
    expect(ids(createFastestStrategy({ errorPenaltyMs: 0 }).select([alpha!, bravo!], context))).toEqual([
      'alpha',
      'bravo',
    ])
  })

  it('tries the coldest provider first, and the other cold ones after the measured', () => {
    const { store, context } = setup()
    store.setRecent('ethereum', 'alpha', 'eth_call', stats(90))
    store.setRecent('ethereum', 'bravo', 'eth_call', stats(40))
    store.setRecent('ethereum', 'charlie', 'eth_call', stats(10, 2)) // cold: 2 < minSamples 5
    // delta has no recent figures at all: 0 samples, the coldest.
    expect(ids(createFastestStrategy().select(four, context))).toEqual(['delta', 'bravo', 'alpha', 'charlie'])
  })

  it('ranks a provider on its latency once it reaches minSamples', () => {
    const { store, context } = setup()
    const strategy = createFastestStrategy({ minSamples: 3 })
    store.setRecent('ethereum', 'alpha', 'eth_call', stats(20))
    store.setRecent('ethereum', 'bravo', 'eth_call', stats(500, 2.9))
    expect(ids(strategy.select([alpha!, bravo!], context))).toEqual(['bravo', 'alpha'])
    store.setRecent('ethereum', 'bravo', 'eth_call', stats(500, 3))
    expect(ids(strategy.select([alpha!, bravo!], context))).toEqual(['alpha', 'bravo'])
  })

  it('explores cold providers by fewest samples, then priority, then id', () => {
    const { store, context } = setup()
    const strategy = createFastestStrategy()
    const input = [provider('alpha', 1), provider('bravo', 0), provider('charlie', 0)]
    expect(ids(strategy.select(input, context))).toEqual(['bravo', 'charlie', 'alpha'])
    store.setRecent('ethereum', 'bravo', 'eth_call', stats(40, 1))
    expect(ids(strategy.select(input, context))).toEqual(['charlie', 'bravo', 'alpha'])
  })

  it('gives cold providers failover traffic only when explore is false', () => {
    const { store, context } = setup()
    store.setRecent('ethereum', 'alpha', 'eth_call', stats(90))
    store.setRecent('ethereum', 'bravo', 'eth_call', stats(40))
    const order = createFastestStrategy({ explore: false }).select(
      [provider('charlie', 0), alpha!, bravo!],
      context,
    )
    expect(ids(order)).toEqual(['bravo', 'alpha', 'charlie'])
  })

  it('ranks by the median of the last calls when the store has it, not by the decayed mean', () => {
    const { store, context } = setup()
    // alpha's mean carries its stalls; its typical answer is the fastest.
    store.setRecent('ethereum', 'alpha', 'eth_call', { ...stats(70), medianMs: 20 })
    store.setRecent('ethereum', 'bravo', 'eth_call', { ...stats(40), medianMs: 38 })
    expect(ids(createFastestStrategy().select([alpha!, bravo!], context))).toEqual(['alpha', 'bravo'])
  })

  it('puts the least-sampled measured runner-up first once every exploreEvery decisions', () => {
    const { store, context } = setup()
    store.setRecent('ethereum', 'alpha', 'eth_call', stats(20, 300))
    store.setRecent('ethereum', 'bravo', 'eth_call', stats(40, 30))
    store.setRecent('ethereum', 'charlie', 'eth_call', stats(60, 12))
    const strategy = createFastestStrategy({ exploreEvery: 4 })
    const orders = Array.from({ length: 8 }, () => ids(strategy.select([alpha!, bravo!, charlie!], context)))
    const usual = ['alpha', 'bravo', 'charlie']
    const explored = ['charlie', 'alpha', 'bravo'] // the leader is the hedge target of the probe
    expect(orders).toEqual([usual, usual, usual, explored, usual, usual, usual, explored])
  })

  it('never explores a runner-up when explore is false', () => {
    const { store, context } = setup()
    store.setRecent('ethereum', 'alpha', 'eth_call', stats(20, 300))
    store.setRecent('ethereum', 'bravo', 'eth_call', stats(40, 10))
    const strategy = createFastestStrategy({ explore: false, exploreEvery: 2 })
    for (let i = 0; i < 6; i++)
      expect(ids(strategy.select([alpha!, bravo!], context))).toEqual(['alpha', 'bravo'])
  })

  it('counts only decisions between measured providers toward exploreEvery', () => {
    const { store, context } = setup()
    store.setRecent('ethereum', 'alpha', 'eth_call', stats(20, 300))
    const strategy = createFastestStrategy({ exploreEvery: 2 })
    // bravo cold: the cold exploration decides, and the runner-up counter does not move.
    for (let i = 0; i < 3; i++)
      expect(ids(strategy.select([alpha!, bravo!], context))).toEqual(['bravo', 'alpha'])
    store.setRecent('ethereum', 'bravo', 'eth_call', stats(40, 10))
    expect(ids(strategy.select([alpha!, bravo!], context))).toEqual(['alpha', 'bravo'])
    expect(ids(strategy.select([alpha!, bravo!], context))).toEqual(['bravo', 'alpha'])
  })

  it('treats a NaN latency as unmeasured', () => {
    const { store, context } = setup()
    store.setRecent('ethereum', 'alpha', 'eth_call', stats(Number.NaN))
    store.setRecent('ethereum', 'bravo', 'eth_call', stats(40))
    const order = createFastestStrategy({ explore: false }).select([alpha!, bravo!], context)
    expect(ids(order)).toEqual(['bravo', 'alpha'])
  })

  it('rejects a minSamples below 1, naming the option', () => {
    expect(() => createFastestStrategy({ minSamples: 0 })).toThrow(ConfigError)
    expect(() => createFastestStrategy({ minSamples: 0 })).toThrow(/minSamples/)
  })

  it('rejects an exploreEvery below 2 or not an integer, naming the option', () => {
    expect(() => createFastestStrategy({ exploreEvery: 1 })).toThrow(/exploreEvery/)
    expect(() => createFastestStrategy({ exploreEvery: 2.5 })).toThrow(ConfigError)
  })

  describe('with a real BenchmarkStore', () => {
    function realStore() {
      const clock = createFakeClock(1_000)
      const store = createBenchmarkStore({ clock, recentHalfLifeMs: 30_000 })
      const call = (providerId: string, durationMs: number, times = 1, method = 'eth_call', ok = true) => {
        for (let i = 0; i < times; i++) {
          store.recordRpcCall('ethereum', { providerId, method, strategy: 'fastest', durationMs, ok })
          clock.advance(10)
        }
      }
      const context = (method = 'eth_call'): RoutingContext => ({
        chain: 'ethereum',
        method,
        store,
        now: clock.now(),
      })
      return { clock, store, call, context }
    }

    it('follows recorded latencies', () => {
      const { call, context } = realStore()
      const strategy = createFastestStrategy()
      call('alpha', 80, 10)
      call('bravo', 20, 10)
      call('charlie', 50, 10)
      expect(ids(strategy.select([alpha!, bravo!, charlie!], context()))).toEqual([
        'bravo',
        'charlie',
        'alpha',
      ])
      call('bravo', 400, 5) // bravo degrades: five calls move the median of its last 8
      expect(ids(strategy.select([alpha!, bravo!, charlie!], context()))).toEqual([
        'charlie',
        'alpha',
        'bravo',
      ])
    })

    it('ranks per method: a provider slow at eth_getLogs can still lead eth_call', () => {
      const { call, context } = realStore()
      const strategy = createFastestStrategy()
      call('alpha', 20, 10, 'eth_call')
      call('alpha', 900, 10, 'eth_getLogs')
      call('bravo', 60, 10, 'eth_call')
      call('bravo', 300, 10, 'eth_getLogs')
      expect(ids(strategy.select([alpha!, bravo!], context('eth_call')))).toEqual(['alpha', 'bravo'])
      expect(ids(strategy.select([alpha!, bravo!], context('eth_getLogs')))).toEqual(['bravo', 'alpha'])
    })

    it('counts recorded failures against a provider', () => {
      const { call, context } = realStore()
      call('alpha', 30, 8)
      call('alpha', 30, 2, 'eth_call', false) // 20 % errors: 30 + 0.2 × 1000 = 230
      call('bravo', 90, 10)
      expect(ids(createFastestStrategy().select([alpha!, bravo!], context()))).toEqual(['bravo', 'alpha'])
    })

    it('keeps a provider first through a stall among its last calls', () => {
      const { call, context } = realStore()
      const strategy = createFastestStrategy()
      call('alpha', 20, 30)
      call('bravo', 35, 30)
      call('alpha', 800, 2) // two stalls in a row: the decayed mean passes bravo's, the median does not
      call('alpha', 20, 1)
      expect(ids(strategy.select([alpha!, bravo!], context()))).toEqual(['alpha', 'bravo'])
    })

    it('wins its place back after it recovers, through exploratory calls, within 100 decisions', () => {
      const { clock, store, context } = realStore()
      const strategy = createFastestStrategy({ exploreEvery: 20 })
      // Each decision's first provider answers at its current pace, as the pool would record it.
      const pace: Record<string, number> = { alpha: 80, bravo: 35 } // alpha is degraded
      const decide = () => {
        const first = strategy.select([alpha!, bravo!], context())[0]!.id
        store.recordRpcCall('ethereum', {
          providerId: first,
          method: 'eth_call',
          strategy: 'fastest',
          durationMs: pace[first]!,
          ok: true,
        })
        clock.advance(100)
        return first
      }
      const firsts = Array.from({ length: 200 }, decide)
      // While degraded, alpha gets its cold calls (5, or 6 as the first ones decay a little) and then
      // one exploratory call in 20 of the ~190 decisions left.
      const alphaCalls = firsts.filter((id) => id === 'alpha').length
      expect(alphaCalls).toBeGreaterThanOrEqual(5 + 9)
      expect(alphaCalls).toBeLessThanOrEqual(6 + 10)
      pace.alpha = 20 // alpha recovers
      const after = Array.from({ length: 200 }, decide)
      // Five exploratory calls (one decision in 20) bring its median of 8 down to 20 ms: it leads again.
      const leadsAgain = after.findIndex((id, i) => id === 'alpha' && after[i + 1] === 'alpha')
      expect(leadsAgain).toBeGreaterThan(0)
      expect(leadsAgain).toBeLessThanOrEqual(5 * 20)
      // From then on bravo, now the runner-up, gets the exploratory calls only.
      const bravoAfter = after.slice(leadsAgain).filter((id) => id === 'bravo').length
      expect(bravoAfter).toBeLessThanOrEqual(Math.ceil((200 - leadsAgain) / 20))
    })

    it('re-probes a provider first once its recent samples decay below minSamples', () => {
      const { clock, call, context } = realStore()
      const strategy = createFastestStrategy({ minSamples: 5 })
      call('alpha', 500, 6)
      call('bravo', 40, 200)
      expect(ids(strategy.select([alpha!, bravo!], context()))).toEqual(['bravo', 'alpha'])
      clock.advance(30_000) // one half-life: alpha's 6 samples weigh 3 now, bravo's still well above 5
      expect(ids(strategy.select([alpha!, bravo!], context()))).toEqual(['alpha', 'bravo'])
    })
  })
})
