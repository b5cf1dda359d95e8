import { describe, expect, it } from 'vitest'
import type { LeaderboardEntry, ProviderView } from '../../api/types.js'
import { removedProviders, scoreSeries } from './racing-view.js'

describe('scoreSeries', () => {
  it('makes one column per provider, with gaps where a provider had not raced yet', () => {
    const { providers, data } = scoreSeries({
      chain: 'ethereum',
      intervalMs: 5_000,
      capacity: 10,
      samples: [
        { ts: 10_000, providers: [{ providerId: 'a', score: 0.5, winRate: 1, totalRaces: 3, rank: 1 }] },
        {
          ts: 15_000,
          providers: [
            { providerId: 'a', score: 0.7, winRate: 1, totalRaces: 5, rank: 1 },
            { providerId: 'b', score: 0.1, winRate: 0, totalRaces: 5, rank: 2 },
          ],
        },
      ],
    })
    expect(providers).toEqual(['a', 'b'])
    expect(data).toEqual([
      [10, 15],
      [0.5, 0.7],
      [null, 0.1],
    ])
  })
})

describe('removedProviders', () => {
  const row = (providerId: string) => ({ providerId }) as LeaderboardEntry
  const provider = (id: string, chain: string) => ({ id, chain }) as ProviderView
  const board = [row('alpha'), row('sim-1'), row('bravo')]

  it('marks the rows of providers that are no longer in the chain’s pool', () => {
    const providers = [
      provider('alpha', 'ethereum'),
      provider('bravo', 'ethereum'),
      provider('sim-1', 'polygon'),
    ]
    expect([...removedProviders(board, providers, 'ethereum')]).toEqual(['sim-1'])
  })

  it('marks nothing before the first providers snapshot', () => {
    expect(removedProviders(board, [], 'ethereum').size).toBe(0)
  })
})
