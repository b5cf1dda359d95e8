import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createFakeClock } from '../clock/fake-clock.js'
import { BenchmarkSnapshotError, ConfigError } from '../errors/errors.js'
import { createBenchmarkStore } from './benchmark-store.js'
import { mergeBenchmarkSnapshots } from './merge-snapshots.js'
import type { BenchmarkStore, BenchmarkStoreSnapshot, RpcStatsDimension } from './types.js'
import type { ValidBenchmarkSnapshot } from './valid-snapshots.js'

type Record =
  | { kind: 'win'; chain: string; provider: string; eventType: string; at: number }
  | { kind: 'loss'; chain: string; provider: string; eventType: string; at: number; marginMs: number }
  | {
      kind: 'call'
      chain: string
      provider: string
      method: string
      strategy: string
      durationMs: number
      ok: boolean
    }

function feed(store: BenchmarkStore, record: Record): void {
  if (record.kind === 'win') store.recordRaceWin(record.chain, record.provider, record.eventType, record.at)
  else if (record.kind === 'loss')
    store.recordRaceLoss(record.chain, record.provider, record.eventType, record.at, record.marginMs)
  else
    store.recordRpcCall(record.chain, {
      providerId: record.provider,
      method: record.method,
      strategy: record.strategy,
      durationMs: record.durationMs,
      ok: record.ok,
    })
}

function restored(snapshot: ValidBenchmarkSnapshot): BenchmarkStore {
  const store = createBenchmarkStore()
  store.restore(snapshot)
  return store
}

const chain = fc.constantFrom('ethereum', 'base')
const provider = fc.constantFrom('alchemy', 'infura', 'quicknode', 'ankr')
const eventType = fc.constantFrom('newHeads', 'logs')
const at = fc.integer({ min: 0, max: 100_000 })
const record: fc.Arbitrary<Record> = fc.oneof(
  fc.record({ kind: fc.constant('win' as const), chain, provider, eventType, at }),
  fc.record({
    kind: fc.constant('loss' as const),
    chain,
    provider,
    eventType,
    at,
    marginMs: fc.double({ min: 0, max: 5_000, noNaN: true }),
  }),
  fc.record({
    kind: fc.constant('call' as const),
    chain,
    provider,
    method: fc.constantFrom('eth_call', 'eth_blockNumber', 'eth_getLogs'),
    strategy: fc.constantFrom('fastest', 'round-robin'),
    durationMs: fc.double({ min: 0, max: 60_000, noNaN: true }),
    ok: fc.boolean(),
  }),
)
/** Every record, each tagged with the instance (0..2) that observed it. */
const spread = fc.array(fc.tuple(record, fc.integer({ min: 0, max: 2 })), { maxLength: 300 })

const GROUPINGS: RpcStatsDimension[][] = [['method', 'strategy', 'providerId'], ['providerId'], ['method']]

/** Figures equal up to the order floating-point sums were taken in. */
function expectClose(actual: unknown, expected: unknown): void {
  if (typeof expected === 'number') {
    expect(actual).toBeCloseTo(expected, 6)
    return
  }
  if (Array.isArray(expected)) {
    expect(actual).toHaveLength(expected.length)
    for (const [index, item] of expected.entries()) expectClose((actual as unknown[])[index], item)
    return
  }
  if (typeof expected === 'object' && expected !== null) {
    expect(Object.keys(actual as object).sort()).toEqual(Object.keys(expected).sort())
    for (const [key, value] of Object.entries(expected))
      expectClose((actual as { [key: string]: unknown })[key], value)
    return
  }
  expect(actual).toBe(expected)
}

const byProvider = <T extends { providerId?: string }>(rows: T[]) =>
  [...rows].sort((a, b) => (a.providerId ?? '').localeCompare(b.providerId ?? ''))

