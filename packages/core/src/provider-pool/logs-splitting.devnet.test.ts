import { type Devnet, startDevnet } from '@chainpulse/devnet'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { RoutingDecisionEvent } from '../pubsub/topics.js'
import type { Log } from '../subscriptions/log-filter.js'
import { createProviderPool } from './provider-pool.js'
import { createLogsSplitting } from './request/logs-splitting.js'
import type { ProviderPool } from './types.js'

// Issue 16: eth_getLogs over 50,000 blocks of a real anvil chain, through devnet providers that limit what
// they serve (one to 1,000-block ranges, one to 2,000 results), answers exactly what the node itself
// answers when asked directly: every log, in order, once. The chain is mined by hand and stands still
// during the tests, so the node's answer is fixed.
//
// anvil's defaults make a long chain slow to build: every block mined costs more than the last. Two
// causes, both switched off for this chain: from Prague on, each block writes its parent's hash into the
// EIP-2935 history contract and anvil recomputes the state root over that growing storage
// (`hardfork: 'cancun'`), and anvil keeps a copy of the whole state, every block hash included, for each
// block (`pruneHistory: true`). Measured with anvil 1.7.1 on a shared 2-core machine, 10,000 blocks in
// `anvil_mine` calls of 1,000: 97 s with the defaults, 50 s with pruned history alone, 13 s with Cancun
// alone, 0.7 s with both; 50,000 blocks with both: 2.9 s, in one call or in fifty. Silencing anvil's
// per-block stdout and giving the providers no latency of their own save a few seconds more: the whole
// file takes 13 to 19 s (wall, `pnpm exec vitest run` of it on that machine), most of it building the chain.

const ACCOUNT = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266'
const BLOCKS = 50_000
const MAX_RANGE = 1_000
const MAX_RESULTS = 2_000
/** The chain is mined in stretches of this many blocks, each opened by a block of logs. */
const STRETCH = 500
/** Logs (one transaction each) in the first block of most stretches. */
const SPARSE_LOGS = 10
/** The stretch whose first two blocks hold more logs than the result-limited provider serves together, fewer each. */
const DENSE_PAIR_STRETCH = 30
const DENSE_PAIR_LOGS = 1_100
/** The stretch whose first block holds more logs than it serves. */
const DENSE_BLOCK_STRETCH = 70
const DENSE_BLOCK_LOGS = 2_100
/** Room for the dense block: each log's transaction costs about 22,600 gas; anvil's default limit is 30M. */
const BLOCK_GAS_LIMIT = 100_000_000
const RANGE_LIMITED = 'ethereum-alpha'
const RESULT_LIMITED = 'ethereum-bravo'

let devnet: Devnet
let nodeUrl: string
let emitter: string
let head: number
let unlimited: Log[]
let value = 0

