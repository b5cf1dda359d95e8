import { describe, expect, it } from 'vitest'
import {
  BLOCK_PARAMETER_INDEX,
  dependsOnLatest,
  isStateRead,
  referencedBlockNumber,
  stateBlockNumber,
} from './block-parameter.js'

describe('dependsOnLatest', () => {
  it.each([
    ['eth_blockNumber', [], true],
    ['eth_getBalance', ['0xabc'], true],
    ['eth_getBalance', ['0xabc', 'latest'], true],
    ['eth_getBalance', ['0xabc', '0x10'], false],
    ['eth_getBalance', ['0xabc', { blockHash: '0x1' }], false],
    ['eth_call', [{ to: '0x1' }, 'pending'], true],
    ['eth_getBlockByNumber', ['0x5', false], false],
    ['eth_getBlockByNumber', ['latest', false], true],
    ['eth_getBlockReceipts', ['latest'], true],
    ['eth_getBlockReceipts', ['0x5'], false],
    ['eth_getLogs', [{ fromBlock: '0x1', toBlock: '0x2' }], false],
    ['eth_getLogs', [{ fromBlock: '0x1' }], true],
    ['eth_getLogs', [{ blockHash: '0x1' }], false],
    ['eth_getTransactionReceipt', ['0x1'], false],
    ['eth_chainId', [], false],
  ])('%s %j → %s', (method, params, expected) => {
    expect(dependsOnLatest(method, params)).toBe(expected)
  })
})

describe('referencedBlockNumber', () => {
  it.each([
    ['eth_call', [{ to: '0x1' }, '0x10'], 16],
    ['eth_call', [{ to: '0x1' }, 'latest'], undefined],
    ['eth_getBalance', ['0xabc', { blockNumber: '0xff' }], 255],
    ['eth_getBalance', ['0xabc', { blockHash: '0x12' }], undefined],
    ['eth_getBlockByNumber', ['0x5', false], 5],
    ['eth_getBlockReceipts', ['0x7'], 7],
    ['eth_getLogs', [{ fromBlock: '0x1', toBlock: '0x20' }], 32],
    ['eth_getLogs', [{ fromBlock: '0x30', toBlock: 'latest' }], 48],
    ['eth_getLogs', [{ blockHash: '0x30' }], undefined],
    ['eth_getTransactionReceipt', ['0x10'], undefined],
    ['eth_getBalance', ['0xabc', '0xnothex'], undefined],
  ])('%s %j → %s', (method, params, expected) => {
    expect(referencedBlockNumber(method, params)).toBe(expected)
  })

  it('knows every method that takes a block parameter, eth_getBlockReceipts included', () => {
    expect(BLOCK_PARAMETER_INDEX.eth_getBlockReceipts).toBe(0)
    expect(Object.isFrozen(BLOCK_PARAMETER_INDEX)).toBe(true)
  })
})

describe('stateBlockNumber', () => {
  it.each([
    ['eth_getBalance', ['0xabc', '0x10'], 16],
    ['eth_getBalance', ['0xabc', { blockNumber: '0xff' }], 255],
    ['eth_getBalance', ['0xabc', 'earliest'], 0],
    ['eth_getStorageAt', ['0xabc', '0x0', '0x20'], 32],
    ['eth_getProof', ['0xabc', [], '0x20'], 32],
    ['eth_call', [{ to: '0x1' }, '0x10'], 16],
    ['eth_getBalance', ['0xabc', 'latest'], undefined],
    ['eth_getBalance', ['0xabc'], undefined],
    ['eth_getBalance', ['0xabc', { blockHash: `0x${'1'.repeat(64)}` }], undefined],
    ['eth_getBalance', ['0xabc', `0x${'1'.repeat(64)}`], undefined],
    // Block lookups and logs are history, not state: a pruning node keeps them.
    ['eth_getBlockByNumber', ['0x10', false], undefined],
    ['eth_getLogs', [{ fromBlock: '0x1', toBlock: '0x2' }], undefined],
  ])('%s %j → %s', (method, params, expected) => {
    expect(stateBlockNumber(method, params)).toBe(expected)
  })

  it('reads the block of every state read where the shared table says it is', () => {
    const stateReads = Object.keys(BLOCK_PARAMETER_INDEX).filter(isStateRead)
    expect(stateReads).toHaveLength(9)
    for (const method of stateReads) {
      const params = [...Array(BLOCK_PARAMETER_INDEX[method]).fill({}), '0x7']
      expect(stateBlockNumber(method, params)).toBe(7)
    }
    expect(isStateRead('eth_getTransactionReceipt')).toBe(false)
  })
})
