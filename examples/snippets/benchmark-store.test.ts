import { expect, it } from 'vitest'
import { main } from './benchmark-store.js'

it('ranks the provider that wins most races first, summarises latency, and survives a JSON round trip', async () => {
  const { leaderboard, latency, recentErrorRate, restoredLeaderboard } = await main()
  expect(leaderboard).toEqual(['#1 alchemy: 75/100 won, score 1.34', '#2 infura: 25/100 won, score 0.45'])
  expect(latency).toEqual([
    'alchemy: 50 calls, 0 errors, p95 49 ms',
    'infura: 50 calls, 10 errors, p95 90 ms',
  ])
  expect(recentErrorRate).toBeCloseTo(0.2, 1)
  expect(restoredLeaderboard).toEqual(['alchemy', 'infura'])
})