describe('mergeBenchmarkSnapshots', () => {
  it('answers like one store fed every instance’s records', () => {
    fc.assert(
      fc.property(spread, (records) => {
        const clock = createFakeClock()
        const whole = createBenchmarkStore({ clock })
        const instances = [0, 1, 2].map(() => createBenchmarkStore({ clock }))
        for (const [item, instance] of records) {
          feed(whole, item)
          feed(instances[instance]!, item)
        }
        const cluster = restored(mergeBenchmarkSnapshots(instances.map((store) => store.snapshot())))
        for (const name of ['ethereum', 'base']) {
          // Ranks may differ only where float noise breaks an exact tie: compare rows by provider.
          const rank = ({ rank: _rank, ...row }: { rank: number }) => row
          expectClose(
            byProvider(cluster.leaderboard(name)).map(rank),
            byProvider(whole.leaderboard(name)).map(rank),
          )
          expectClose(cluster.raceStatsByEventType(name), whole.raceStatsByEventType(name))
          expectClose(cluster.marginStats(name), whole.marginStats(name))
          expectClose(
            cluster.marginStats(name, 'alchemy', 'newHeads'),
            whole.marginStats(name, 'alchemy', 'newHeads'),
          )
          for (const groupBy of GROUPINGS)
            expectClose(cluster.rpcStats(name, groupBy), whole.rpcStats(name, groupBy))
          expect(cluster.raceEntries(name).length).toBe(whole.raceEntries(name).length)
          expect(cluster.rpcEntries(name).length).toBe(whole.rpcEntries(name).length)
        }
      }),
      { numRuns: 60 },
    )
  })

  it('sums counts exactly and keeps quantiles within the sketches’ 1 % of the exact ones', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.double({ min: 0.05, max: 30_000, noNaN: true }), fc.integer({ min: 0, max: 3 })),
          {
            minLength: 1,
            maxLength: 1_000,
          },
        ),
        (calls) => {
          const instances = [0, 1, 2, 3].map(() => createBenchmarkStore())
          for (const [durationMs, instance] of calls)
            instances[instance]!.recordRpcCall('ethereum', {
              providerId: 'alchemy',
              method: 'eth_call',
              strategy: 'fastest',
              durationMs,
              ok: durationMs < 10_000,
            })
          const [row] = restored(
            mergeBenchmarkSnapshots(instances.map((store) => store.snapshot())),
          ).rpcStats('ethereum')
          const sorted = calls.map(([durationMs]) => durationMs).sort((a, b) => a - b)
          const exact = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!
          expect(row!.count).toBe(calls.length)
          expect(row!.errors).toBe(sorted.filter((durationMs) => durationMs >= 10_000).length)
          for (const [q, field] of [
            [0.5, 'p50Ms'],
            [0.95, 'p95Ms'],
            [0.99, 'p99Ms'],
          ] as const)
            expect(Math.abs(row![field] - exact(q))).toBeLessThanOrEqual(exact(q) * 0.01 + 1e-9)
        },
      ),
      { numRuns: 60 },
    )
  })

  it('counts each input once: merging the same snapshot twice doubles it, so pass each store once', () => {
    const store = createBenchmarkStore()
    store.recordRaceWin('ethereum', 'alchemy', 'newHeads', 1)
    const snapshot = store.snapshot()
    expect(restored(mergeBenchmarkSnapshots([snapshot])).leaderboard('ethereum')[0]?.wins).toBe(1)
    expect(restored(mergeBenchmarkSnapshots([snapshot, snapshot])).leaderboard('ethereum')[0]?.wins).toBe(2)
  })

  it('re-interns names: the same provider under different indices is one row', () => {
    const a = createBenchmarkStore()
    const b = createBenchmarkStore()
    a.recordRaceWin('ethereum', 'alchemy', 'newHeads', 1)
    a.recordRaceLoss('ethereum', 'infura', 'newHeads', 2, 5)
    b.recordRaceWin('ethereum', 'infura', 'logs', 1)
    b.recordRaceLoss('ethereum', 'alchemy', 'logs', 2, 7)
    const merged = restored(mergeBenchmarkSnapshots([a.snapshot(), b.snapshot()]))
    expect(merged.raceStats('ethereum', 'alchemy')).toMatchObject({ wins: 1, losses: 1, avgMarginMs: 7 })
    expect(merged.raceStats('ethereum', 'infura')).toMatchObject({ wins: 1, losses: 1, avgMarginMs: 5 })
  })

  it('keeps each input’s entry ages, newest maxEntriesPerChain of them, and no recent figures', () => {
    const clockA = createFakeClock(1_000)
    const clockB = createFakeClock(50_000)
    const a = createBenchmarkStore({ clock: clockA })
    const b = createBenchmarkStore({ clock: clockB })
    for (let k = 0; k < 8; k++) {
      a.recordRpcCall('ethereum', {
        providerId: 'a',
        method: 'eth_call',
        strategy: 's',
        durationMs: 1,
        ok: true,
      })
      b.recordRpcCall('ethereum', {
        providerId: 'b',
        method: 'eth_call',
        strategy: 's',
        durationMs: 1,
        ok: true,
      })
      clockA.advance(10)
      clockB.advance(10)
    }
    // a's calls are 10..80 ms old, b's the same: after rebasing they interleave.
    const merged = mergeBenchmarkSnapshots([a.snapshot(), b.snapshot()], {
      maxEntriesPerChain: 10,
      savedAt: 0,
    })
    const calls = merged.chains[0]!.rpcCalls
    expect(calls.ts).toEqual([-50, -50, -40, -40, -30, -30, -20, -20, -10, -10])
    expect(merged.chains[0]!.recent).toEqual([])
    expect(
      restored(merged)
        .rpcStats('ethereum', ['providerId'])
        .map((row) => row.count),
    ).toEqual([8, 8])
  })

  it('records names past a limit as other, so the result restores into a store with that limit', () => {
    const stores = ['p1', 'p2', 'p3'].map((id) => {
      const store = createBenchmarkStore()
      store.recordRaceWin('ethereum', id, 'newHeads', 1)
      return store
    })
    const merged = mergeBenchmarkSnapshots(
      stores.map((store) => store.snapshot()),
      { maxProvidersPerChain: 2 },
    )
    const store = createBenchmarkStore({ maxProvidersPerChain: 2 })
    store.restore(merged)
    // Equal scores sort by name.
    expect(store.leaderboard('ethereum').map((row) => [row.providerId, row.wins])).toEqual([
      ['other', 1],
      ['p1', 1],
      ['p2', 1],
    ])
  })

  it('merges nothing into an empty snapshot', () => {
    expect(mergeBenchmarkSnapshots([])).toEqual({ version: 1, savedAt: 0, chains: [] })
  })

  it('names the malformed input, and rejects bad options', () => {
    const good = createBenchmarkStore().snapshot()
    const bad = { ...good, chains: [{ chain: 'x' }] } as unknown as BenchmarkStoreSnapshot
    expect(() => mergeBenchmarkSnapshots([good, bad])).toThrow(BenchmarkSnapshotError)
    try {
      mergeBenchmarkSnapshots([good, bad])
    } catch (error) {
      expect((error as BenchmarkSnapshotError).issues[0]?.path).toMatch(/^1\.chains\.0/)
    }
    expect(() => mergeBenchmarkSnapshots([], { maxProvidersPerChain: 0 })).toThrow(ConfigError)
  })
})
