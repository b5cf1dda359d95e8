import { describe, expect, it } from 'vitest'
import type { RaceEvent } from '../../api/types.js'
import { createDashboardStore } from '../../stream/dashboard-store.js'
import {
  bucketIndex,
  createMarginWindow,
  fromMarginStats,
  MARGIN_BOUNDS_MS,
  marginTrackerOf,
  summarizeRaces,
} from './margin-window.js'

let serial = 0
const race = (providerId: string, marginMs: number, chain = 'ethereum'): RaceEvent => ({
  chain,
  eventType: 'newHeads',
  key: `0x${(serial++).toString(16)}`,
  providerId,
  result: marginMs === 0 ? 'win' : 'loss',
  marginMs,
})

describe('bucketIndex', () => {
  it('puts a margin in the bar whose lower edge it reaches', () => {
    expect(bucketIndex(0)).toBe(0)
    expect(bucketIndex(0.9)).toBe(0)
    expect(bucketIndex(1)).toBe(1)
    expect(bucketIndex(19.99)).toBe(4)
    expect(bucketIndex(20)).toBe(5)
    expect(bucketIndex(60_000)).toBe(MARGIN_BOUNDS_MS.length - 1)
  })
})

describe('summarizeRaces', () => {
  it('counts wins apart and bars the loss margins with nearest-rank percentiles', () => {
    const margins = [3, 4, 12, 15, 40, 60, 80, 150, 700, 3_000]
    const summary = summarizeRaces([race('a', 0), race('a', 0), ...margins.map((ms) => race('a', ms))])
    expect(summary).toMatchObject({ races: 12, wins: 2, losses: 10, p50Ms: 40, p95Ms: 3_000, maxMs: 3_000 })
    expect(summary.buckets).toEqual([0, 0, 2, 0, 2, 1, 2, 1, 0, 1, 0, 1, 0])
  })

  it('has no percentiles without losses', () => {
    expect(summarizeRaces([race('a', 0)])).toMatchObject({ losses: 0, p50Ms: null, p95Ms: null })
  })
})

describe('fromMarginStats', () => {
  it("reads the server's all-time bars by their lower edge", () => {
    const distribution = fromMarginStats(
      {
        count: 5,
        meanMs: 12,
        p50Ms: 11,
        p95Ms: 30,
        p99Ms: 30,
        maxMs: 31,
        buckets: [
          { fromMs: 0, toMs: 1, count: 0 },
          { fromMs: 10, toMs: 20, count: 4 },
          { fromMs: 20, toMs: 50, count: 1 },
        ],
      },
      7,
    )
    expect(distribution).toMatchObject({ races: 12, wins: 7, losses: 5, p50Ms: 11, p95Ms: 30, maxMs: 31 })
    expect(distribution.buckets[4]).toBe(4)
    expect(distribution.buckets[5]).toBe(1)
  })

  it('is empty when the provider never lost (or the server sent nothing)', () => {
    expect(fromMarginStats(undefined, 3)).toMatchObject({ races: 3, losses: 0, p95Ms: null })
  })
})

describe('createMarginWindow', () => {
  it('keeps only the latest races of each provider', () => {
    const window = createMarginWindow({ perProvider: 3 })
    for (const ms of [500, 500, 500, 5, 6, 7]) window.add(race('a', ms))
    window.add(race('b', 900))
    expect(window.distribution('ethereum', 'a')).toMatchObject({ races: 3, p50Ms: 6, maxMs: 7 })
    expect(window.distribution('ethereum', 'b').maxMs).toBe(900)
    expect(window.distribution('polygon', 'a').races).toBe(0)
  })

  it('forgets the provider seen least recently past maxProviders', () => {
    const window = createMarginWindow({ maxProviders: 2 })
    window.add(race('a', 1))
    window.add(race('b', 1))
    window.add(race('a', 2))
    window.add(race('c', 1))
    expect(window.count('ethereum', 'a')).toBe(2)
    expect(window.count('ethereum', 'b')).toBe(0)
    expect(window.count('ethereum', 'c')).toBe(1)
  })

  it('ignores a race it already holds (a replay after reconnect)', () => {
    const window = createMarginWindow()
    const once = race('a', 9)
    window.add(once)
    window.add({ ...once })
    expect(window.count('ethereum', 'a')).toBe(1)
  })
})

describe('marginTrackerOf', () => {
  it("collects the store's races beyond the store's own feed and bumps its revision", () => {
    const store = createDashboardStore({ feedSize: 2 })
    const tracker = marginTrackerOf(store)
    expect(marginTrackerOf(store)).toBe(tracker)
    for (const ms of [0, 10, 20, 30]) store.apply([{ topic: 'races', payload: race('a', ms) }])
    expect(tracker.window.count('ethereum', 'a')).toBe(4)
    expect(tracker.revision.value).toBe(4)
  })
})
