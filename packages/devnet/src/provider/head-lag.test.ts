import { describe, expect, it } from 'vitest'
import type { JsonRpcRequest } from '../rpc/json-rpc.js'
import { dependsOnHead, lagRequest } from './head-lag.js'

const request = (method: string, params: unknown[]): JsonRpcRequest => ({
  jsonrpc: '2.0',
  id: 1,
  method,
  params,
})

describe('lagRequest', () => {
  it('replaces latest with the lagged head', () => {
    expect(lagRequest(request('eth_getBlockByNumber', ['latest', false]), 10).params).toEqual(['0xa', false])
  })

  it('fills an omitted block tag', () => {
    expect(lagRequest(request('eth_getBalance', ['0x01']), 16).params).toEqual(['0x01', '0x10'])
  })

  it('leaves explicit block numbers and hashes alone', () => {
    const explicit = request('eth_getBalance', ['0x01', '0x3'])
    expect(lagRequest(explicit, 10)).toBe(explicit)
    const byHash = request('eth_getLogs', [{ blockHash: '0xabc' }])
    expect(lagRequest(byHash, 10)).toBe(byHash)
  })

  it('caps eth_getLogs ranges at the lagged head', () => {
    expect(lagRequest(request('eth_getLogs', [{ fromBlock: '0x0' }]), 5).params).toEqual([
      { fromBlock: '0x0', toBlock: '0x5' },
    ])
    expect(
      lagRequest(request('eth_getLogs', [{ fromBlock: 'latest', toBlock: 'latest' }]), 5).params,
    ).toEqual([{ fromBlock: '0x5', toBlock: '0x5' }])
  })

  it('does not touch the original request', () => {
    const original = request('eth_call', [{ to: '0x01' }, 'latest'])
    lagRequest(original, 3)
    expect(original.params).toEqual([{ to: '0x01' }, 'latest'])
  })
})

describe('dependsOnHead', () => {
  it('knows which methods read the head', () => {
    expect(dependsOnHead(request('eth_blockNumber', []))).toBe(true)
    expect(dependsOnHead(request('eth_getLogs', [{}]))).toBe(true)
    expect(dependsOnHead(request('eth_chainId', []))).toBe(false)
    expect(dependsOnHead(request('eth_getTransactionReceipt', ['0x1']))).toBe(false)
  })
})
