import { useMemo } from 'preact/hooks'
import type { RuntimeView } from '../../api/types.js'
import { TimeChart } from '../../components/time-chart.js'
import { Panel } from '../../components/ui.js'
import { formatCount, formatMs, formatPercent } from '../../format/format.js'
import { type GcChartKind, type GcTracker, gcChartKinds } from './gc-history.js'

const colors: Record<GcChartKind, string> = {
  minor: '#58a6ff',
  major: '#f85149',
  incremental: '#d29922',
  other: '#a371f7',
}

/** Pauses, pause time and share of wall time paused over a window of GC points. */
export function summarizeGc(points: readonly { ts: number; pauses: number; pauseMs: number }[]): {
  pauses: number
  pauseMs: number
  /** Share of the window's wall time spent paused; `null` for an empty window. */
  pausedShare: number | null
} {
  let pauses = 0
  let pauseMs = 0
  for (const point of points) {
    pauses += point.pauses
    pauseMs += point.pauseMs
  }
  // The window spans from the reading before the first point; approximate it by one more interval.
  const first = points[0]
  const last = points.at(-1)
  const spanMs =
    first && last
      ? last.ts - first.ts + (points.length > 1 ? (last.ts - first.ts) / (points.length - 1) : 0)
      : 0
  return { pauses, pauseMs, pausedShare: spanMs > 0 ? pauseMs / spanMs : null }
}

/** GC pause time per second by kind, live, over the last few minutes; "not available" where unobservable. */
export function GcPanel(props: { runtime: RuntimeView; tracker: GcTracker }) {
  const { history, revision } = props.tracker
  const version = revision.value
  const { data, summary } = useMemo(
    () => ({ data: history.columns(), summary: summarizeGc(history.points()) }),
    [version],
  )
  const gc = props.runtime.gc
  return (
    <Panel title="GC pauses (ms per second)" testId="gc-chart">
      {gc.available ? (
        <>
          <TimeChart
            series={gcChartKinds.map((kind) => ({ label: kind, color: colors[kind] }))}
            data={data}
            formatY={(value) => value.toFixed(1)}
          />
          <p class="muted hint" data-testid="gc-summary">
            in view: {formatCount(summary.pauses)} pauses, {formatMs(summary.pauseMs)} paused (
            {formatPercent(summary.pausedShare)} of the time) · since start: {formatCount(gc.count)} pauses,
            longest {formatMs(gc.maxMs)}
          </p>
        </>
      ) : (
        <div class="chart-placeholder" data-testid="gc-unavailable">
          GC pauses not available: this server's runtime does not report <code>gc</code> performance entries.
        </div>
      )}
    </Panel>
  )
}
