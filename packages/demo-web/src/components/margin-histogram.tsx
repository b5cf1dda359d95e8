/** Lower edges (ms) of the bars a {@link MarginHistogram} draws, one bar each. */
export type MarginBounds = readonly number[]

/** A vertical mark on a {@link MarginHistogram}, e.g. the p95. */
export interface MarginMarker {
  label: string
  ms: number | null
  color: string
}

/** Props of {@link MarginHistogram}. */
export interface MarginHistogramProps {
  /** Lower edge of each bar (ms), ascending, the first 0; the last bar is open-ended. */
  bounds: MarginBounds
  /** Count per bar, as long as `bounds`. */
  counts: readonly number[]
  markers?: readonly MarginMarker[]
  /** Width of one bar (px; in drawing units when `fluid`). @default 20 */
  barWidth?: number
  /** Stretch to the container's width (bars widen, lines keep their stroke). @default false */
  fluid?: boolean
  /** @default 30 */
  height?: number
  /** What the counts are, for the tooltips. @default 'losses' */
  unit?: string
}

/** `5`, `500`, `1s`, `5s+`: a bar's short label. */
export function boundLabel(bounds: MarginBounds, index: number): string {
  const ms = bounds[index] ?? 0
  const text = ms >= 1_000 ? `${ms / 1_000}s` : String(ms)
  return index === bounds.length - 1 ? `${text}+` : text
}

/**
 * Where a margin falls along the bars (px from the left): inside its bar on a log scale (linear in the
 * first bar, which starts at 0), so a p95 of 14 ms sits partway through the 10–20 ms bar.
 */
export function marginX(bounds: MarginBounds, ms: number, barWidth: number): number {
  let index = bounds.length - 1
  while (index > 0 && ms < bounds[index]!) index--
  const low = bounds[index]!
  // The open last bar is drawn as if it ended at twice its start.
  const high = bounds[index + 1] ?? low * 2
  const fraction = index === 0 || low <= 0 ? ms / high : Math.log(ms / low) / Math.log(high / low)
  return (index + Math.min(1, Math.max(0, fraction))) * barWidth
}

/**
 * A compact, fixed-size SVG histogram over uneven (log-like) bars, each scaled to the tallest bar, with
 * optional markers such as p50 and p95. Fixed size so rows do not jump as data arrives.
 */
export function MarginHistogram(props: MarginHistogramProps) {
  const { bounds, counts, markers = [] } = props
  const barWidth = props.barWidth ?? 20
  const height = props.height ?? 30
  const unit = props.unit ?? 'losses'
  const width = bounds.length * barWidth
  const tallest = Math.max(1, ...counts)
  const total = counts.reduce((sum, count) => sum + count, 0)
  return (
    <svg
      class="margin-histogram"
      width={props.fluid ? '100%' : width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      preserveAspectRatio="none"
      role="img"
      aria-label={`histogram of ${total} ${unit}`}
    >
      <line
        class="baseline"
        x1={0}
        x2={width}
        y1={height - 0.5}
        y2={height - 0.5}
        vector-effect="non-scaling-stroke"
      />
      {bounds.map((_, index) => {
        const count = counts[index] ?? 0
        // A bar with any count stays visible (2 px) even next to a much taller one.
        const barHeight = count === 0 ? 0 : Math.max(2, ((height - 3) * count) / tallest)
        const high = bounds[index + 1]
        const range = high === undefined ? `≥ ${bounds[index]}` : `${bounds[index]}–${high}`
        return (
          <rect
            key={bounds[index]}
            class="bar"
            x={index * barWidth + 1}
            y={height - 1 - barHeight}
            width={barWidth - 2}
            height={barHeight}
          >
            <title>{`${range} ms: ${count} ${unit}`}</title>
          </rect>
        )
      })}
      {markers.map((marker) =>
        marker.ms === null ? null : (
          <line
            key={marker.label}
            class="marker"
            data-marker={marker.label}
            x1={marginX(bounds, marker.ms, barWidth)}
            x2={marginX(bounds, marker.ms, barWidth)}
            y1={0}
            y2={height}
            stroke={marker.color}
            vector-effect="non-scaling-stroke"
          >
            <title>{`${marker.label} ${marker.ms} ms`}</title>
          </line>
        ),
      )}
    </svg>
  )
}

/**
 * Whether the axis labels a bar: 0, the powers of ten and the open last bar, so labels never run into
 * each other however narrow the bars (every bar's exact range is in its tooltip).
 */
export function axisLabelShown(bounds: MarginBounds, index: number): boolean {
  const ms = bounds[index] ?? 0
  return index === bounds.length - 1 || ms === 0 || Number.isInteger(Math.log10(ms))
}

/**
 * The bar labels over a column of {@link MarginHistogram}s of the same bounds: fixed `barWidth` px per
 * label, or, when `fluid`, equal shares of the container's width (to match fluid histograms).
 */
export function MarginAxis(props: { bounds: MarginBounds; barWidth?: number; fluid?: boolean }) {
  const barWidth = props.barWidth ?? 20
  return (
    <div
      class="margin-axis"
      aria-hidden="true"
      style={{
        gridTemplateColumns: `repeat(${props.bounds.length}, ${props.fluid ? 'minmax(0, 1fr)' : `${barWidth}px`})`,
      }}
    >
      {props.bounds.map((bound, index) => (
        <span key={bound}>{axisLabelShown(props.bounds, index) ? boundLabel(props.bounds, index) : ''}</span>
      ))}
    </div>
  )
}
