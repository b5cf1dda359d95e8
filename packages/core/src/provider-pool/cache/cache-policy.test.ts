import { describe, expect, it } from 'vitest'
import { type CacheChainView, cachePolicy, isCacheable } from './cache-policy.js'

// A chain followed up to block 100; final at depth 10 (block 90 and below); the follower remembers the
// canonical hashes of blocks 90 to 100.
const hashOf = (number: number) => `0x${number.toString(16).padStart(64, '0')}`
const HEAD = { number: 100, hash: hashOf(100) }
const view: CacheChainView = {
  head: HEAD,
  finalized: 90,
  hashAt: (number) => (number >= 90 && number <= 100 ? hashOf(number) : undefined),
  numberOf: (hash) => {
    const number = Number.parseInt(hash, 16)
    return number >= 90 && number <= 100 && hash === hashOf(number) ? number : undefined
  },
}
const hex = (number: number) => `0x${number.toString(16)}`
const ADDRESS = '0x00000000000000000000000000000000000000aa'
const TX = `0x${'ab'.repeat(32)}`
const ORPHAN = `0x${'ee'.repeat(32)}`
const block = (number: number, hash = hashOf(number)) => ({ number: hex(number), hash, transactions: [] })
const receipt = (number: number, blockHash = hashOf(number)) => ({
  transactionHash: TX,
  blockNumber: hex(number),
  blockHash,
  status: '0x1',
})
const atHead = { head: [100, HEAD.hash] }
const tiedTo = (number: number) => ({ block: [number, hashOf(number)] })

