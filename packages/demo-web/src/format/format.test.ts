import { describe, expect, it } from 'vitest'
import {
  formatAge,
  formatBlock,
  formatBytes,
  formatClock,
  formatCount,
  formatMs,
  formatNumber,
  formatPercent,
  formatSeconds,
  shortHash,
} from './format.js'

describe('formatMs', () => {
  it('keeps two decimals below a millisecond, one below 100 ms, none below a second', () => {
    expect(formatMs(0.4236)).toBe('0.42 ms')
    expect(formatMs(12.34)).toBe('12.3 ms')
    expect(formatMs(245.6)).toBe('246 ms')
  })

  it('switches to seconds and minutes for long durations', () => {
    expect(formatMs(1_250)).toBe('1.25 s')
    expect(formatMs(120_000)).toBe('2.0 min')
  })

  it('shows a dash when there is no figure', () => {
    expect(formatMs(undefined)).toBe('—')
    expect(formatMs(null)).toBe('—')
    expect(formatMs(Number.NaN)).toBe('—')
  })
})

describe('formatPercent', () => {
  it('shows one decimal, none at the extremes', () => {
    expect(formatPercent(0.9876)).toBe('98.8%')
    expect(formatPercent(1)).toBe('100%')
    expect(formatPercent(0)).toBe('0%')
    expect(formatPercent(null)).toBe('—')
  })
})

describe('formatBytes', () => {
  it('uses binary units with one decimal past bytes', () => {
    expect(formatBytes(512)).toBe('512 B')
    expect(formatBytes(1_536)).toBe('1.5 KiB')
    expect(formatBytes(87.3 * 1024 * 1024)).toBe('87.3 MiB')
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GiB')
  })
})

describe('formatCount', () => {
  it('groups thousands, abbreviates large counts', () => {
    expect(formatCount(12_345)).toBe('12,345')
    expect(formatCount(250_400)).toBe('250k')
    expect(formatCount(2_500_000)).toBe('2.5M')
    expect(formatCount(undefined)).toBe('—')
  })
})

describe('formatNumber', () => {
  it('rounds to the given digits, two by default', () => {
    expect(formatNumber(0.4567)).toBe('0.46')
    expect(formatNumber(1.23456, 3)).toBe('1.235')
  })
})

describe('formatAge and formatSeconds', () => {
  it('counts whole seconds since then, never negative', () => {
    expect(formatAge(1_000, 1_400)).toBe('now')
    expect(formatAge(1_000, 5_500)).toBe('4s')
    expect(formatAge(10_000, 5_000)).toBe('now')
  })

  it('uses minutes, hours and days for longer spans', () => {
    expect(formatSeconds(185)).toBe('3m 05s')
    expect(formatSeconds(2 * 3_600 + 10 * 60 + 5)).toBe('2h 10m')
    expect(formatSeconds(3 * 86_400 + 4 * 3_600)).toBe('3d 4h')
  })
})

describe('shortHash', () => {
  it('keeps the head and the tail of a long hash', () => {
    expect(shortHash(`0x${'ab'.repeat(31)}cdef`)).toBe('0xabab…cdef')
    expect(shortHash('0x1234')).toBe('0x1234')
    expect(shortHash(undefined)).toBe('—')
  })
})

describe('formatClock and formatBlock', () => {
  it('shows the local time of day with milliseconds', () => {
    const at = new Date(2024, 0, 1, 14, 3, 7, 9).getTime()
    expect(formatClock(at)).toBe('14:03:07.009')
  })

  it('prefixes block numbers with # and groups thousands', () => {
    expect(formatBlock(1_234_567)).toBe('#1,234,567')
    expect(formatBlock(undefined)).toBe('—')
  })
})
