import { type Devnet, type DevnetChain, startDevnet } from '@chainpulse/devnet'
import { waitFor } from '@chainpulse/devnet/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mulberry32 } from '../random/prng.js'
import { createResponseCache } from './cache/response-cache.js'
import { createProviderPool } from './provider-pool.js'
import type { PoolRequest, ProviderPool } from './types.js'

// The response cache against a real anvil chain: random reads through a caching pool, each checked
// against the node itself (no cache, no pool) at the same moment, interleaved with new blocks and reorgs
// of depth 1 to 5 made with anvil_reorg. Blocks are mined on demand, so "the same moment" is exact: no
// block arrives between a read and its check. After each change the test waits until the pool's
// canonical follower has the node's head: a cache is as fresh as the follower that drives it, and the
// follower is as fresh as the providers' `newHeads` streams (docs/cache.md). Seeded, so every run makes
// the same choices.

const SEED = 20_261_206
const STEPS = 220
const READS_PER_STEP = 50
/** Final at 8 blocks: deeper than any reorg made here (5), shallow enough that final blocks are read. */
const FINALITY_DEPTH = 8

let devnet: Devnet
let chain: DevnetChain
let pool: ProviderPool

beforeAll(async () => {
  devnet = await startDevnet({
    seed: 11,
    chains: [
      {
        name: 'ethereum',
        blockTimeMs: 'manual',
        traffic: false,
        providers: [{ preset: 'neutral' }, { preset: 'neutral' }],
      },
    ],
  })
  chain = devnet.chain('ethereum')
  pool = createProviderPool({
    // Blocks come only when the test mines one: a call for the block after the head waits this long.
    chains: [{ name: 'ethereum', chainId: 1, blockTimeMs: 50 }],
    providers: devnet.manifest.providers.map((provider) => ({
      id: provider.id,
      chain: 'ethereum',
      httpUrl: provider.httpUrl,
      wsUrl: provider.wsUrl,
    })),
    racing: false,
    cache: createResponseCache({ finalityDepth: FINALITY_DEPTH }),
  })
})
afterAll(async () => {
  await pool?.close()
  await devnet?.stop()
})

interface Block {
  number: string
  hash: string
  transactions: string[]
}

/** What a call came to: its result, or that it failed (the error's text differs between the two paths). */
type Outcome = { result: unknown } | { error: true }

