/** Which rows of a fixed-row-height list are drawn, and the space standing in for the rows above them. */
export interface VirtualWindow {
  /** Index of the first drawn row. */
  start: number
  /** One past the last drawn row. */
  end: number
  /** Height (px) above the first drawn row. */
  padTop: number
}

/** Options of {@link virtualWindow}. */
export interface VirtualWindowOptions {
  /** Rows in the list. */
  count: number
  /** Height of every row (px). */
  rowHeight: number
  /** Height of the scrolled viewport (px). */
  viewportHeight: number
  /** How far the viewport is scrolled (px). */
  scrollTop: number
  /** Rows drawn beyond each edge of the viewport, so a scroll shows no gap before the next render. @default 4 */
  overscan?: number
}

/**
 * The rows a viewport shows, plus `overscan` rows either side. With fixed row heights this is plain
 * arithmetic, so the cost of a feed's render depends on the viewport, not on how many rows it keeps.
 *
 * @example
 * virtualWindow({ count: 100, rowHeight: 24, viewportHeight: 240, scrollTop: 0, overscan: 2 })
 * // { start: 0, end: 12, padTop: 0 }
 */
export function virtualWindow(options: VirtualWindowOptions): VirtualWindow {
  const { count, rowHeight } = options
  const overscan = options.overscan ?? 4
  const first = Math.floor(Math.max(0, options.scrollTop) / rowHeight)
  const visible = Math.ceil(Math.max(0, options.viewportHeight) / rowHeight)
  const start = Math.max(0, Math.min(count, first - overscan))
  const end = Math.max(start, Math.min(count, first + visible + overscan))
  return { start, end, padTop: start * rowHeight }
}
