import { describe, expect, it } from 'vitest'
import { createFakeClock } from '../clock/fake-clock.js'
import { BenchmarkSnapshotError, ConfigError } from '../errors/errors.js'
import { createBenchmarkStore } from './benchmark-store.js'
import { defaultScore } from './score.js'
import { parseBenchmarkSnapshot } from './snapshot-schema.js'
import type { BenchmarkStore, BenchmarkStoreSnapshot } from './types.js'

/** Records `wins` wins and `losses` losses (each `marginMs` behind) for one provider. */
function race(
  store: BenchmarkStore,
  chain: string,
  provider: string,
  wins: number,
  losses = 0,
  marginMs = 0,
) {
  for (let i = 0; i < wins; i++) store.recordRaceWin(chain, provider, 'newHeads', i)
  for (let i = 0; i < losses; i++) store.recordRaceLoss(chain, provider, 'newHeads', i, marginMs)
}

describe('createBenchmarkStore options', () => {
  it('rejects invalid options with a ConfigError naming the field', () => {
    expect(() => createBenchmarkStore({ maxEntriesPerChain: 0 })).toThrow(ConfigError)
    expect(() => createBenchmarkStore({ maxEntriesPerChain: 0 })).toThrow(/maxEntriesPerChain/)
    expect(() => createBenchmarkStore({ score: 3 as never })).toThrow(/score: expected a function/)
    expect(() => createBenchmarkStore({ maxEntries: 10 } as never)).toThrow(/maxEntries/)
  })

  it('keeps 10,000 entries per table by default', () => {
    const store = createBenchmarkStore({ clock: createFakeClock() })
    for (let i = 0; i < 10_001; i++) store.recordRaceWin('eth', 'a', 'newHeads', i)
    expect(store.raceEntries('eth')).toHaveLength(10_001 - 1_000)
  })
})

