import { describe, expect, it } from 'vitest'
import { parseLogFilter } from './log-filter.js'

describe('parseLogFilter', () => {
  it('accepts a missing filter as match-all', () => {
    expect(parseLogFilter(undefined)).toEqual({})
  })

  it('rejects malformed filters', () => {
    expect(parseLogFilter({ address: 5 })).toBeUndefined()
    expect(parseLogFilter({ topics: 'x' })).toBeUndefined()
    expect(parseLogFilter([1])).toBeUndefined()
  })
})
