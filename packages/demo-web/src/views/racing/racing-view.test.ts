import { describe, expect, it } from 'vitest'
import { scoreSeries } from './racing-view.js'

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