describe('leaderboard and score', () => {
  it('computes the spec score on known numbers', () => {
    expect(
      defaultScore({ providerId: 'a', wins: 60, losses: 40, totalRaces: 100, winRate: 0.6, avgMarginMs: 25 }),
    ).toBe(0.6 * 0.8 * 2)
    expect(
      defaultScore({ providerId: 'a', wins: 1, losses: 0, totalRaces: 1, winRate: 1, avgMarginMs: 0 }),
    ).toBe(0)
    expect(
      defaultScore({ providerId: 'a', wins: 10, losses: 0, totalRaces: 10, winRate: 1, avgMarginMs: 0 }),
    ).toBe(1)
  })

  it('ranks providers by score with wins, losses, win rate and average margin', () => {
    const store = createBenchmarkStore({ clock: createFakeClock() })
    race(store, 'eth', 'fast', 60, 40, 25)
    race(store, 'eth', 'slow', 40, 60, 100)
    const board = store.leaderboard('eth')
    expect(board).toEqual([
      {
        providerId: 'fast',
        wins: 60,
        losses: 40,
        totalRaces: 100,
        winRate: 0.6,
        avgMarginMs: 25,
        score: 0.96,
        rank: 1,
      },
      {
        providerId: 'slow',
        wins: 40,
        losses: 60,
        totalRaces: 100,
        winRate: 0.4,
        avgMarginMs: 100,
        score: 0.4,
        rank: 2,
      },
    ])
  })

  it('breaks score ties by total races, then by provider id', () => {
    const store = createBenchmarkStore({ score: () => 1, clock: createFakeClock() })
    race(store, 'eth', 'b', 1)
    race(store, 'eth', 'a', 1)
    race(store, 'eth', 'c', 5)
    expect(store.leaderboard('eth').map((row) => [row.providerId, row.rank])).toEqual([
      ['c', 1],
      ['a', 2],
      ['b', 3],
    ])
  })

  it('uses a custom score function and sorts NaN scores last', () => {
    const store = createBenchmarkStore({
      score: (stats) => (stats.providerId === 'broken' ? Number.NaN : stats.losses),
      clock: createFakeClock(),
    })
    race(store, 'eth', 'winner', 10, 1, 5)
    race(store, 'eth', 'loser', 1, 10, 5)
    race(store, 'eth', 'broken', 3)
    expect(store.leaderboard('eth').map((row) => [row.providerId, row.score])).toEqual([
      ['loser', 10],
      ['winner', 1],
      ['broken', Number.NaN],
    ])
  })

  it('refreshes the cached leaderboard after new races and hands out copies', () => {
    const store = createBenchmarkStore({ clock: createFakeClock() })
    race(store, 'eth', 'a', 10)
    race(store, 'eth', 'b', 5)
    const first = store.leaderboard('eth')
    first.reverse()
    expect(store.leaderboard('eth')[0]?.providerId).toBe('a')
    race(store, 'eth', 'b', 20)
    expect(store.leaderboard('eth')[0]).toMatchObject({ providerId: 'b', wins: 25 })
  })

  it('reports race stats per event type, and all zero for unknown providers', () => {
    const store = createBenchmarkStore({ clock: createFakeClock() })
    store.recordRaceWin('eth', 'a', 'newHeads', 1)
    store.recordRaceWin('eth', 'a', 'logs', 2)
    store.recordRaceLoss('eth', 'a', 'logs', 3, 30)
    store.recordRaceLoss('eth', 'b', 'newHeads', 1, 10)
    expect(store.raceStats('eth', 'a')).toEqual({
      providerId: 'a',
      wins: 2,
      losses: 1,
      totalRaces: 3,
      winRate: 2 / 3,
      avgMarginMs: 30,
    })
    expect(store.raceStats('eth', 'a', 'logs')).toMatchObject({ wins: 1, losses: 1, winRate: 0.5 })
    expect(
      store.raceStatsByEventType('eth').map((row) => [row.providerId, row.eventType, row.wins, row.losses]),
    ).toEqual([
      ['a', 'logs', 1, 1],
      ['a', 'newHeads', 1, 0],
      ['b', 'newHeads', 0, 1],
    ])
    expect(store.raceStats('eth', 'nobody')).toEqual({
      providerId: 'nobody',
      wins: 0,
      losses: 0,
      totalRaces: 0,
      winRate: 0,
      avgMarginMs: 0,
    })
    expect(store.raceStats('unknown-chain', 'a', 'logs').totalRaces).toBe(0)
  })

  it('summarises loss margins with min, max, percentiles and fixed bars', () => {
    const store = createBenchmarkStore({ clock: createFakeClock() })
    for (const margin of [0.5, 3, 3, 15, 150, 7_000]) store.recordRaceLoss('eth', 'a', 'newHeads', 0, margin)
    store.recordRaceLoss('eth', 'b', 'logs', 0, 40)
    const margins = store.marginStats('eth', 'a')
    expect(margins).toMatchObject({ count: 6, minMs: 0.5, maxMs: 7_000, sumMs: 7_171.5 })
    expect(margins.p50Ms).toBeCloseTo(3, 1)
    const bars = Object.fromEntries(
      margins.buckets.filter((b) => b.count > 0).map((b) => [b.fromMs, b.count]),
    )
    expect(bars).toEqual({ 0: 1, 2: 2, 10: 1, 100: 1, 5000: 1 })
    expect(margins.buckets.at(-1)).toEqual({ fromMs: 5000, count: 1 })
    expect(store.marginStats('eth').count).toBe(7)
    expect(store.marginStats('eth', undefined, 'logs')).toMatchObject({ count: 1, maxMs: 40 })
    expect(store.marginStats('eth', 'nobody').count).toBe(0)
    expect(store.marginStats('nowhere').buckets).toHaveLength(margins.buckets.length)
  })
})

