import { describe, expect, it } from 'vitest'
import type { ChainCalls, ChainView } from '../../api/types.js'
import { createDashboardStore } from '../dashboard-store.js'

const counts = (calls: number, cacheHits: number, coalesced: number): ChainCalls => ({
  calls,
  cacheHits,
  coalesced,
  routed: calls - cacheHits - coalesced,
  upstreamCalls: calls - cacheHits - coalesced,
  saved: cacheHits + coalesced,
})

const chains = (ethereum: ChainCalls, polygon?: ChainCalls): ChainView[] => [
  {
    name: 'ethereum',
    chainId: 1,
    strategy: 'leaderboard',
    providers: [],
    healthyProviders: 0,
    calls: ethereum,
  },
  ...(polygon
    ? [
        {
          name: 'polygon',
          chainId: 137,
          strategy: 'leaderboard',
          providers: [],
          healthyProviders: 0,
          calls: polygon,
        },
      ]
    : []),
]

/** A store on a hand-moved clock, fed `chains` snapshots as the server sends them. */
function setup(callWindowSeconds = 60) {
  let at = 1_000_000
  const store = createDashboardStore({ now: () => at, callWindowSeconds })
  return {
    store,
    /** Moves the clock `seconds` on and applies one snapshot. */
    snapshot(seconds: number, payload: ChainView[]) {
      at += seconds * 1_000
      store.apply([{ topic: 'chains', payload }])
    },
  }
}

describe('the chains topic', () => {
  it('keeps the latest snapshot and the totals, with no recent figures from a single snapshot', () => {
    const { store, snapshot } = setup()
    snapshot(0, chains(counts(10, 4, 1)))
    expect(store.chains.value.map((chain) => chain.name)).toEqual(['ethereum'])
    expect(store.callSavings.value.ethereum).toEqual({
      total: counts(10, 4, 1),
      recent: null,
      savedPerSecond: [],
    })
  })

  it('derives hit rate, coalesced and saved calls over the window from the totals, per chain', () => {
    const { store, snapshot } = setup()
    snapshot(0, chains(counts(10, 4, 1), counts(0, 0, 0)))
    snapshot(1, chains(counts(20, 9, 3), counts(0, 0, 0)))
    snapshot(1, chains(counts(40, 19, 3), counts(4, 1, 0)))
    const ethereum = store.callSavings.value.ethereum!
    expect(ethereum.recent).toEqual({
      seconds: 2,
      calls: 30,
      cacheHits: 15,
      coalesced: 2,
      saved: 17,
      upstreamCalls: 13,
      hitRate: 0.5,
    })
    // Saved per second between snapshots: 7 then 10.
    expect(ethereum.savedPerSecond).toEqual([7, 10])
    expect(store.callSavings.value.polygon!.recent).toMatchObject({ calls: 4, hitRate: 0.25 })
  })

  it('has no hit rate over a window without calls', () => {
    const { store, snapshot } = setup()
    snapshot(0, chains(counts(10, 4, 1)))
    snapshot(1, chains(counts(10, 4, 1)))
    expect(store.callSavings.value.ethereum!.recent).toMatchObject({ calls: 0, saved: 0, hitRate: null })
  })

  it('forgets what is older than the window, keeping the one snapshot it starts from', () => {
    const { store, snapshot } = setup(60)
    snapshot(0, chains(counts(0, 0, 0)))
    // 100 s of one call a second, all hits after the first 50 s.
    for (let second = 1; second <= 100; second++)
      snapshot(1, chains(counts(second, Math.max(0, second - 50), 0)))
    const { recent, savedPerSecond } = store.callSavings.value.ethereum!
    expect(recent).toMatchObject({ seconds: 60, calls: 60, cacheHits: 50, hitRate: 50 / 60 })
    expect(savedPerSecond).toHaveLength(60)
  })

  it('starts a chain afresh when its totals go down (the server restarted)', () => {
    const { store, snapshot } = setup()
    snapshot(0, chains(counts(100, 50, 0)))
    snapshot(1, chains(counts(120, 60, 0)))
    snapshot(1, chains(counts(3, 1, 0)))
    expect(store.callSavings.value.ethereum).toEqual({
      total: counts(3, 1, 0),
      recent: null,
      savedPerSecond: [],
    })
  })

  it('shows nothing for a chain from a server that sends no counts', () => {
    const { store, snapshot } = setup()
    const { calls: _calls, ...older } = chains(counts(1, 0, 0))[0]!
    snapshot(0, [older])
    expect(store.chains.value).toHaveLength(1)
    expect(store.callSavings.value).toEqual({})
  })
})
