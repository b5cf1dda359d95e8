import { describe, expect, it } from 'vitest'
import { isPureRead } from './read-methods.js'

describe('isPureRead', () => {
  it('is true of reads, never of writes, filter polls, subscriptions or unknown methods', () => {
    for (const method of ['eth_getBalance', 'eth_call', 'eth_blockNumber', 'eth_getLogs', 'net_version'])
      expect(isPureRead(method)).toBe(true)
    for (const method of [
      'eth_sendRawTransaction',
      'eth_getFilterChanges',
      'eth_getFilterLogs',
      'eth_newFilter',
      'eth_subscribe',
      'anvil_mine',
      'debug_traceTransaction',
    ])
      expect(isPureRead(method)).toBe(false)
  })
})
