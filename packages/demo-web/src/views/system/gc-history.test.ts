import { describe, expect, it } from 'vitest'
import type { RuntimeView } from '../../api/types.js'
import { createDashboardStore } from '../../stream/dashboard-store.js'
import { createGcHistory, gcTrackerOf } from './gc-history.js'

const reading = (
  ts: number,
  gc: { minor?: number; major?: number; weakcb?: number; count?: number } = {},
  available = true,
): RuntimeView => {
  const minor = gc.minor ?? 0
  const major = gc.major ?? 0
  const weakcb = gc.weakcb ?? 0
  return {
    ts,
    gc: {
      available,
      count: gc.count ?? 0,
      totalMs: minor + major + weakcb,
      maxMs: 0,
      lastMs: 0,
      byKind: {
        minor: { count: 0, totalMs: minor },
        major: { count: 0, totalMs: major },
        incremental: { count: 0, totalMs: 0 },
        weakcb: { count: 0, totalMs: weakcb },
        other: { count: 0, totalMs: 0 },
      },
    },
  } as RuntimeView
}

describe('createGcHistory', () => {
  it('charts the pause time between readings per kind, per second of wall time', () => {
    const gc = createGcHistory()
    gc.add(reading(10_000, { minor: 5, count: 2 }))
    gc.add(reading(11_000, { minor: 8, major: 4, count: 4 }))
    // A missed snapshot: 6 ms over two seconds is 3 ms/s.
    gc.add(reading(13_000, { minor: 14, major: 4, weakcb: 1, count: 6 }))
    expect(gc.columns()).toEqual([
      [11, 13],
      [3, 3],
      [4, 0],
      [0, 0],
      [0, 0.5],
    ])
    expect(gc.points().map((point) => [point.pauses, point.pauseMs])).toEqual([
      [2, 7],
      [2, 7],
    ])
  })

  it('starts afresh when the totals go down (the server restarted) and skips repeated snapshots', () => {
    const gc = createGcHistory()
    gc.add(reading(10_000, { minor: 50, count: 9 }))
    gc.add(reading(10_000, { minor: 50, count: 9 }))
    gc.add(reading(11_000, { minor: 1, count: 1 }))
    gc.add(reading(12_000, { minor: 3, count: 2 }))
    expect(gc.columns()[1]).toEqual([2])
  })

  it('keeps only the latest points', () => {
    const gc = createGcHistory({ size: 2 })
    for (let second = 0; second < 5; second++) gc.add(reading(second * 1_000, { minor: second }))
    expect(gc.columns()[0]).toEqual([3, 4])
  })

  it('says when the runtime cannot observe GC', () => {
    const gc = createGcHistory()
    expect(gc.available).toBeUndefined()
    gc.add(reading(1_000, {}, false))
    gc.add(reading(2_000, {}, false))
    expect(gc.available).toBe(false)
    expect(gc.points()).toEqual([])
  })

  it('charts the total as "other" when an older server sends no kinds', () => {
    const gc = createGcHistory()
    const old = (ts: number, totalMs: number) =>
      ({ ts, gc: { available: true, count: 0, totalMs, maxMs: 0, lastMs: 0 } }) as RuntimeView
    gc.add(old(1_000, 2))
    gc.add(old(2_000, 5))
    expect(gc.columns()[4]).toEqual([3])
  })
})

describe('gcTrackerOf', () => {
  it("follows the store's runtime snapshots", () => {
    const store = createDashboardStore()
    const tracker = gcTrackerOf(store)
    expect(gcTrackerOf(store)).toBe(tracker)
    const snapshot = (ts: number, minor: number) => ({
      ...reading(ts, { minor }),
      memory: { rssBytes: 0, heapUsedBytes: 0, heapTotalBytes: 0, externalBytes: 0 },
      eventLoopDelay: { meanMs: 0, p50Ms: 0, p99Ms: 0, maxMs: 0 },
      eventLoopUtilization: 0,
    })
    store.apply([{ topic: 'runtime', payload: snapshot(1_000, 1) }])
    store.apply([{ topic: 'runtime', payload: snapshot(2_000, 4) }])
    expect(tracker.history.columns()[1]).toEqual([3])
    expect(tracker.revision.value).toBe(2)
  })
})