describe('bounded tables', () => {
  it('drops the oldest 10% in one go when a table is full, while aggregates keep every record', () => {
    const store = createBenchmarkStore({ maxEntriesPerChain: 100, clock: createFakeClock() })
    for (let i = 0; i < 100; i++) store.recordRaceLoss('eth', `p${i % 4}`, 'newHeads', i, i % 7)
    expect(store.raceEntries('eth')).toHaveLength(100)
    store.recordRaceWin('eth', 'p0', 'newHeads', 100)
    const entries = store.raceEntries('eth')
    expect(entries).toHaveLength(91)
    expect(entries[0]?.ts).toBe(10)
    expect(entries.at(-1)).toEqual({
      ts: 100,
      providerId: 'p0',
      eventType: 'newHeads',
      result: 'win',
      marginMs: 0,
    })

    for (let i = 101; i < 5_000; i++) store.recordRaceWin('eth', `p${i % 4}`, 'newHeads', i)
    expect(store.raceEntries('eth').length).toBeLessThanOrEqual(100)
    expect(store.raceEntries('eth').at(-1)?.ts).toBe(4_999)
    const board = store.leaderboard('eth')
    expect(board.reduce((sum, row) => sum + row.totalRaces, 0)).toBe(5_000)
    expect(board.reduce((sum, row) => sum + row.losses, 0)).toBe(100)
  })

  it('bounds the RPC table the same way and keeps all-history counts', () => {
    const clock = createFakeClock()
    const store = createBenchmarkStore({ maxEntriesPerChain: 50, clock })
    for (let i = 0; i < 1_234; i++) {
      clock.advance(1)
      store.recordRpcCall('eth', {
        providerId: 'a',
        method: 'eth_call',
        strategy: 's',
        durationMs: i,
        ok: i % 10 !== 0,
      })
    }
    const entries = store.rpcEntries('eth')
    expect(entries.length).toBeLessThanOrEqual(50)
    expect(entries.at(-1)).toEqual({
      ts: 1_234,
      providerId: 'a',
      method: 'eth_call',
      strategy: 's',
      durationMs: 1_233,
      ok: true,
    })
    expect(store.rpcStats('eth')[0]).toMatchObject({ count: 1_234, errors: 124 })
  })

  it('records names past a limit as "other", so memory does not grow with distinct names', () => {
    const store = createBenchmarkStore({ maxMethodsPerChain: 3, maxChains: 2, clock: createFakeClock() })
    for (let i = 0; i < 100; i++) {
      store.recordRpcCall('eth', { providerId: 'a', method: `m${i}`, strategy: 's', durationMs: 5, ok: true })
    }
    store.recordRpcCall('eth', {
      providerId: 'a',
      method: 'x'.repeat(500),
      strategy: 's',
      durationMs: 5,
      ok: true,
    })
    expect(store.rpcStats('eth', ['method']).map((row) => [row.method, row.count])).toEqual([
      ['m0', 1],
      ['m1', 1],
      ['m2', 1],
      ['other', 98],
    ])
    expect(store.recent('eth', 'a', 'm55')?.samples).toBe(98)
    store.recordRaceWin('a', 'p', 'newHeads', 0)
    store.recordRaceWin('b', 'p', 'newHeads', 0)
    expect(store.chains()).toEqual(['eth', 'a', 'other'])
    expect(store.raceStats('b', 'p').wins).toBe(1)
  })
})

