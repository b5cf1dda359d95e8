import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'

/** One line of a {@link TimeChart}. */
export interface ChartSeries {
  label: string
  color: string
}

/** Props of {@link TimeChart}. */
export interface TimeChartProps {
  series: ChartSeries[]
  /** `[xs (Unix seconds), ...ys]`, one y array per series, all as long as xs. */
  data: (number | null)[][]
  /** @default 220 */
  height?: number
  /** Formats y-axis ticks. @default the number as is */
  formatY?: (value: number) => string
}

const AXIS = { stroke: '#8b98a8', grid: { stroke: '#2b3442', width: 1 }, ticks: { stroke: '#2b3442' } }

/**
 * A uPlot line chart over time. The plot is created once per set of series and updated in place with
 * `setData`, so a chart that redraws every second does not rebuild its canvas; the caller bounds `data`.
 */
export function TimeChart({ series, data, height = 220, formatY }: TimeChartProps) {
  const container = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | null>(null)
  const seriesKey = series.map((entry) => entry.label).join('|')
  const formatRef = useRef(formatY)
  formatRef.current = formatY

  useEffect(() => {
    const element = container.current
    if (!element) return
    const options: uPlot.Options = {
      width: Math.max(element.clientWidth, 200),
      height,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [
        // Wide spacing: time labels with seconds must not run into each other.
        { ...AXIS, space: 70 },
        {
          ...AXIS,
          size: 64,
          values: (_plot, ticks) =>
            ticks.map((tick) => (formatRef.current ? formatRef.current(tick) : String(tick))),
        },
      ],
      series: [
        {},
        ...series.map((entry) => ({
          label: entry.label,
          stroke: entry.color,
          width: 2,
          points: { show: false },
        })),
      ],
    }
    const created = new uPlot(options, data as uPlot.AlignedData, element)
    plot.current = created
    const observer = new ResizeObserver(() =>
      created.setSize({ width: Math.max(element.clientWidth, 200), height }),
    )
    observer.observe(element)
    return () => {
      observer.disconnect()
      created.destroy()
      plot.current = null
    }
  }, [seriesKey, height])

  useEffect(() => {
    plot.current?.setData(data as uPlot.AlignedData)
  }, [data])

  return <div class="chart" ref={container} />
}

/** Colours for series, distinguishable on a projector. */
export const palette = [
  '#58a6ff',
  '#3fb950',
  '#f0883e',
  '#a371f7',
  '#f85149',
  '#d29922',
  '#39c5cf',
  '#db61a2',
]
