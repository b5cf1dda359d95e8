import { describe, expect, it } from 'vitest'
import type { LogEntry } from '../chain/chain-feed.js'
import { matchesLogFilter, parseLogFilter } from './log-filter.js'

const log: LogEntry = {
  address: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  topics: ['0xAA', '0xbb'],
  data: '0x',
  blockNumber: '0x1',
  blockHash: '0x1',
  logIndex: '0x0',
  transactionHash: '0x2',
}

describe('matchesLogFilter', () => {
  it('matches everything with an empty filter', () => {
    expect(matchesLogFilter(log, {})).toBe(true)
  })

  it('compares addresses case-insensitively, one or many', () => {
    expect(matchesLogFilter(log, { address: log.address.toLowerCase() })).toBe(true)
    expect(matchesLogFilter(log, { address: ['0x01', log.address.toUpperCase().replace('0X', '0x')] })).toBe(
      true,
    )
    expect(matchesLogFilter(log, { address: '0x01' })).toBe(false)
  })

  it('treats null topics as wildcards and arrays as alternatives', () => {
    expect(matchesLogFilter(log, { topics: [null, '0xBB'] })).toBe(true)
    expect(matchesLogFilter(log, { topics: [['0x01', '0xaa']] })).toBe(true)
    expect(matchesLogFilter(log, { topics: ['0xbb'] })).toBe(false)
  })

  it('rejects a log with fewer topics than the filter constrains', () => {
    expect(matchesLogFilter(log, { topics: [null, null, '0xcc'] })).toBe(false)
  })
})

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
