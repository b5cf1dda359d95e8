/** Props of {@link Sparkline}. */
export interface SparklineProps {
  /** The values, oldest first, drawn evenly spaced. */
  values: number[]
  /** @default 96 */
  width?: number
  /** @default 20 */
  height?: number
  /** Accessible name and tooltip. */
  title: string
}

/**
 * A tiny line of recent values in a table cell: an SVG polyline scaled to the largest value (or to 1 when
 * every value is 0, so a quiet line lies flat at the bottom). No axes, no canvas: cheap enough per row.
 */
export function Sparkline({ values, width = 96, height = 20, title }: SparklineProps) {
  const top = Math.max(1, ...values)
  const step = values.length > 1 ? width / (values.length - 1) : 0
  const points = values
    .map(
      (value, index) =>
        `${(index * step).toFixed(1)},${(height - 1 - (value / top) * (height - 2)).toFixed(1)}`,
    )
    .join(' ')
  return (
    <svg
      class="sparkline"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={title}
    >
      <title>{title}</title>
      {values.length > 1 ? (
        <polyline points={points} fill="none" stroke="currentColor" stroke-width="1.5" />
      ) : null}
    </svg>
  )
}
