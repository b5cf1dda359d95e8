import { describe, expect, it } from 'vitest'
import { ConfigError, DuplicateStrategyError, UnknownStrategyError } from '../errors/errors.js'
import { createStubBenchmarkStore } from '../testing/stub-benchmark-store.js'
import { createFastestStrategy } from './fastest.js'
import { builtInStrategyNames, createStrategyRegistry, defaultStrategyName } from './registry.js'
import type { ProviderCandidate, RoutingStrategy } from './types.js'

const reversed: RoutingStrategy = {
  name: 'reversed',
  select: (candidates) => [...candidates].reverse(),
}

describe('strategy registry', () => {
  it('starts with the built-ins, the default first', () => {
    const registry = createStrategyRegistry()
    expect(registry.names()).toEqual([
      'leaderboard',
      'priority',
      'round-robin',
      'fastest',
      'cheapest',
      'hybrid',
    ])
    expect(registry.names()).toEqual([...builtInStrategyNames])
    expect(defaultStrategyName).toBe('leaderboard')
    for (const name of builtInStrategyNames) expect(registry.get(name).name).toBe(name)
  })

  it('registers a custom strategy under its name', () => {
    const registry = createStrategyRegistry()
    registry.register(reversed)
    expect(registry.get('reversed')).toBe(reversed)
    expect(registry.has('reversed')).toBe(true)
    expect(registry.names().at(-1)).toBe('reversed')
  })

  it('throws DuplicateStrategyError when the name is taken', () => {
    const registry = createStrategyRegistry()
    const fastest = registry.get('fastest')
    expect(() => registry.register({ ...reversed, name: 'fastest' })).toThrow(DuplicateStrategyError)
    expect(registry.get('fastest')).toBe(fastest)
  })

  it('replaces a strategy with { replace: true }, keeping its place in names()', () => {
    const registry = createStrategyRegistry()
    const tuned = createFastestStrategy({ minSamples: 20 })
    registry.register(tuned, { replace: true })
    expect(registry.get('fastest')).toBe(tuned)
    expect(registry.names()).toEqual([...builtInStrategyNames])
  })

  it('throws UnknownStrategyError listing the registered names', () => {
    const registry = createStrategyRegistry()
    registry.register(reversed)
    const error = (() => {
      try {
        registry.get('fastset')
      } catch (caught) {
        return caught
      }
    })()
    expect(error).toBeInstanceOf(UnknownStrategyError)
    expect((error as UnknownStrategyError).code).toBe('UNKNOWN_STRATEGY')
    expect((error as Error).message).toContain('"fastset"')
    expect((error as Error).message).toContain(
      'leaderboard, priority, round-robin, fastest, cheapest, hybrid, reversed',
    )
    expect(registry.has('fastset')).toBe(false)
  })

  it('rejects a name that is not one URL path segment', () => {
    const registry = createStrategyRegistry()
    expect(() => registry.register({ ...reversed, name: 'by/region' })).toThrow(ConfigError)
    expect(() => registry.register({ ...reversed, name: '' })).toThrow(/name/)
  })

  it('rejects a strategy whose select is not a function', () => {
    const registry = createStrategyRegistry()
    expect(() => registry.register({ name: 'broken', select: 'nope' } as unknown as RoutingStrategy)).toThrow(
      /select: expected a function/,
    )
  })

  it('gives each registry its own instances, so round-robin state is not shared', () => {
    const one = createStrategyRegistry()
    const two = createStrategyRegistry()
    const candidates: ProviderCandidate[] = [
      { id: 'alpha', chain: 'ethereum', priority: 0 },
      { id: 'bravo', chain: 'ethereum', priority: 0 },
    ]
    const context = { chain: 'ethereum', method: 'eth_call', store: createStubBenchmarkStore(), now: 0 }
    expect(one.get('round-robin').select(candidates, context)[0]?.id).toBe('alpha')
    expect(two.get('round-robin').select(candidates, context)[0]?.id).toBe('alpha')
    expect(one.get('round-robin').select(candidates, context)[0]?.id).toBe('bravo')
  })
})
