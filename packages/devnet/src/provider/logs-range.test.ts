import { describe, expect, it } from 'vitest'
import type { JsonRpcRequest } from '../rpc/json-rpc.js'
import { logsRangeNeedsHead, logsRangeRefusal, logsResultsRefusal } from './logs-range.js'

const getLogs = (filter: unknown): JsonRpcRequest => ({
  jsonrpc: '2.0',
  id: 1,
  method: 'eth_getLogs',
  params: [filter],
})
const refusal = { code: -32602, message: 'query exceeds max block range 10' }

describe('logsRangeRefusal', () => {
  it('refuses a range one block wider than the limit, counting both ends', () => {
    expect(logsRangeRefusal(getLogs({ fromBlock: '0x1', toBlock: '0xa' }), 10, 50)).toBeUndefined()
    expect(logsRangeRefusal(getLogs({ fromBlock: '0x1', toBlock: '0xb' }), 10, 50)).toEqual(refusal)
  })

  it('reads tags and omitted bounds as the head, earliest as block 0', () => {
    expect(logsRangeRefusal(getLogs({ fromBlock: '0x29' }), 10, 50)).toBeUndefined()
    expect(logsRangeRefusal(getLogs({ fromBlock: '0x28', toBlock: 'finalized' }), 10, 50)).toEqual(refusal)
    expect(logsRangeRefusal(getLogs({ fromBlock: 'earliest', toBlock: '0xa' }), 10, 50)).toEqual(refusal)
    expect(logsRangeRefusal(getLogs({}), 1, 50)).toBeUndefined()
  })

  it('leaves block-hash queries, inverted ranges, bad bounds and other methods to the node', () => {
    expect(logsRangeRefusal(getLogs({ blockHash: '0x01', fromBlock: '0x0' }), 1, 50)).toBeUndefined()
    expect(logsRangeRefusal(getLogs({ fromBlock: '0x20', toBlock: '0x1' }), 1, 50)).toBeUndefined()
    expect(logsRangeRefusal(getLogs({ fromBlock: 'yesterday', toBlock: '0x30' }), 1, 50)).toBeUndefined()
    expect(logsRangeRefusal(getLogs('not a filter'), 1, 50)).toBeUndefined()
    const balance: JsonRpcRequest = { jsonrpc: '2.0', id: 1, method: 'eth_getBalance', params: [] }
    expect(logsRangeRefusal(balance, 1, 50)).toBeUndefined()
  })

  it('needs the head only for a range with a tag bound', () => {
    expect(logsRangeNeedsHead(getLogs({ fromBlock: '0x1', toBlock: '0x2' }))).toBe(false)
    expect(logsRangeNeedsHead(getLogs({ fromBlock: '0x1' }))).toBe(true)
    expect(logsRangeNeedsHead(getLogs({ fromBlock: 'earliest', toBlock: 'latest' }))).toBe(true)
    expect(logsRangeNeedsHead(getLogs({ blockHash: '0x01' }))).toBe(false)
  })
})

describe('logsResultsRefusal', () => {
  const request = (params: unknown[]) => ({ jsonrpc: '2.0' as const, id: 1, method: 'eth_getLogs', params })
  const answer = (count: number) => ({
    jsonrpc: '2.0' as const,
    id: 1,
    result: Array.from({ length: count }, () => ({})),
  })

  it('refuses an answer holding more logs than the limit, by range or by block hash', () => {
    expect(logsResultsRefusal(request([{ fromBlock: '0x0' }]), answer(3), 2)).toEqual({
      code: -32005,
      message: 'query returned more than 2 results',
    })
    expect(logsResultsRefusal(request([{ blockHash: '0xab' }]), answer(3), 2)).toBeDefined()
    expect(logsResultsRefusal(request([{ fromBlock: '0x0' }]), answer(2), 2)).toBeUndefined()
  })

  it('leaves errors and other methods alone', () => {
    const error = { jsonrpc: '2.0' as const, id: 1, error: { code: -32000, message: 'x' } }
    expect(logsResultsRefusal(request([{}]), error, 2)).toBeUndefined()
    expect(logsResultsRefusal({ ...request([]), method: 'eth_call' }, answer(3), 2)).toBeUndefined()
  })
})