describe('rpcStats', () => {
  function seeded() {
    const store = createBenchmarkStore({ clock: createFakeClock() })
    const calls = [
      ['a', 'eth_call', 'fastest', 10, true],
      ['a', 'eth_call', 'fastest', 30, false],
      ['b', 'eth_call', 'fastest', 20, true],
      ['b', 'eth_getLogs', 'priority', 100, true],
      ['a', 'eth_getLogs', 'priority', 200, true],
    ] as const
    for (const [providerId, method, strategy, durationMs, ok] of calls) {
      store.recordRpcCall('eth', { providerId, method, strategy, durationMs, ok })
    }
    return store
  }

  it('groups by method × strategy × provider by default', () => {
    const rows = seeded().rpcStats('eth')
    expect(
      rows.map((row) => [row.method, row.strategy, row.providerId, row.count, row.errors, row.meanMs]),
    ).toEqual([
      ['eth_call', 'fastest', 'a', 2, 1, 20],
      ['eth_call', 'fastest', 'b', 1, 0, 20],
      ['eth_getLogs', 'priority', 'a', 1, 0, 200],
      ['eth_getLogs', 'priority', 'b', 1, 0, 100],
    ])
  })

  it('merges coarser groups and omits the dimensions not grouped by', () => {
    const store = seeded()
    const byMethod = store.rpcStats('eth', ['method'])
    expect(byMethod).toHaveLength(2)
    expect(byMethod[0]).toEqual({
      method: 'eth_call',
      count: 3,
      errors: 1,
      meanMs: 20,
      p50Ms: expect.closeTo(20, 0),
      p95Ms: expect.closeTo(30, 0),
      p99Ms: expect.closeTo(30, 0),
    })
    expect(store.rpcStats('eth', ['providerId']).map((row) => [row.providerId, row.count])).toEqual([
      ['a', 3],
      ['b', 2],
    ])
    const [all] = store.rpcStats('eth', [])
    expect(all).toMatchObject({ count: 5, errors: 1, meanMs: 72 })
    expect(Object.keys(all ?? {})).not.toContain('method')
    expect(store.rpcStats('unknown')).toEqual([])
  })
})

