import { BLOCK_PARAMETER_INDEX } from '@chainpulse/core'
import { describe, expect, it } from 'vitest'
import type { JsonRpcRequest, JsonRpcResponse } from '../rpc/json-rpc.js'
import { dependsOnHead, type LaggedRequest, lagAnswer, lagRequest } from './head-lag.js'

const request = (method: string, params: unknown[]): JsonRpcRequest => ({
  jsonrpc: '2.0',
  id: 1,
  method,
  params,
})

const forwarded = (lagged: LaggedRequest): unknown[] => {
  if (!('forward' in lagged)) throw new Error(`answered locally: ${JSON.stringify(lagged.answer)}`)
  return lagged.forward.params as unknown[]
}

const outOfRange = (height: number, requested: number) => ({
  answer: {
    error: {
      code: -32602,
      message: `BlockOutOfRangeError: block height is ${height} but requested was ${requested}`,
    },
  },
})

describe('lagRequest', () => {
  it('replaces latest with the lagged head', () => {
    expect(forwarded(lagRequest(request('eth_getBlockByNumber', ['latest', false]), 10))).toEqual([
      '0xa',
      false,
    ])
  })

  it('fills an omitted block tag', () => {
    expect(forwarded(lagRequest(request('eth_getBalance', ['0x01']), 16))).toEqual(['0x01', '0x10'])
  })

  it('rewrites latest at the block parameter of every method in core’s table', () => {
    for (const [method, index] of Object.entries(BLOCK_PARAMETER_INDEX)) {
      const params: unknown[] = Array.from({ length: index + 1 }, (_, at) =>
        at === index ? 'latest' : '0x1',
      )
      expect(forwarded(lagRequest(request(method, params), 7))[index], method).toBe('0x7')
    }
  })

  it('leaves block numbers up to the lagged head, other tags and hashes alone', () => {
    for (const tag of [
      '0x3',
      '0xa',
      'earliest',
      'safe',
      'finalized',
      { blockHash: `0x${'ab'.repeat(32)}` },
    ]) {
      const explicit = request('eth_getBalance', ['0x01', tag])
      expect(lagRequest(explicit, 10), JSON.stringify(tag)).toEqual({ forward: explicit })
    }
    const receiptsByHash = request('eth_getBlockReceipts', [`0x${'cd'.repeat(32)}`])
    expect(lagRequest(receiptsByHash, 10)).toEqual({ forward: receiptsByHash })
    const byHash = request('eth_getLogs', [{ blockHash: '0xabc' }])
    expect(lagRequest(byHash, 10)).toEqual({ forward: byHash })
  })

  it('refuses a block number above the lagged head as anvil refuses one above its head', () => {
    expect(lagRequest(request('eth_getBalance', ['0x01', '0xb']), 10)).toEqual(outOfRange(10, 11))
    expect(lagRequest(request('eth_call', [{ to: '0x01' }, { blockNumber: '0x20' }]), 10)).toEqual(
      outOfRange(10, 32),
    )
    expect(lagRequest(request('eth_getStorageAt', ['0x01', '0x0', '0xb']), 10)).toEqual(outOfRange(10, 11))
    expect(lagRequest(request('eth_feeHistory', ['0x4', '0xb', []]), 10)).toEqual(outOfRange(10, 11))
    expect(lagRequest(request('eth_getBlockByNumber', ['0xb', false]), 10)).toEqual({
      answer: { result: null },
    })
    expect(lagRequest(request('eth_getBlockReceipts', ['0xb']), 10)).toEqual({ answer: { result: null } })
    expect(lagRequest(request('eth_getTransactionByBlockNumberAndIndex', ['0xb', '0x0']), 10)).toEqual({
      answer: { result: null },
    })
    expect(lagRequest(request('eth_getUncleCountByBlockNumber', ['0xb']), 10)).toEqual({
      answer: { error: { code: -32001, message: 'Resource not found' } },
    })
  })

  it('ends eth_getLogs ranges at the lagged head and refuses one starting above it', () => {
    expect(forwarded(lagRequest(request('eth_getLogs', [{ fromBlock: '0x0' }]), 5))).toEqual([
      { fromBlock: '0x0', toBlock: '0x5' },
    ])
    expect(
      forwarded(lagRequest(request('eth_getLogs', [{ fromBlock: 'latest', toBlock: 'latest' }]), 5)),
    ).toEqual([{ fromBlock: '0x5', toBlock: '0x5' }])
    expect(forwarded(lagRequest(request('eth_getLogs', [{ fromBlock: '0x2', toBlock: '0x9' }]), 5))).toEqual([
      { fromBlock: '0x2', toBlock: '0x5' },
    ])
    expect(lagRequest(request('eth_getLogs', [{ fromBlock: '0x6', toBlock: '0x9' }]), 5)).toEqual(
      outOfRange(5, 6),
    )
  })

  it('does not touch the original request', () => {
    const original = request('eth_call', [{ to: '0x01' }, 'latest'])
    lagRequest(original, 3)
    expect(original.params).toEqual([{ to: '0x01' }, 'latest'])
  })
})

describe('lagAnswer', () => {
  const answer = (result: unknown): JsonRpcResponse => ({ jsonrpc: '2.0', id: 1, result })
  const hash = `0x${'ab'.repeat(32)}`

  it('does not know a block, transaction or receipt above the lagged head by hash', () => {
    const cases: [string, Record<string, unknown>][] = [
      ['eth_getBlockByHash', { number: '0xb', hash }],
      ['eth_getTransactionByHash', { blockNumber: '0xb', hash }],
      ['eth_getTransactionReceipt', { blockNumber: '0xb', transactionHash: hash }],
      ['eth_getTransactionByBlockHashAndIndex', { blockNumber: '0xb', hash }],
    ]
    for (const [method, result] of cases) {
      expect(lagAnswer(request(method, [hash]), answer(result), 10).result, method).toBeNull()
      const known = { ...result, number: '0xa', blockNumber: '0xa' }
      expect(lagAnswer(request(method, [hash]), answer(known), 10).result, method).toEqual(known)
    }
    const pending = { blockNumber: null, hash }
    expect(lagAnswer(request('eth_getTransactionByHash', [hash]), answer(pending), 10).result).toEqual(
      pending,
    )
  })

  it('refuses logs and receipts of a block above the lagged head', () => {
    const logs = [{ blockNumber: '0xb', blockHash: hash, logIndex: '0x0' }]
    expect(lagAnswer(request('eth_getLogs', [{ blockHash: hash }]), answer(logs), 10)).toEqual({
      jsonrpc: '2.0',
      id: 1,
      error: { code: -32000, message: 'unknown block' },
    })
    expect(lagAnswer(request('eth_getLogs', [{ blockHash: hash }]), answer(logs), 11).result).toEqual(logs)
    expect(lagAnswer(request('eth_getBlockReceipts', [hash]), answer(logs), 10).result).toBeNull()
  })
})

describe('dependsOnHead', () => {
  it('knows which methods read the head', () => {
    expect(dependsOnHead(request('eth_blockNumber', []))).toBe(true)
    expect(dependsOnHead(request('eth_getLogs', [{}]))).toBe(true)
    expect(dependsOnHead(request('eth_getTransactionReceipt', ['0x1']))).toBe(true)
    expect(dependsOnHead(request('eth_chainId', []))).toBe(false)
    expect(dependsOnHead(request('eth_sendRawTransaction', ['0x1']))).toBe(false)
  })
})