async function rpc<T>(body: unknown): Promise<T> {
  const response = await fetch(nodeUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return (await response.json()) as T
}

/** Sends `count` transactions to the log emitter (one log each), pending until the next block. */
async function sendLogs(count: number): Promise<void> {
  // Nonces of our own: anvil handles a batch's items concurrently.
  const nonce = await rpc<{ result: string }>({
    jsonrpc: '2.0',
    id: 1,
    method: 'eth_getTransactionCount',
    params: [ACCOUNT, 'pending'],
  })
  const first = Number.parseInt(nonce.result, 16)
  const sent = await rpc<{ error?: unknown }[]>(
    Array.from({ length: count }, (_, i) => ({
      jsonrpc: '2.0',
      id: i,
      method: 'eth_sendTransaction',
      params: [
        {
          from: ACCOUNT,
          to: emitter,
          nonce: `0x${(first + i).toString(16)}`,
          data: `0x${(value++).toString(16).padStart(64, '0')}`,
        },
      ],
    })),
  )
  expect(sent.filter((answer) => answer.error !== undefined)).toEqual([])
}

beforeAll(async () => {
  devnet = await startDevnet({
    seed: 16,
    chains: [
      {
        name: 'ethereum',
        blockTimeMs: 'manual',
        // No latency or faults of their own: the limits are what this test is about.
        providers: [{ preset: 'neutral' }, { preset: 'neutral' }],
        traffic: false,
        hardfork: 'cancun',
        pruneHistory: true,
      },
    ],
  })
  const chain = devnet.chain('ethereum')
  nodeUrl = chain.nodeUrl
  emitter = chain.emitterAddress
  // anvil writes some lines to stdout for every block it mines: a third of the mining time, unread.
  await chain.rpc('anvil_setLoggingEnabled', [false])
  await chain.rpc('anvil_setBlockGasLimit', [`0x${BLOCK_GAS_LIMIT.toString(16)}`])
  // A hundred stretches: a block of logs, then empty blocks; two stretches open with denser blocks.
  for (let stretch = 0; stretch < BLOCKS / STRETCH; stretch++) {
    if (stretch === DENSE_PAIR_STRETCH) {
      await sendLogs(DENSE_PAIR_LOGS)
      await chain.mine(1)
      await sendLogs(DENSE_PAIR_LOGS)
      await chain.mine(STRETCH - 1)
      continue
    }
    await sendLogs(stretch === DENSE_BLOCK_STRETCH ? DENSE_BLOCK_LOGS : SPARSE_LOGS)
    await chain.mine(STRETCH)
  }
  head = await chain.blockNumber()
  const direct = await rpc<{ result: Log[] }>({
    jsonrpc: '2.0',
    id: 1,
    method: 'eth_getLogs',
    params: [{ fromBlock: '0x0', toBlock: `0x${head.toString(16)}` }],
  })
  unlimited = direct.result
  await devnet.provider(RANGE_LIMITED).set({ maxLogsBlockRange: MAX_RANGE })
  await devnet.provider(RESULT_LIMITED).set({ maxLogsResults: MAX_RESULTS })
}, 60_000)

afterAll(async () => {
  await devnet?.stop()
})

const pools: ProviderPool[] = []
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()))
})

function makePool(providerIds: string[]) {
  const pool = createProviderPool({
    chains: [{ name: 'ethereum', chainId: 1 }],
    // HTTP only: the probes keep the head.
    providers: providerIds.map((id, priority) => ({
      id,
      chain: 'ethereum',
      httpUrl: devnet.manifest.providers.find((provider) => provider.id === id)!.httpUrl,
      priority,
    })),
    strategy: 'priority',
    racing: false,
    // Which provider answered each chunk is what this test reads: a hedged copy could answer first.
    hedge: false,
    logsSplitting: createLogsSplitting(),
  })
  pools.push(pool)
  const decisions: RoutingDecisionEvent[] = []
  pool.pubsub.subscribe('routing:decisions', (decision) => decisions.push(decision))
  return { pool, decisions }
}

const keyOf = (log: Log) => `${log.blockHash}:${log.logIndex}`

