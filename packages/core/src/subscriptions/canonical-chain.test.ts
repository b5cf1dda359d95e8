import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { BlockHeader } from './block-header.js'
import { createCanonicalChain } from './canonical-chain.js'

/** A fake chain store: blocks by hash, built branch by branch. */
function blockStore() {
  const byHash = new Map<string, BlockHeader>()
  const make = (number: number, parentHash: string, branch = 'a'): BlockHeader => {
    const block = { number: `0x${number.toString(16)}`, hash: `0x${branch}${number}`, parentHash }
    byHash.set(block.hash, block)
    return block
  }
  /** Blocks 0..count-1 on `branch`, the first linking to `parentHash`. */
  const line = (from: number, count: number, parentHash: string, branch = 'a'): BlockHeader[] => {
    const blocks: BlockHeader[] = []
    let parent = parentHash
    for (let number = from; number < from + count; number++) {
      const block = make(number, parent, branch)
      blocks.push(block)
      parent = block.hash
    }
    return blocks
  }
  return { line, fetch: async (hash: string) => byHash.get(hash) ?? null }
}

function follower(
  store: ReturnType<typeof blockStore>,
  options: { maxBackfill?: number; historySize?: number } = {},
) {
  const events: string[] = []
  const chain = createCanonicalChain({
    ...options,
    fetchBlockByHash: store.fetch,
    onBlock: (block) => events.push(`+${block.hash}`),
    onRemoved: (block) => events.push(`-${block.hash}`),
    onError: (error) => events.push(`!${(error as Error).message}`),
  })
  return { chain, events }
}

describe('createCanonicalChain', () => {
  it('starts from a seeded block without delivering it, and links later heads to it', async () => {
    const store = blockStore()
    const [b1, b2, b3] = store.line(1, 3, '0xa0')
    const { chain, events } = follower(store)
    await chain.seed(b1!)
    expect(events).toEqual([])
    expect(chain.head()).toBe(b1)
    // A seed once the chain has a head changes nothing.
    await chain.seed(b3!)
    expect(chain.head()).toBe(b1)
    await chain.push(b3!)
    // b2 back-filled from the seed, b1 never delivered.
    expect(events).toEqual([`+${b2!.hash}`, `+${b3!.hash}`])
  })

  it('delivers consecutive heads once each', async () => {
    const store = blockStore()
    const [b1, b2, b3] = store.line(1, 3, '0x0')
    const { chain, events } = follower(store)
    for (const block of [b1!, b2!, b2!, b3!, b1!]) await chain.push(block)
    expect(events).toEqual(['+0xa1', '+0xa2', '+0xa3'])
  })

  it('back-fills a gap before the new head', async () => {
    const store = blockStore()
    const blocks = store.line(1, 6, '0x0')
    const { chain, events } = follower(store)
    await chain.push(blocks[0]!)
    await chain.push(blocks[5]!)
    expect(events).toEqual(['+0xa1', '+0xa2', '+0xa3', '+0xa4', '+0xa5', '+0xa6'])
  })

  it('delivers a reorg: removed blocks newest first, then the new branch', async () => {
    const store = blockStore()
    const main = store.line(1, 4, '0x0')
    const fork = store.line(3, 3, main[1]!.hash, 'b')
    const { chain, events } = follower(store)
    for (const block of main) await chain.push(block)
    await chain.push(fork[2]!)
    expect(events).toEqual(['+0xa1', '+0xa2', '+0xa3', '+0xa4', '-0xa4', '-0xa3', '+0xb3', '+0xb4', '+0xb5'])
    expect(chain.head()?.hash).toBe('0xb5')
  })

  it('delivers a same-height competing block as a one-block reorg', async () => {
    const store = blockStore()
    const main = store.line(1, 2, '0x0')
    const [rival] = store.line(2, 1, main[0]!.hash, 'c')
    const { chain, events } = follower(store)
    for (const block of main) await chain.push(block)
    await chain.push(rival!)
    expect(events.slice(2)).toEqual(['-0xa2', '+0xc2'])
  })

  it('reports the replaced block when a competitor arrives whose parent predates its history', async () => {
    const store = blockStore()
    const [b1, b2] = store.line(1, 2, '0x0')
    const [rival] = store.line(2, 1, b1!.hash, 'c')
    const { chain, events } = follower(store)
    await chain.push(b2!)
    await chain.push(rival!)
    expect(events).toEqual(['+0xa2', '-0xa2', '+0xc2'])
  })

  it('ignores stragglers older than its history', async () => {
    const store = blockStore()
    const blocks = store.line(1, 10, '0x0')
    const { chain, events } = follower(store, { historySize: 3 })
    for (const block of blocks) await chain.push(block)
    await chain.push(blocks[2]!)
    expect(events).toHaveLength(10)
  })

  it('keeps the head pending when an ancestor cannot be fetched, and fills it on the next head', async () => {
    const store = blockStore()
    const blocks = store.line(1, 5, '0x0')
    let available = false
    const { chain, events } = follower({
      ...store,
      fetch: async (hash) => (available ? store.fetch(hash) : null),
    })
    await chain.push(blocks[0]!)
    await chain.push(blocks[2]!)
    expect(events).toEqual(['+0xa1', '!block 0xa2 is not available yet'])
    available = true
    await chain.push(blocks[4]!)
    expect(events.slice(2)).toEqual(['+0xa2', '+0xa3', '+0xa4', '+0xa5'])
  })

  it('restarts at the new head when the gap exceeds maxBackfill', async () => {
    const store = blockStore()
    const blocks = store.line(1, 20, '0x0')
    const { chain, events } = follower(store, { maxBackfill: 5 })
    await chain.push(blocks[0]!)
    await chain.push(blocks[19]!)
    expect(events).toEqual(['+0xa1', '+0xa20'])
  })

  it('for any arrival order of one chain, delivers a parent-linked sequence without duplicates', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 29 }), { minLength: 1, maxLength: 60 }),
        async (order) => {
          const store = blockStore()
          const blocks = store.line(1, 30, '0x0')
          const delivered: BlockHeader[] = []
          const chain = createCanonicalChain({
            fetchBlockByHash: store.fetch,
            onBlock: (block) => delivered.push(block),
          })
          for (const index of order) await chain.push(blocks[index]!)
          const hashes = delivered.map((block) => block.hash)
          expect(new Set(hashes).size).toBe(hashes.length)
          for (let index = 1; index < delivered.length; index++) {
            expect(delivered[index]!.parentHash).toBe(delivered[index - 1]!.hash)
          }
          expect(delivered.at(-1)?.hash).toBe(blocks[Math.max(...order)]!.hash)
        },
      ),
    )
  })
})
