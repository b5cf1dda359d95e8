import { describe, expect, it } from 'vitest'
import { createStubBenchmarkStore } from '../testing/stub-benchmark-store.js'
import { createRoundRobinStrategy } from './round-robin.js'
import type { ProviderCandidate, RoutingContext, RoutingStrategy } from './types.js'

const provider = (id: string, priority = 0, chain = 'ethereum'): ProviderCandidate => ({
  id,
  chain,
  priority,
})
const ids = (list: readonly ProviderCandidate[]) => list.map((candidate) => candidate.id)
const store = createStubBenchmarkStore()
const context = (chain = 'ethereum', method = 'eth_call'): RoutingContext => ({
  chain,
  method,
  store,
  now: 0,
})

function starters(
  strategy: RoutingStrategy,
  calls: ReadonlyArray<readonly ProviderCandidate[]>,
  chain = 'ethereum',
) {
  return calls.map((candidates) => strategy.select(candidates, context(chain))[0]?.id)
}

describe('round-robin strategy', () => {
  const alpha = provider('alpha', 0)
  const bravo = provider('bravo', 1)
  const charlie = provider('charlie', 2)
  const all = [charlie, alpha, bravo]

  it('starts each call with the next provider in priority order, wrapping around', () => {
    const strategy = createRoundRobinStrategy()
    expect(starters(strategy, [all, all, all, all, all])).toEqual([
      'alpha',
      'bravo',
      'charlie',
      'alpha',
      'bravo',
    ])
  })

  it('keeps the others in priority order behind the starter', () => {
    const strategy = createRoundRobinStrategy()
    strategy.select(all, context())
    strategy.select(all, context())
    expect(ids(strategy.select(all, context()))).toEqual(['charlie', 'alpha', 'bravo'])
  })

  it('rotates per chain: calls on one chain do not move another chain', () => {
    const strategy = createRoundRobinStrategy()
    const polygon = [provider('alpha', 0, 'polygon'), provider('bravo', 1, 'polygon')]
    strategy.select(all, context('ethereum'))
    strategy.select(all, context('ethereum'))
    expect(starters(strategy, [polygon, polygon], 'polygon')).toEqual(['alpha', 'bravo'])
    expect(starters(strategy, [all])).toEqual(['charlie'])
  })

  it('rotates across methods of one chain (one rotation per chain, not per method)', () => {
    const strategy = createRoundRobinStrategy()
    const first = strategy.select(all, context('ethereum', 'eth_call'))[0]?.id
    const second = strategy.select(all, context('ethereum', 'eth_getLogs'))[0]?.id
    expect([first, second]).toEqual(['alpha', 'bravo'])
  })

  it('continues after the last starter when providers drop out and come back', () => {
    const strategy = createRoundRobinStrategy()
    const withoutBravo = [alpha, charlie]
    expect(starters(strategy, [all, withoutBravo, all, all, [bravo]])).toEqual([
      'alpha',
      'charlie',
      'alpha',
      'bravo',
      'bravo',
    ])
  })

  it('continues from the last starter even after it was removed', () => {
    const strategy = createRoundRobinStrategy()
    strategy.select(all, context())
    strategy.select(all, context()) // bravo started
    expect(starters(strategy, [[alpha, charlie]])).toEqual(['charlie'])
  })

  it('does not advance on an empty candidate list', () => {
    const strategy = createRoundRobinStrategy()
    expect(strategy.select([], context())).toEqual([])
    expect(starters(strategy, [all])).toEqual(['alpha'])
  })

  it('gives the same orders from two instances fed the same calls', () => {
    const one = createRoundRobinStrategy()
    const two = createRoundRobinStrategy()
    const calls = [all, [alpha, bravo], all, [charlie], all, all]
    expect(calls.map((c) => ids(one.select(c, context())))).toEqual(
      calls.map((c) => ids(two.select(c, context()))),
    )
  })
})
