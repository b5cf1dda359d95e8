import { describe, expect, it } from 'vitest'
import { createBenchmarkStore } from '../benchmark-store/benchmark-store.js'
import { createFakeClock } from '../clock/fake-clock.js'
import { ConfigError } from '../errors/errors.js'
import { createStubBenchmarkStore } from '../testing/stub-benchmark-store.js'
import { createLeaderboardStrategy } from './leaderboard.js'
import type { ProviderCandidate, RoutingContext } from './types.js'

const provider = (id: string, priority = 0): ProviderCandidate => ({ id, chain: 'ethereum', priority })
const ids = (list: readonly ProviderCandidate[]) => list.map((candidate) => candidate.id)

function setup() {
  const store = createStubBenchmarkStore()
  const context: RoutingContext = { chain: 'ethereum', method: 'eth_call', store, now: 0 }
  return { store, context, strategy: createLeaderboardStrategy() }
}

describe('leaderboard strategy', () => {
  it('is named leaderboard', () => {
    expect(createLeaderboardStrategy().name).toBe('leaderboard')
  })

  it('orders providers by race score, highest first', () => {
    const { store, context, strategy } = setup()
    store.setRace('ethereum', 'alpha', { score: 0.4 })
    store.setRace('ethereum', 'bravo', { score: 2.1 })
    store.setRace('ethereum', 'charlie', { score: 1.3 })
    expect(
      ids(strategy.select([provider('alpha'), provider('bravo'), provider('charlie')], context)),
    ).toEqual(['bravo', 'charlie', 'alpha'])
  })

  it('puts providers without race data after those with data, even a score of 0', () => {
    const { store, context, strategy } = setup()
    store.setRace('ethereum', 'bravo', { score: 0, wins: 1, losses: 0 })
    store.setRace('ethereum', 'charlie', { score: 5, wins: 0, losses: 0 }) // in the table, but never raced
    const order = strategy.select(
      [provider('alpha', 0), provider('bravo', 9), provider('charlie', 0)],
      context,
    )
    expect(ids(order)).toEqual(['bravo', 'alpha', 'charlie'])
  })

  it('breaks score ties by priority, then id', () => {
    const { store, context, strategy } = setup()
    for (const id of ['alpha', 'bravo', 'charlie', 'delta']) store.setRace('ethereum', id, { score: 1 })
    const order = strategy.select(
      [provider('delta', 1), provider('charlie', 0), provider('bravo', 1), provider('alpha', 2)],
      context,
    )
    expect(ids(order)).toEqual(['charlie', 'bravo', 'delta', 'alpha'])
  })

  it('orders providers without race data by priority, then id', () => {
    const { context, strategy } = setup()
    const order = strategy.select(
      [provider('charlie', 1), provider('bravo', 0), provider('alpha', 1)],
      context,
    )
    expect(ids(order)).toEqual(['bravo', 'alpha', 'charlie'])
  })

  it("reads only the request chain's leaderboard", () => {
    const { store, context, strategy } = setup()
    store.setRace('polygon', 'bravo', { score: 9 })
    store.setRace('ethereum', 'alpha', { score: 1 })
    expect(ids(strategy.select([provider('bravo'), provider('alpha')], context))).toEqual(['alpha', 'bravo'])
  })

  it('returns a new array and leaves the input in its order', () => {
    const { store, context, strategy } = setup()
    store.setRace('ethereum', 'bravo', { score: 3 })
    const input = [provider('alpha'), provider('bravo')]
    const order = strategy.select(input, context)
    expect(order).not.toBe(input)
    expect(ids(input)).toEqual(['alpha', 'bravo'])
    expect(ids(order)).toEqual(['bravo', 'alpha'])
  })

  it('rejects unknown options', () => {
    expect(() => createLeaderboardStrategy({ nme: 'x' } as never)).toThrow(ConfigError)
  })

  describe('with a real BenchmarkStore', () => {
    it('follows recorded race wins', () => {
      const clock = createFakeClock(1_000)
      const store = createBenchmarkStore({ clock })
      const context: RoutingContext = { chain: 'ethereum', method: 'eth_call', store, now: clock.now() }
      const candidates = [provider('alpha'), provider('bravo'), provider('charlie'), provider('delta')]
      const strategy = createLeaderboardStrategy()
      const race = (winner: string, losers: Array<[string, number]>, times: number) => {
        for (let block = 0; block < times; block++) {
          const at = clock.now()
          store.recordRaceWin('ethereum', winner, 'newHeads', at)
          for (const [loser, marginMs] of losers)
            store.recordRaceLoss('ethereum', loser, 'newHeads', at + marginMs, marginMs)
          clock.advance(1_000)
        }
      }
      race(
        'bravo',
        [
          ['alpha', 30],
          ['charlie', 200],
        ],
        20,
      )
      expect(ids(strategy.select(candidates, context))).toEqual(['bravo', 'alpha', 'charlie', 'delta'])
      race(
        'alpha',
        [
          ['bravo', 40],
          ['charlie', 150],
        ],
        60,
      )
      expect(ids(strategy.select(candidates, context))).toEqual(['alpha', 'bravo', 'charlie', 'delta'])
    })
  })
})