describe('eth_getLogs over 50,000 blocks of anvil through limited devnet providers', () => {
  it('has a chain worth the test: 50,000 blocks, logs in every 1,000 of them, denser blocks than 2,000 logs allow', () => {
    expect(head).toBeGreaterThanOrEqual(BLOCKS)
    const stretches = BLOCKS / STRETCH
    expect(unlimited).toHaveLength((stretches - 2) * SPARSE_LOGS + DENSE_BLOCK_LOGS + 2 * DENSE_PAIR_LOGS)
    const perBlock = logsPerBlock()
    const chunksWithLogs = new Set([...perBlock.keys()].map((block) => Math.floor(block / MAX_RANGE)))
    expect(chunksWithLogs.size).toBe(BLOCKS / MAX_RANGE)
    // One block the result-limited provider refuses alone; two neighbours it serves only apart.
    const counts = [...perBlock.values()].sort((a, b) => b - a)
    expect(counts.slice(0, 3)).toEqual([DENSE_BLOCK_LOGS, DENSE_PAIR_LOGS, DENSE_PAIR_LOGS])
    expect(DENSE_BLOCK_LOGS).toBeGreaterThan(MAX_RESULTS)
    expect(DENSE_PAIR_LOGS).toBeLessThanOrEqual(MAX_RESULTS)
    expect(2 * DENSE_PAIR_LOGS).toBeGreaterThan(MAX_RESULTS)
  })

  it('answers as the unlimited node does, in order, without duplicates, through a 1,000-block and a 2,000-result provider', async () => {
    // The result-limited provider first: it is asked everything first, and refuses the dense chunks.
    const { pool, decisions } = makePool([RESULT_LIMITED, RANGE_LIMITED])

    const answer = await pool.request<Log[]>({
      chain: 'ethereum',
      method: 'eth_getLogs',
      params: [{ fromBlock: '0x0', toBlock: 'latest' }],
    })

    expect(answer.result).toEqual(unlimited)
    expect(new Set(answer.result.map(keyOf)).size).toBe(answer.result.length)
    // The whole range was refused by both; 1,000-block chunks followed (the stated limit, learned).
    expect(answer.chunks).toBe(Math.ceil((head + 1) / MAX_RANGE))
    const served = decisions.filter(
      (decision) => decision.method === 'eth_getLogs' && decision.result === 'ok',
    )
    expect(served).toHaveLength(answer.chunks!)
    // The two dense chunks: refused by the result-limited provider, served by the range-limited one.
    const failovers = served.filter((decision) => decision.attempts === 2)
    expect(failovers).toHaveLength(2)
    expect(failovers.every((decision) => decision.providerId === RANGE_LIMITED)).toBe(true)

    // Learned: asked again, the whole range goes only to the result-limited provider (its limit is
    // unknown: a sparse range it serves whole), never to the range-limited one; then the chunks.
    decisions.length = 0
    const again = await pool.request<Log[]>(
      { chain: 'ethereum', method: 'eth_getLogs', params: [{ fromBlock: '0x0', toBlock: 'latest' }] },
      { coalesce: false },
    )
    expect(again.result).toEqual(unlimited)
    const refused = decisions.filter((decision) => decision.result === 'error')
    expect(refused).toEqual([expect.objectContaining({ providerId: RESULT_LIMITED, attempts: 1 })])
  }, 60_000)

  it('answers as the unlimited node does through the result-limited provider alone, by halving', async () => {
    const { pool } = makePool([RESULT_LIMITED])
    const dense = denseBlock()
    const getLogs = (from: number, to: number) =>
      pool.request<Log[]>({
        chain: 'ethereum',
        method: 'eth_getLogs',
        params: [{ fromBlock: `0x${from.toString(16)}`, toBlock: `0x${to.toString(16)}` }],
      })

    const before = await getLogs(0, dense - 1)
    const after = await getLogs(dense + 1, head)

    expect([...before.result, ...after.result]).toEqual(
      unlimited.filter((log) => Number.parseInt(log.blockNumber, 16) !== dense),
    )
    // Halved down past the two dense neighbours, which it serves one at a time; after the dense block,
    // too few logs for its limit: served whole.
    expect(before.chunks).toBeGreaterThan(2)
    expect(after.chunks).toBeUndefined()
    // One block with more logs than it serves: its refusal is the answer.
    await expect(getLogs(dense - 10, dense + 10)).rejects.toMatchObject({
      rpcError: { code: -32005, message: `query returned more than ${MAX_RESULTS} results` },
    })
  }, 60_000)
})

/** How many logs each block with logs holds, by block number. */
function logsPerBlock(): Map<number, number> {
  const perBlock = new Map<number, number>()
  for (const log of unlimited) {
    const block = Number.parseInt(log.blockNumber, 16)
    perBlock.set(block, (perBlock.get(block) ?? 0) + 1)
  }
  return perBlock
}

/** The block holding more logs than the result-limited provider serves. */
function denseBlock(): number {
  const [dense] = [...logsPerBlock()].filter(([, count]) => count > MAX_RESULTS)
  expect(dense).toBeDefined()
  return dense![0]
}
