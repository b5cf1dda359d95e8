import { type ReadonlySignal, signal } from '@preact/signals'
import type { RuntimeView } from '../../api/types.js'
import { perKey } from '../../components/watch-feed.js'
import type { DashboardStore } from '../../stream/dashboard-store.js'
import { createRingBuffer } from '../../stream/ring-buffer.js'

/** The kinds charted, one line each; `other` folds weak-callback and unclassified pauses together. */
export const gcChartKinds = ['minor', 'major', 'incremental', 'other'] as const
export type GcChartKind = (typeof gcChartKinds)[number]

/** GC pause time between two runtime readings, per kind, as ms paused per second of wall time. */
export interface GcPoint {
  /** Unix epoch ms of the later reading. */
  ts: number
  msPerSecond: Record<GcChartKind, number>
  /** Pauses in the interval. */
  pauses: number
  /** Pause time in the interval (ms). */
  pauseMs: number
}

/** A bounded window of {@link GcPoint}s built from successive runtime readings. */
export interface GcHistory {
  /** Adds a reading; from the second one on, each adds the point since the previous reading. */
  add(reading: RuntimeView): void
  /** Oldest first. */
  points(): GcPoint[]
  /** uPlot columns: `[xs (Unix s), ...one per gcChartKinds]`. */
  columns(): number[][]
  /** `false` when the server's runtime cannot observe GC; `undefined` before the first reading. */
  readonly available: boolean | undefined
}

function cumulative(reading: RuntimeView): Record<GcChartKind, number> {
  const byKind = reading.gc.byKind
  // An older server sends totals only: chart them as `other` rather than not at all.
  if (!byKind) return { minor: 0, major: 0, incremental: 0, other: reading.gc.totalMs }
  return {
    minor: byKind.minor?.totalMs ?? 0,
    major: byKind.major?.totalMs ?? 0,
    incremental: byKind.incremental?.totalMs ?? 0,
    other: (byKind.weakcb?.totalMs ?? 0) + (byKind.other?.totalMs ?? 0),
  }
}

/**
 * Creates a {@link GcHistory} of at most `size` points. The server reports GC as running totals since it
 * started; a point is the difference between two readings over the seconds between them, so a missed
 * snapshot widens an interval rather than spiking it. Totals going down (the server restarted) start
 * afresh.
 *
 * @example
 * const gc = createGcHistory({ size: 300 })
 * for (const reading of readings) gc.add(reading)
 * gc.columns() // [[ts…], [minor…], [major…], [incremental…], [other…]]
 */
export function createGcHistory(options: { size?: number } = {}): GcHistory {
  const buffer = createRingBuffer<GcPoint>(options.size ?? 300)
  let previous: RuntimeView | undefined
  let available: boolean | undefined
  return {
    get available() {
      return available
    },
    add(reading) {
      available = reading.gc.available
      if (!reading.gc.available) {
        previous = undefined
        return
      }
      const before = previous
      if (before && reading.ts <= before.ts) return
      previous = reading
      if (!before || reading.gc.count < before.gc.count || reading.gc.totalMs < before.gc.totalMs) return
      const seconds = (reading.ts - before.ts) / 1_000
      const now = cumulative(reading)
      const then = cumulative(before)
      const msPerSecond = {} as Record<GcChartKind, number>
      for (const kind of gcChartKinds) msPerSecond[kind] = Math.max(0, now[kind] - then[kind]) / seconds
      buffer.push({
        ts: reading.ts,
        msPerSecond,
        pauses: reading.gc.count - before.gc.count,
        pauseMs: reading.gc.totalMs - before.gc.totalMs,
      })
    },
    points: () => buffer.toArray(),
    columns() {
      const points = buffer.toArray()
      return [
        points.map((point) => point.ts / 1_000),
        ...gcChartKinds.map((kind) => points.map((point) => point.msPerSecond[kind])),
      ]
    },
  }
}

/** A {@link GcHistory} fed from a store's runtime snapshots, and a revision that changes when it does. */
export interface GcTracker {
  history: GcHistory
  revision: ReadonlySignal<number>
}

/**
 * The GC history of a store (one per store, created on first use and fed for the page's lifetime): the
 * store's runtime history has no GC columns, so this view keeps its own, as long as the store's (300).
 */
export const gcTrackerOf = perKey((store: DashboardStore): GcTracker => {
  const history = createGcHistory()
  const revision = signal(0)
  store.runtime.subscribe((reading) => {
    if (!reading) return
    history.add(reading)
    revision.value++
  })
  return { history, revision }
})