describe('recent', () => {
  const call = (ok: boolean, durationMs = 100) => ({
    providerId: 'a',
    method: 'eth_call',
    strategy: 's',
    durationMs,
    ok,
  })

  it('decays with clock time: old calls weigh half after one half-life', () => {
    const clock = createFakeClock()
    const store = createBenchmarkStore({ clock, recentHalfLifeMs: 10_000 })
    for (let i = 0; i < 10; i++) store.recordRpcCall('eth', call(true, 100))
    expect(store.recent('eth', 'a')).toMatchObject({ samples: 10, latencyMs: 100, errorRate: 0 })
    clock.advance(10_000)
    expect(store.recent('eth', 'a')?.samples).toBeCloseTo(5, 10)
    store.recordRpcCall('eth', call(true, 400))
    // 5 decayed samples at 100 ms and one fresh one at 400 ms.
    expect(store.recent('eth', 'a')?.latencyMs).toBeCloseTo((5 * 100 + 400) / 6, 10)
  })

  it('reacts to errors and recovers as they age', () => {
    const clock = createFakeClock()
    const store = createBenchmarkStore({ clock, recentHalfLifeMs: 1_000 })
    for (let i = 0; i < 20; i++) store.recordRpcCall('eth', call(true))
    for (let i = 0; i < 20; i++) store.recordRpcCall('eth', call(false))
    expect(store.recent('eth', 'a', 'eth_call')?.errorRate).toBe(0.5)
    clock.advance(5_000)
    for (let i = 0; i < 20; i++) store.recordRpcCall('eth', call(true))
    const recovered = store.recent('eth', 'a', 'eth_call')?.errorRate ?? 1
    expect(recovered).toBeCloseTo(20 / 32 / (40 / 32 + 20), 10)
    expect(recovered).toBeLessThan(0.05)
  })

  it('reports a recent p95 from the current and previous window only', () => {
    const clock = createFakeClock()
    const store = createBenchmarkStore({ clock, recentWindowMs: 1_000, recentHalfLifeMs: 60_000 })
    /** Relative error of the recent p95 against the exact value; the recent sketch promises ≤ 2 %. */
    const p95Error = (exact: number) => Math.abs((store.recent('eth', 'a')?.p95Ms ?? 0) - exact) / exact
    for (let i = 1; i <= 100; i++) store.recordRpcCall('eth', call(true, i))
    expect(p95Error(95)).toBeLessThanOrEqual(0.02)
    clock.advance(1_500)
    for (let i = 0; i < 100; i++) store.recordRpcCall('eth', call(true, 1_000))
    expect(p95Error(1_000)).toBeLessThanOrEqual(0.02)
    clock.advance(1_000)
    for (let i = 0; i < 100; i++) store.recordRpcCall('eth', call(true, 10))
    // The 1..100 ms window has rotated out; what is left is 100 × 1000 ms and 100 × 10 ms.
    expect(p95Error(1_000)).toBeLessThanOrEqual(0.02)
    clock.advance(2_000)
    store.recordRpcCall('eth', call(true, 10))
    expect(store.recent('eth', 'a')?.p95Ms).toBe(10)
  })

  it('reports the median of the last 8 calls: three stalls cannot move it, five new calls do', () => {
    const clock = createFakeClock()
    const store = createBenchmarkStore({ clock })
    const median = () => store.recent('eth', 'a', 'eth_call')?.medianMs
    store.recordRpcCall('eth', call(true, 30))
    expect(median()).toBe(30)
    for (const durationMs of [20, 40, 30, 25, 35]) store.recordRpcCall('eth', call(true, durationMs))
    for (let i = 0; i < 3; i++) store.recordRpcCall('eth', call(true, 700)) // 3 stalls among the last 8
    // The last 8: 20, 40, 30, 25, 35 and the stalls; the middle two are the upper healthy ones, 35 and 40.
    expect(median()).toBe(37.5)
    for (let i = 0; i < 5; i++) store.recordRpcCall('eth', call(false, 200))
    expect(median()).toBe(200)
    clock.advance(60_000) // two half-lives: the median does not decay, it is the last calls' however old
    expect(store.recent('eth', 'a', 'eth_call')?.samples).toBeLessThan(4)
    expect(median()).toBe(200)
  })

  it('keeps the last calls, and so the median, through a snapshot', () => {
    const clock = createFakeClock()
    const store = createBenchmarkStore({ clock })
    for (let i = 1; i <= 12; i++) store.recordRpcCall('eth', call(true, i * 10))
    const copy = createBenchmarkStore({ clock })
    copy.restore(parseBenchmarkSnapshot(JSON.parse(JSON.stringify(store.snapshot()))))
    expect(copy.recent('eth', 'a', 'eth_call')?.medianMs).toBe(85)
    copy.recordRpcCall('eth', call(true, 1_000))
    store.recordRpcCall('eth', call(true, 1_000))
    expect(copy.recent('eth', 'a', 'eth_call')).toEqual(store.recent('eth', 'a', 'eth_call'))
  })

  it('restores a snapshot without last calls (older stores) with no median until the next call', () => {
    const clock = createFakeClock()
    const store = createBenchmarkStore({ clock })
    for (let i = 0; i < 5; i++) store.recordRpcCall('eth', call(true, 50))
    const snapshot = JSON.parse(JSON.stringify(store.snapshot()))
    for (const chain of snapshot.chains) for (const recent of chain.recent) delete recent.lastCalls
    const copy = createBenchmarkStore({ clock })
    copy.restore(parseBenchmarkSnapshot(snapshot))
    expect(copy.recent('eth', 'a', 'eth_call')).not.toHaveProperty('medianMs')
    copy.recordRpcCall('eth', call(true, 60))
    expect(copy.recent('eth', 'a', 'eth_call')?.medianMs).toBe(60)
  })

  it('is undefined for unknown providers and methods, and after ten half-lives without calls', () => {
    const clock = createFakeClock()
    const store = createBenchmarkStore({ clock, recentHalfLifeMs: 1_000 })
    store.recordRpcCall('eth', call(true))
    expect(store.recent('eth', 'b')).toBeUndefined()
    expect(store.recent('eth', 'a', 'eth_getLogs')).toBeUndefined()
    expect(store.recent('sol', 'a')).toBeUndefined()
    clock.advance(10_000)
    expect(store.recent('eth', 'a')).toBeDefined()
    clock.advance(1)
    expect(store.recent('eth', 'a')).toBeUndefined()
  })
})

