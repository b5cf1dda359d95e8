import { describe, expect, it } from 'vitest'
import { type Log, matchesLogFilter } from './log-filter.js'

const log: Log = {
  address: '0xAbC0000000000000000000000000000000000001',
  topics: ['0xt0', '0xt1'],
  data: '0x',
  blockNumber: '0x1',
  blockHash: '0xb',
  transactionHash: '0xt',
  transactionIndex: '0x0',
  logIndex: '0x0',
}

describe('matchesLogFilter', () => {
  it.each([
    [{}, true],
    [{ address: '0xabc0000000000000000000000000000000000001' }, true],
    [{ address: ['0xdead', '0xABC0000000000000000000000000000000000001'] }, true],
    [{ address: '0xdead' }, false],
    [{ topics: [null, '0xT1'] }, true],
    [{ topics: [['0xother', '0xt0']] }, true],
    [{ topics: ['0xt1'] }, false],
    [{ topics: [null, null, '0xt2'] }, false],
    [{ topics: [null, null, null] }, true],
  ])('filter %j → %s', (filter, expected) => {
    expect(matchesLogFilter(log, filter)).toBe(expected)
  })
})
