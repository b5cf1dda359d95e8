import { describe, expect, it } from 'vitest'
import type { JsonRpcRequest } from '../rpc/json-rpc.js'
import { type BlockLookup, prunedStateRefusal, stateBlockOf } from './state-history.js'

const call = (method: string, params: unknown[]): JsonRpcRequest => ({
  jsonrpc: '2.0',
  id: 1,
  method,
  params,
})
const balanceAt = (block: unknown) => call('eth_getBalance', ['0xabc', block])
const HASH = `0x${'ab'.repeat(32)}`
const ROOT = `0x${'5c'.repeat(32)}`

/** A chain of 1,001 blocks (0–1,000) whose block n has hash HASH only for n = 100. */
function lookups() {
  const asked: unknown[] = []
  const lookup: BlockLookup = async (block) => {
    asked.push(block)
    if ('hash' in block) return block.hash === HASH ? { number: 100, stateRoot: ROOT } : undefined
    return block.number <= 1_000 ? { number: block.number, stateRoot: ROOT } : undefined
  }
  return { lookup, asked }
}

describe('stateBlockOf', () => {
  it.each([
    [balanceAt('0x10'), { number: 16 }],
    [balanceAt('earliest'), { number: 0 }],
    [balanceAt({ blockNumber: '0x10' }), { number: 16 }],
    [balanceAt({ blockHash: HASH }), { hash: HASH }],
    [balanceAt(HASH), { hash: HASH }],
    [balanceAt('latest'), undefined],
    [call('eth_getStorageAt', ['0xabc', '0x0', '0x10']), { number: 16 }],
    [call('eth_getBlockByNumber', ['0x10', false]), undefined],
  ])('%j → %j', (request, expected) => {
    expect(stateBlockOf(request)).toEqual(expected)
  })
})

describe('prunedStateRefusal', () => {
  it("keeps its newest blocks' state and refuses older state as geth does, naming the state root", async () => {
    const { lookup } = lookups()
    // Head 1,000, 128 blocks kept: 873 to 1,000.
    expect(await prunedStateRefusal(balanceAt('0x369'), 1_000, 128, lookup)).toBeUndefined()
    expect(await prunedStateRefusal(balanceAt('0x368'), 1_000, 128, lookup)).toEqual({
      code: -32000,
      message: `missing trie node ${'5c'.repeat(32)} (path )`,
    })
    expect(await prunedStateRefusal(balanceAt('earliest'), 1_000, 128, lookup)).toMatchObject({
      code: -32000,
    })
  })

  it('looks up a block named by hash, and leaves unknown hashes to the node', async () => {
    const { lookup } = lookups()
    expect(await prunedStateRefusal(balanceAt({ blockHash: HASH }), 1_000, 128, lookup)).toMatchObject({
      code: -32000,
    })
    expect(await prunedStateRefusal(balanceAt({ blockHash: HASH }), 200, 128, lookup)).toBeUndefined()
    expect(
      await prunedStateRefusal(balanceAt({ blockHash: `0x${'cd'.repeat(32)}` }), 1_000, 128, lookup),
    ).toBeUndefined()
  })

  it('asks the node nothing for tags, recent blocks and methods that do not read state', async () => {
    const { lookup, asked } = lookups()
    expect(await prunedStateRefusal(balanceAt('latest'), 1_000, 128, lookup)).toBeUndefined()
    expect(await prunedStateRefusal(balanceAt('0x3e8'), 1_000, 128, lookup)).toBeUndefined()
    expect(
      await prunedStateRefusal(call('eth_getBlockByNumber', ['0x1', false]), 1_000, 128, lookup),
    ).toBeUndefined()
    expect(asked).toEqual([])
  })
})
