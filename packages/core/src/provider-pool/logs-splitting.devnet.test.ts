import { type Devnet, startDevnet } from '@chainpulse/devnet'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { RoutingDecisionEvent } from '../pubsub/topics.js'
import type { Log } from '../subscriptions/log-filter.js'
import { createProviderPool } from './provider-pool.js'
import type { ProviderPool } from './types.js'

// Issue 16: eth_getLogs over a long range of a real anvil chain, through devnet providers that limit what
// they serve (one the block range, one the number of results), answers exactly what the node itself
// answers when asked directly: every log, in order, once. The chain is mined by hand and stands still
// during the tests, so the node's answer is fixed.
//
// The figures (50,000 blocks, 1,000-block and 2,000-result limits) are scaled by 1/20 here:
// anvil 1.7.1's `anvil_mine` costs time in proportion to the chain's length for every block it adds
// (measured: 1,000 blocks take 0.8 s on an empty chain and 13 s past 9,000), so 50,000 real blocks take
// many minutes. 2,500 blocks, 50-block and 100-result limits give the same 50 chunks and the same
// refusals; the 50,000-block case itself runs over mock providers in logs-splitting.pool.test.ts.

const ACCOUNT = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266'
const BLOCKS = 2_500
const MAX_RANGE = 50
const MAX_RESULTS = 100
/** Transactions (one log each) sent before each of ten stretches of empty blocks; the fifth is dense. */
const SPARSE_TXS = 30
const DENSE_TXS = 250
const RANGE_LIMITED = 'ethereum-alpha'
const RESULT_LIMITED = 'ethereum-bravo'

let devnet: Devnet
let nodeUrl: string
let head: number
let unlimited: Log[]

async function rpc<T>(body: unknown): Promise<T> {
  const response = await fetch(nodeUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return (await response.json()) as T
}

beforeAll(async () => {
  devnet = await startDevnet({
    seed: 16,
    chains: [{ name: 'ethereum', blockTimeMs: 'manual', providers: 2, traffic: false }],
  })
  const chain = devnet.manifest.chains[0]!
  nodeUrl = chain.nodeUrl
  // Ten rounds: a batch of transactions to the log emitter (mined into the first blocks of the round),
  // then empty blocks; the dense round puts more logs in two blocks than the result-limited provider serves.
  let value = 0
  for (let round = 0; round < 10; round++) {
    const count = round === 4 ? DENSE_TXS : SPARSE_TXS
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
            to: chain.emitterAddress,
            nonce: `0x${(first + i).toString(16)}`,
            data: `0x${(value++).toString(16).padStart(64, '0')}`,
          },
        ],
      })),
    )
    expect(sent.filter((answer) => answer.error !== undefined)).toEqual([])
    await devnet.chain('ethereum').mine(BLOCKS / 10)
  }
  head = Number.parseInt(
    (await rpc<{ result: string }>({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber' })).result,
    16,
  )
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
  })
  pools.push(pool)
  const decisions: RoutingDecisionEvent[] = []
  pool.pubsub.subscribe('routing:decisions', (decision) => decisions.push(decision))
  return { pool, decisions }
}

const keyOf = (log: Log) => `${log.blockHash}:${log.logIndex}`

describe('eth_getLogs over 2,500 blocks of anvil through limited devnet providers', () => {
  it('has a chain worth the test: 2,500 blocks, logs spread over it, a block denser than 100 logs allow', () => {
    expect(head).toBeGreaterThanOrEqual(BLOCKS)
    expect(unlimited).toHaveLength(9 * SPARSE_TXS + DENSE_TXS)
    const blocks = new Set(unlimited.map((log) => log.blockNumber))
    expect(Math.max(...[...blocks].map((block) => Number.parseInt(block, 16)))).toBeGreaterThan(BLOCKS * 0.9)
  })

  it('answers as the unlimited node does, in order, without duplicates, through a 50-block and a 100-result provider', async () => {
    // The result-limited provider first: it is asked everything first, and refuses the dense chunk.
    const { pool, decisions } = makePool([RESULT_LIMITED, RANGE_LIMITED])

    const answer = await pool.request<Log[]>({
      chain: 'ethereum',
      method: 'eth_getLogs',
      params: [{ fromBlock: '0x0', toBlock: 'latest' }],
    })

    expect(answer.result).toEqual(unlimited)
    expect(new Set(answer.result.map(keyOf)).size).toBe(answer.result.length)
    // The whole range was refused by both; 50-block chunks followed (the stated limit, learned).
    expect(answer.chunks).toBe(Math.ceil((head + 1) / MAX_RANGE))
    // The dense chunk: refused by the result-limited provider, served by the range-limited one.
    const failovers = decisions.filter((decision) => decision.result === 'ok' && decision.attempts === 2)
    expect(failovers.length).toBeGreaterThan(0)
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
    expect(before.chunks).toBeGreaterThan(1)
    expect(after.chunks).toBeGreaterThan(1)
    // One block with more logs than it serves: its refusal is the answer.
    await expect(getLogs(dense - 10, dense + 10)).rejects.toMatchObject({
      rpcError: { code: -32005, message: `query returned more than ${MAX_RESULTS} results` },
    })
  }, 60_000)
})

/** The block holding more logs than the result-limited provider serves. */
function denseBlock(): number {
  const perBlock = new Map<string, number>()
  for (const log of unlimited) perBlock.set(log.blockNumber, (perBlock.get(log.blockNumber) ?? 0) + 1)
  const [dense] = [...perBlock].filter(([, count]) => count > MAX_RESULTS)
  expect(dense).toBeDefined()
  return Number.parseInt(dense![0], 16)
}
