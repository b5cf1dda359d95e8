import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors/errors.js'
import { createStubBenchmarkStore } from '../testing/stub-benchmark-store.js'
import { createPriorityStrategy } from './priority.js'
import type { ProviderCandidate, RoutingContext } from './types.js'

const provider = (id: string, priority: number): ProviderCandidate => ({ id, chain: 'ethereum', priority })
const ids = (list: readonly ProviderCandidate[]) => list.map((candidate) => candidate.id)

describe('priority strategy', () => {
  const store = createStubBenchmarkStore()
  const context: RoutingContext = { chain: 'ethereum', method: 'eth_call', store, now: 0 }

  it('orders by ascending priority, ties by id, whatever the input order', () => {
    const strategy = createPriorityStrategy()
    const input = [provider('delta', 2), provider('charlie', 0), provider('alpha', 1), provider('bravo', 0)]
    expect(ids(strategy.select(input, context))).toEqual(['bravo', 'charlie', 'alpha', 'delta'])
    expect(ids(strategy.select([...input].reverse(), context))).toEqual([
      'bravo',
      'charlie',
      'alpha',
      'delta',
    ])
  })

  it('ignores metrics', () => {
    const strategy = createPriorityStrategy()
    store.setRace('ethereum', 'bravo', { score: 10 })
    store.setRecent('ethereum', 'bravo', 'eth_call', { samples: 50, latencyMs: 1, p95Ms: 2, errorRate: 0 })
    expect(ids(strategy.select([provider('bravo', 1), provider('alpha', 0)], context))).toEqual([
      'alpha',
      'bravo',
    ])
  })

  it('handles more candidates than its preallocated buffers', () => {
    const strategy = createPriorityStrategy()
    const input = Array.from({ length: 20 }, (_, i) =>
      provider(`p${String(19 - i).padStart(2, '0')}`, (19 - i) % 3),
    )
    const order = strategy.select(input, context)
    expect(order.map((c) => c.priority)).toEqual([...order.map((c) => c.priority)].sort((a, b) => a - b))
    expect(new Set(order).size).toBe(20)
  })

  it('takes a custom name and rejects an invalid one', () => {
    expect(createPriorityStrategy({ name: 'primary-first' }).name).toBe('primary-first')
    expect(() => createPriorityStrategy({ name: 'has space' })).toThrow(/name/)
  })

  it('throws a ConfigError for an invalid name', () => {
    expect(() => createPriorityStrategy({ name: '' })).toThrow(ConfigError)
  })
})