describe('cachePolicy', () => {
  it('keeps the chain id for good', () => {
    expect(cachePolicy('eth_chainId', [], '0x1', view)).toEqual({})
    expect(cachePolicy('net_version', [], '1', view)).toEqual({})
  })

  it('ties latest, safe and finalized (and a missing block) to the head', () => {
    for (const tag of ['latest', 'safe', 'finalized'])
      expect(cachePolicy('eth_getBalance', [ADDRESS, tag], '0x1', view)).toEqual(atHead)
    expect(cachePolicy('eth_call', [{ to: ADDRESS }], '0x', view)).toEqual(atHead)
    expect(cachePolicy('eth_gasPrice', [], '0x1', view)).toEqual(atHead)
  })

  it('never keeps pending, writes, estimates, filters or unknown methods', () => {
    expect(cachePolicy('eth_getTransactionCount', [ADDRESS, 'pending'], '0x1', view)).toBeUndefined()
    for (const method of ['eth_sendRawTransaction', 'eth_estimateGas', 'eth_getFilterChanges', 'eth_nope'])
      expect(isCacheable(method)).toBe(false)
    expect(cachePolicy('eth_estimateGas', [{ to: ADDRESS }, 'latest'], '0x5208', view)).toBeUndefined()
  })

  it('never keeps null: a pending receipt, a block above the head', () => {
    expect(cachePolicy('eth_getTransactionReceipt', [TX], null, view)).toBeUndefined()
    expect(cachePolicy('eth_getBlockByNumber', [hex(101), false], null, view)).toBeUndefined()
    expect(cachePolicy('eth_getTransactionByHash', [TX], { hash: TX, blockHash: null }, view)).toBeUndefined()
  })

  it('keeps answers about final blocks for good and ties the others to their block hash', () => {
    expect(cachePolicy('eth_getBalance', [ADDRESS, hex(90)], '0x1', view)).toEqual({})
    expect(cachePolicy('eth_getBalance', [ADDRESS, hex(95)], '0x1', view)).toEqual(tiedTo(95))
    expect(cachePolicy('eth_getBalance', [ADDRESS, { blockHash: hashOf(95) }], '0x1', view)).toEqual(
      tiedTo(95),
    )
    expect(cachePolicy('eth_getBalance', [ADDRESS, { blockNumber: hex(42) }], '0x1', view)).toEqual({})
    expect(cachePolicy('eth_getBlockByNumber', [hex(97), false], block(97), view)).toEqual(tiedTo(97))
    expect(cachePolicy('eth_getBlockByHash', [hashOf(99), false], block(99), view)).toEqual(tiedTo(99))
    // Above the head: the node may not have it yet.
    expect(cachePolicy('eth_getBalance', [ADDRESS, hex(101)], '0x1', view)).toBeUndefined()
  })

  it('refuses a block the follower does not have at that height, or a latest block that is not the head', () => {
    expect(cachePolicy('eth_getBlockByNumber', [hex(97), false], block(97, ORPHAN), view)).toBeUndefined()
    expect(
      cachePolicy('eth_getBlockByNumber', ['latest', false], block(101, hashOf(101)), view),
    ).toBeUndefined()
    expect(cachePolicy('eth_getBlockByNumber', ['latest', false], block(100), view)).toEqual(atHead)
    // A hash the follower cannot place and no final height to go by: never.
    expect(cachePolicy('eth_getBlockByHash', [ORPHAN, false], block(97, ORPHAN), view)).toBeUndefined()
    // An old hash outside its memory, final by the block's own number: for good.
    expect(cachePolicy('eth_getBlockByHash', [ORPHAN, false], block(12, ORPHAN), view)).toEqual({})
  })

  it('ties a receipt to the block it names, and refuses one from a block off the canonical chain', () => {
    expect(cachePolicy('eth_getTransactionReceipt', [TX], receipt(98), view)).toEqual(tiedTo(98))
    expect(cachePolicy('eth_getTransactionReceipt', [TX], receipt(80, ORPHAN), view)).toEqual({})
    expect(cachePolicy('eth_getTransactionReceipt', [TX], receipt(98, ORPHAN), view)).toBeUndefined()
  })

  it('ties logs over a range to its highest block, tags to the head, and keeps final ranges', () => {
    const logs = (filter: object) => cachePolicy('eth_getLogs', [filter], [], view)
    expect(logs({ fromBlock: hex(80), toBlock: hex(96) })).toEqual(tiedTo(96))
    expect(logs({ fromBlock: hex(10), toBlock: hex(90) })).toEqual({})
    expect(logs({ fromBlock: 'earliest', toBlock: hex(50) })).toEqual({})
    expect(logs({ fromBlock: hex(95) })).toEqual(atHead)
    expect(logs({ fromBlock: hex(95), toBlock: 'pending' })).toBeUndefined()
    expect(logs({ fromBlock: hex(95), toBlock: hex(120) })).toBeUndefined()
    expect(logs({ blockHash: hashOf(97) })).toEqual(tiedTo(97))
  })

  it('keeps only eth_blockNumber answers that are the head', () => {
    expect(cachePolicy('eth_blockNumber', [], hex(100), view)).toEqual(atHead)
    expect(cachePolicy('eth_blockNumber', [], hex(99), view)).toBeUndefined()
  })

  it('keeps nothing tied to a block before the follower has a head', () => {
    const empty: CacheChainView = {
      head: undefined,
      finalized: undefined,
      hashAt: () => undefined,
      numberOf: () => undefined,
    }
    expect(cachePolicy('eth_getBalance', [ADDRESS, 'latest'], '0x1', empty)).toBeUndefined()
    expect(cachePolicy('eth_getBlockByNumber', [hex(3), false], block(3), empty)).toBeUndefined()
    expect(cachePolicy('eth_chainId', [], '0x1', empty)).toEqual({})
  })

  it('follows per-method overrides', () => {
    expect(cachePolicy('eth_getBalance', [ADDRESS, hex(95)], '0x1', view, 'final-only')).toBeUndefined()
    expect(cachePolicy('eth_getBalance', [ADDRESS, hex(50)], '0x1', view, 'final-only')).toEqual({})
    expect(cachePolicy('eth_chainId', [], '0x1', view, 'never')).toBeUndefined()
    expect(isCacheable('eth_chainId', 'never')).toBe(false)
    expect(isCacheable('web3_sha3', 'immutable')).toBe(true)
    expect(cachePolicy('web3_sha3', ['0x00'], '0xbc', view, 'immutable')).toEqual({})
  })
})
