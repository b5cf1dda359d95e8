import { describe, expect, it } from 'vitest'
import { parseRetryAfter } from './retry-after.js'

const now = Date.UTC(2026, 4, 1, 8, 0, 0)

describe('parseRetryAfter', () => {
  it.each([
    ['120', 120_000],
    [' 3 ', 3_000],
    ['0', 0],
    ['1.5', 1_500],
    [new Date(now + 45_000).toUTCString(), 45_000],
    [new Date(now - 45_000).toUTCString(), 0],
  ])('reads %j as %i ms', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected)
  })

  it.each([null, undefined, '', 'soon', '-5', '1e3'])('returns undefined for %j', (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined()
  })
})
