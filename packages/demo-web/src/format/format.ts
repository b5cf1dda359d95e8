// Formatting for a screen read from across a room: short, fixed-width-friendly, and a dash for "no data".

const DASH = '—'

const isMissing = (value: number | null | undefined): value is null | undefined =>
  value === null || value === undefined || !Number.isFinite(value)

/**
 * A duration in milliseconds: `0.42 ms`, `12.3 ms`, `245 ms`, `1.25 s`, `2.0 min`.
 * @example formatMs(12.34) // '12.3 ms'
 */
export function formatMs(ms: number | null | undefined): string {
  if (isMissing(ms)) return DASH
  if (ms < 1) return `${ms.toFixed(2)} ms`
  if (ms < 100) return `${ms.toFixed(1)} ms`
  if (ms < 1_000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1_000).toFixed(2)} s`
  return `${(ms / 60_000).toFixed(1)} min`
}

/**
 * A ratio 0..1 as a percentage with one decimal (none at 0 and 100).
 * @example formatPercent(0.9876) // '98.8%'
 */
export function formatPercent(ratio: number | null | undefined): string {
  if (isMissing(ratio)) return DASH
  const percent = ratio * 100
  if (percent === 0 || percent === 100) return `${percent}%`
  return `${percent.toFixed(1)}%`
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const

/**
 * A byte count in binary units: `512 B`, `1.5 KiB`, `87.3 MiB`.
 * @example formatBytes(1536) // '1.5 KiB'
 */
export function formatBytes(bytes: number | null | undefined): string {
  if (isMissing(bytes)) return DASH
  let value = bytes
  let unit = 0
  while (Math.abs(value) >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${BYTE_UNITS[unit]}`
}

/**
 * A count with thousands separators, or with a k/M suffix past 100,000.
 * @example formatCount(12345) // '12,345'; formatCount(2_500_000) // '2.5M'
 */
export function formatCount(count: number | null | undefined): string {
  if (isMissing(count)) return DASH
  if (Math.abs(count) >= 1_000_000) return `${(count / 1_000_000).toFixed(1)}M`
  if (Math.abs(count) >= 100_000) return `${Math.round(count / 1_000)}k`
  return Math.round(count).toLocaleString('en-US')
}

/**
 * A score or rate with a fixed number of decimals.
 * @default digits 2
 * @example formatNumber(0.4567) // '0.46'
 */
export function formatNumber(value: number | null | undefined, digits = 2): string {
  if (isMissing(value)) return DASH
  return value.toFixed(digits)
}

/**
 * How long ago `thenMs` was, at `nowMs` (both epoch ms): `now`, `4s`, `3m 05s`, `2h 10m`.
 * @example formatAge(1_000, 5_500) // '4s'
 */
export function formatAge(thenMs: number | null | undefined, nowMs: number): string {
  if (isMissing(thenMs)) return DASH
  const seconds = Math.max(0, Math.floor((nowMs - thenMs) / 1_000))
  if (seconds < 1) return 'now'
  return formatSeconds(seconds)
}

/**
 * A duration in whole seconds: `42s`, `3m 05s`, `2h 10m`, `3d 4h`.
 * @example formatSeconds(185) // '3m 05s'
 */
export function formatSeconds(total: number | null | undefined): string {
  if (isMissing(total)) return DASH
  const seconds = Math.floor(total)
  if (seconds < 60) return `${seconds}s`
  if (seconds < 3_600) return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`
  if (seconds < 86_400) return `${Math.floor(seconds / 3_600)}h ${Math.floor((seconds % 3_600) / 60)}m`
  return `${Math.floor(seconds / 86_400)}d ${Math.floor((seconds % 86_400) / 3_600)}h`
}

/**
 * A hash shortened to its head and tail: `0x1234…cdef`.
 * @example shortHash('0x' + 'ab'.repeat(32)) // '0xabab…abab'
 */
export function shortHash(hash: string | null | undefined): string {
  if (!hash) return DASH
  return hash.length <= 14 ? hash : `${hash.slice(0, 6)}…${hash.slice(-4)}`
}

/**
 * Time of day of an epoch-ms timestamp, with milliseconds: `14:03:07.123` (local time).
 * @example formatClock(Date.UTC(2024, 0, 1, 14, 3, 7, 123))
 */
export function formatClock(epochMs: number | null | undefined): string {
  if (isMissing(epochMs)) return DASH
  const date = new Date(epochMs)
  const pad = (value: number, width = 2) => String(value).padStart(width, '0')
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`
}

/**
 * A block number with thousands separators, `#` first.
 * @example formatBlock(1234567) // '#1,234,567'
 */
export function formatBlock(number: number | null | undefined): string {
  if (isMissing(number)) return DASH
  return `#${number.toLocaleString('en-US')}`
}
