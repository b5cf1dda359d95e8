import { describe, expect, it } from 'vitest'
import { dependsOnLatest } from './block-tag.js'

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
    ['eth_getLogs', [{ fromBlock: '0x1', toBlock: '0x2' }], false],
    ['eth_getLogs', [{ fromBlock: '0x1' }], true],
    ['eth_getLogs', [{ blockHash: '0x1' }], false],
    ['eth_getTransactionReceipt', ['0x1'], false],
    ['eth_chainId', [], false],
  ])('%s %j → %s', (method, params, expected) => {
    expect(dependsOnLatest(method, params)).toBe(expected)
  })
})