describe('the response cache against anvil with reorgs', () => {
  it('answers every read as the node does for the canonical chain, through 10,000 reads and 20+ reorgs', async () => {
    const random = mulberry32(SEED)
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
    const int = (low: number, high: number) => low + Math.floor(random() * (high - low + 1))
    const hex = (value: number) => `0x${value.toString(16)}`
    const node = <T>(method: string, params: unknown[]) => chain.rpc<T>(method, params)

    // Every block and transaction hash ever seen, canonical or orphaned since: reads by an orphaned hash
    // must get what the node says about it now, not what was cached while it was canonical.
    const blockHashes: string[] = []
    const txHashes: string[] = []
    const accounts = chain.accounts.slice(0, 4)
    const remember = async (from: number, to: number) => {
      for (let number = Math.max(0, from); number <= to; number++) {
        const block = await node<Block>('eth_getBlockByNumber', [hex(number), false])
        blockHashes.push(block.hash)
        txHashes.push(...block.transactions)
      }
    }

    /**
     * Sends a few transactions and mines them into a block. Never an empty block: anvil rebuilds an
     * empty block identically (same hash), and a reorg must change every block it replaces.
     */
    const mineWithTraffic = async () => {
      const ticks = int(1, 2)
      for (let tick = 0; tick < ticks; tick++) await chain.traffic.tick()
      await chain.mine()
    }

    /** Waits until the pool's follower has delivered the node's head block. */
    const followed = async () => {
      const head = await node<Block>('eth_getBlockByNumber', ['latest', false])
      await waitFor(() => delivered.has(head.hash), {
        what: `the follower at ${head.hash}`,
        timeoutMs: 10_000,
      })
      return Number(head.number)
    }
    const delivered = new Set<string>()
    pool.pubsub.subscribe('blocks:new', (block) => delivered.add(block.hash))

    // A first call starts the follower; then a history to read and reorganise.
    await pool.request({ chain: 'ethereum', method: 'eth_chainId' })
    for (let block = 0; block < 20; block++) await mineWithTraffic()
    let head = await followed()
    await remember(0, head)

    const call = (head: number): PoolRequest => {
      const number = () => hex(int(Math.max(0, head - 12), head + 1))
      const block = () => pick(['latest', number(), number(), { blockHash: pick(blockHashes) }])
      const account = () => pick(accounts)
      const range = () => {
        const to = int(Math.max(0, head - 12), head)
        return { fromBlock: hex(Math.max(0, to - int(0, 4))), toBlock: pick([hex(to), hex(to), 'latest']) }
      }
      const calls: [string, unknown[]][] = [
        ['eth_getBlockByNumber', [pick(['latest', number(), number(), number()]), false]],
        ['eth_getBlockByHash', [pick(blockHashes), false]],
        ['eth_getTransactionReceipt', [pick(txHashes)]],
        ['eth_getTransactionByHash', [pick(txHashes)]],
        ['eth_getLogs', [range()]],
        ['eth_getLogs', [{ blockHash: pick(blockHashes) }]],
        ['eth_getBalance', [account(), block()]],
        ['eth_getTransactionCount', [account(), block()]],
        ['eth_call', [{ from: account(), to: chain.emitterAddress, data: '0x' }, block()]],
        ['eth_getCode', [chain.emitterAddress, block()]],
        ['eth_blockNumber', []],
      ]
      const [method, params] = pick(calls)
      return { chain: 'ethereum', method, params }
    }

    const outcome = (promise: Promise<unknown>): Promise<Outcome> =>
      promise.then(
        (result) => ({ result }),
        () => ({ error: true }),
      )

    let reads = 0
    let reorgs = 0
    let highestEmpty = -1
    /** Reads checked against the node that the cache answered. */
    let checkedHits = 0
    const stale: string[] = []
    /** Answers served from the cache, by call, to count the ones a reorg or a new block later changed. */
    const servedFromCache = new Map<string, string>()
    let changedWhileCached = 0

    for (let step = 0; step < STEPS; step++) {
      const action = random()
      // A reorg over an empty block (one a `drop` reorg left) would rebuild it identically: no reorg.
      const deepest = Math.min(5, head - highestEmpty)
      if (action < 0.45 || (action < 0.75 && deepest < 1)) {
        await mineWithTraffic()
      } else if (action < 0.75) {
        const depth = int(1, deepest)
        const transactions = random() < 0.5 ? 'keep' : 'drop'
        try {
          await chain.reorg(depth, { transactions })
          if (transactions === 'drop') highestEmpty = head
          reorgs++
        } catch (error) {
          // anvil stamps blocks in whole seconds and a `keep` reorg rebuilds each block with the same
          // transactions: within the second it was mined, identically. Then nothing changed; not counted.
          if (transactions === 'drop' || !/kept its hash/.test(String(error))) throw error
        }
      }
      if (action < 0.75) {
        head = await followed()
        await remember(head - 5, head)
      }

      const calls = Array.from({ length: READS_PER_STEP }, () => call(head))
      const answers = await Promise.all(
        calls.map(async (each) => {
          const pooled = await outcome(
            pool.request(each).then((answer) => {
              if (answer.cache === 'hit') checkedHits++
              return answer.result
            }),
          )
          const direct = await outcome(node(each.method, each.params as unknown[]))
          return { each, pooled, direct }
        }),
      )
      for (const { each, pooled, direct } of answers) {
        reads++
        const key = JSON.stringify([each.method, each.params])
        const answer = JSON.stringify('result' in pooled ? pooled.result : 'error')
        const truth = JSON.stringify('result' in direct ? direct.result : 'error')
        if (answer !== truth) stale.push(`${key} at block ${head}: got ${answer}, node says ${truth}`)
        const earlier = servedFromCache.get(key)
        if (earlier !== undefined && earlier !== truth) changedWhileCached++
        servedFromCache.delete(key)
      }
      // Asked again through the pool: a hit now means the answer sits in the cache; whether the chain
      // changes under it shows at the next step's check.
      const again = await Promise.all(answers.map(({ each }) => pool.request(each).catch(() => undefined)))
      again.forEach((answer, index) => {
        if (answer?.cache !== 'hit') return
        const { each } = answers[index]!
        servedFromCache.set(JSON.stringify([each.method, each.params]), JSON.stringify(answer.result))
      })
    }

    expect(stale).toEqual([])
    expect(reads).toBeGreaterThanOrEqual(10_000)
    expect(reorgs).toBeGreaterThanOrEqual(20)
    console.info(
      `cache vs anvil: ${reads} reads (${checkedHits} from the cache), ${reorgs} reorgs, ` +
        `${changedWhileCached} cached answers changed by the chain, 0 stale`,
    )
    // The cache answered a good share of the checked reads, and the chain changed under cached answers:
    // staleness had every chance to show.
    expect(checkedHits).toBeGreaterThan(reads / 5)
    expect(changedWhileCached).toBeGreaterThan(0)
  }, 120_000)
})