describe('snapshot and restore', () => {
  function busyStore(clock = createFakeClock()) {
    const store = createBenchmarkStore({ maxEntriesPerChain: 40, clock })
    for (let i = 0; i < 150; i++) {
      clock.advance(7.25)
      const chain = i % 3 === 0 ? 'polygon' : 'eth'
      store.recordRaceWin(chain, `p${i % 4}`, i % 5 === 0 ? 'logs' : 'newHeads', clock.now())
      store.recordRaceLoss(chain, `p${(i + 1) % 4}`, 'newHeads', clock.now(), (i % 13) * 1.37)
      store.recordRpcCall(chain, {
        providerId: `p${i % 3}`,
        method: i % 2 ? 'eth_call' : 'eth_blockNumber',
        strategy: i % 4 ? 'fastest' : 'leaderboard',
        durationMs: 5 + (i % 17) * 3.3,
        ok: i % 9 !== 0,
      })
    }
    return { store, clock }
  }

  it('round-trips through JSON into an equal store', () => {
    const { store, clock } = busyStore()
    const snapshot = store.snapshot()
    const copy = createBenchmarkStore({ maxEntriesPerChain: 40, clock })
    copy.restore(parseBenchmarkSnapshot(JSON.parse(JSON.stringify(snapshot))))
    expect(copy.snapshot()).toEqual(snapshot)
    expect(copy.chains()).toEqual(store.chains())
    for (const chain of store.chains()) {
      expect(copy.leaderboard(chain)).toEqual(store.leaderboard(chain))
      expect(copy.rpcStats(chain)).toEqual(store.rpcStats(chain))
      expect(copy.raceEntries(chain)).toEqual(store.raceEntries(chain))
      expect(copy.rpcEntries(chain)).toEqual(store.rpcEntries(chain))
      expect(copy.marginStats(chain)).toEqual(store.marginStats(chain))
      expect(copy.recent(chain, 'p1', 'eth_call')).toEqual(store.recent(chain, 'p1', 'eth_call'))
    }
    // Both keep behaving the same afterwards.
    store.recordRaceWin('eth', 'p9', 'newHeads', clock.now())
    copy.recordRaceWin('eth', 'p9', 'newHeads', clock.now())
    expect(copy.snapshot()).toEqual(store.snapshot())
  })

  it('trims the entry tables to the newest maxEntries, aggregates untouched', () => {
    const { store } = busyStore()
    const full = store.snapshot()
    const trimmed = store.snapshot({ maxEntries: 3 })
    const none = store.snapshot({ maxEntries: 0 })
    full.chains.forEach((chain, index) => {
      expect(trimmed.chains[index]!.races.ts).toEqual(chain.races.ts.slice(-3))
      expect(trimmed.chains[index]!.rpcCalls.durationMs).toEqual(chain.rpcCalls.durationMs.slice(-3))
      expect(none.chains[index]!.races.ts).toEqual([])
      expect(none.chains[index]!.rpcCalls.ts).toEqual([])
      const { races: _r, rpcCalls: _c, ...aggregates } = chain
      expect(none.chains[index]).toMatchObject(aggregates)
    })
    const copy = createBenchmarkStore({ maxEntriesPerChain: 40 })
    copy.restore(none)
    for (const chain of store.chains()) {
      expect(copy.leaderboard(chain)).toEqual(store.leaderboard(chain))
      expect(copy.rpcStats(chain)).toEqual(store.rpcStats(chain))
      expect(copy.rpcEntries(chain)).toEqual([])
    }
  })

  it('shifts timestamps so ages survive a restart on a clock that starts again at 0', () => {
    const { store } = busyStore(createFakeClock(1_000_000))
    const snapshot = parseBenchmarkSnapshot(JSON.parse(JSON.stringify(store.snapshot())))
    const restarted = createBenchmarkStore({ maxEntriesPerChain: 40, clock: createFakeClock(0) })
    restarted.restore(snapshot)
    const shift = -snapshot.savedAt
    expect(restarted.raceEntries('eth').map((entry) => entry.ts)).toEqual(
      store.raceEntries('eth').map((entry) => entry.ts + shift),
    )
    expect(restarted.recent('eth', 'p1')?.samples).toBeCloseTo(store.recent('eth', 'p1')?.samples ?? 0, 10)
    expect(restarted.leaderboard('eth')).toEqual(store.leaderboard('eth'))
  })

  it('keeps the newest entries when restoring into smaller tables', () => {
    const { store } = busyStore()
    const small = createBenchmarkStore({
      maxEntriesPerChain: 10,
      clock: createFakeClock(store.snapshot().savedAt),
    })
    small.restore(store.snapshot())
    expect(small.raceEntries('eth')).toEqual(store.raceEntries('eth').slice(-10))
    expect(small.leaderboard('eth')).toEqual(store.leaderboard('eth'))
  })

  it('rejects malformed snapshots and snapshots over the limits, leaving the store unchanged', () => {
    const { store, clock } = busyStore()
    const before = store.snapshot()
    const broken = JSON.parse(JSON.stringify(before)) as BenchmarkStoreSnapshot
    broken.chains[0]!.races.ts.pop()
    broken.chains[0]!.rpcSeries[0]!.latency.count += 1
    expect(() => parseBenchmarkSnapshot(broken)).toThrow(BenchmarkSnapshotError)
    try {
      parseBenchmarkSnapshot(broken)
    } catch (error) {
      expect((error as BenchmarkSnapshotError).issues.map((issue) => issue.path)).toEqual([
        'chains.0.races',
        'chains.0.rpcSeries.0.latency',
      ])
    }
    const inconsistent = JSON.parse(JSON.stringify(before)) as BenchmarkStoreSnapshot
    inconsistent.chains[0]!.rpcCalls.provider[1] = 99
    inconsistent.chains[0]!.recent = inconsistent.chains[0]!.recent.filter((recent) => recent.method !== -1)
    expect(() => parseBenchmarkSnapshot(inconsistent)).toThrow(BenchmarkSnapshotError)
    try {
      parseBenchmarkSnapshot(inconsistent)
    } catch (error) {
      const issues = (error as BenchmarkSnapshotError).issues
      expect(issues[0]).toEqual({ path: 'chains.0.rpcCalls.provider.1', message: 'index 99 is out of range' })
      expect(issues.slice(1).map((issue) => issue.message)).toContain(
        'provider has no all-methods (method -1) state',
      )
    }
    expect(() => parseBenchmarkSnapshot({ version: 2 })).toThrow(/version/)
    // restore itself takes only what was checked: a snapshot that went through JSON must be parsed again.
    expect(() => store.restore(JSON.parse(JSON.stringify(before)))).toThrow(/parseBenchmarkSnapshot/)
    const narrow = createBenchmarkStore({ maxProvidersPerChain: 2, clock })
    expect(() => narrow.restore(before)).toThrow(/past the limit of 2/)
    expect(store.snapshot()).toEqual(before)
  })
})

describe('chains', () => {
  it('keeps chains isolated from each other', () => {
    const clock = createFakeClock()
    const store = createBenchmarkStore({ clock })
    race(store, 'eth', 'a', 5, 1, 10)
    race(store, 'polygon', 'a', 1, 7, 50)
    store.recordRpcCall('polygon', {
      providerId: 'a',
      method: 'eth_call',
      strategy: 's',
      durationMs: 80,
      ok: false,
    })
    expect(store.chains()).toEqual(['eth', 'polygon'])
    expect(store.raceStats('eth', 'a')).toMatchObject({ wins: 5, losses: 1, avgMarginMs: 10 })
    expect(store.raceStats('polygon', 'a')).toMatchObject({ wins: 1, losses: 7, avgMarginMs: 50 })
    expect(store.rpcStats('eth')).toEqual([])
    expect(store.recent('eth', 'a')).toBeUndefined()
    expect(store.recent('polygon', 'a')?.errorRate).toBe(1)
    expect(store.raceEntries('eth')).toHaveLength(6)
    expect(store.rpcEntries('polygon')).toHaveLength(1)
  })
})
