import { describe, expect, it } from 'vitest'
import { createStubBenchmarkStore } from './stub-benchmark-store.js'

describe('stub benchmark store', () => {
  it('ranks the leaderboard by score, then total races, then id', () => {
    const store = createStubBenchmarkStore()
    store.setRace('ethereum', 'charlie', { score: 1, wins: 2, losses: 2 })
    store.setRace('ethereum', 'alpha', { score: 1, wins: 1 })
    store.setRace('ethereum', 'bravo', { score: 1, wins: 2, losses: 2 })
    store.setRace('ethereum', 'delta', { score: 3 })
    store.setRace('polygon', 'echo', { score: 9 })
    const rows = store.leaderboard('ethereum')
    expect(rows.map((row) => [row.providerId, row.rank])).toEqual([
      ['delta', 1],
      ['bravo', 2],
      ['charlie', 3],
      ['alpha', 4],
    ])
    expect(rows[1]).toMatchObject({ wins: 2, losses: 2, totalRaces: 4, winRate: 0.5, score: 1 })
  })

  it('keeps per-method and provider-wide recent figures apart, and clears them', () => {
    const store = createStubBenchmarkStore()
    const figures = { samples: 10, latencyMs: 40, p95Ms: 80, errorRate: 0.1 }
    store.setRecent('ethereum', 'alpha', 'eth_call', figures)
    expect(store.recent('ethereum', 'alpha', 'eth_call')).toEqual(figures)
    expect(store.recent('ethereum', 'alpha')).toBeUndefined()
    expect(store.recent('ethereum', 'alpha', 'eth_getLogs')).toBeUndefined()
    expect(store.recent('polygon', 'alpha', 'eth_call')).toBeUndefined()
    store.setRecent('ethereum', 'alpha', 'eth_call', undefined)
    expect(store.recent('ethereum', 'alpha', 'eth_call')).toBeUndefined()
  })

  it('counts writes without changing any figure', () => {
    const store = createStubBenchmarkStore()
    store.recordRaceWin('ethereum', 'alpha', 'newHeads', 1)
    store.recordRpcCall('ethereum', {
      providerId: 'alpha',
      method: 'eth_call',
      strategy: 's',
      durationMs: 5,
      ok: true,
    })
    expect(store.writes).toBe(2)
    expect(store.leaderboard('ethereum')).toEqual([])
    expect(store.recent('ethereum', 'alpha', 'eth_call')).toBeUndefined()
  })

  it('lists the chains it has figures for', () => {
    const store = createStubBenchmarkStore()
    store.setRace('ethereum', 'alpha', { score: 1 })
    store.setRecent('polygon', 'bravo', undefined, { samples: 1, latencyMs: 1, p95Ms: 1, errorRate: 0 })
    expect(store.chains()).toEqual(['ethereum', 'polygon'])
  })
})
