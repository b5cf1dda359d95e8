import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Devnet, type DevnetChain, startDevnet } from '../devnet.js'
import { DevnetConfigError } from '../errors.js'
import { numberToHex } from '../rpc/json-rpc.js'
import { waitFor } from '../testing/wait-for.js'
import { connectWs, type TestWsClient } from '../testing/ws-client.js'
import { PING_TOPIC } from '../traffic/log-emitter.js'
import type { LogEntry } from './chain-feed.js'

// One manually mined chain: every block is made by the test, so a reorg replaces exactly what it says.
let devnet: Devnet
let chain: DevnetChain
const clients: TestWsClient[] = []

beforeAll(async () => {
  devnet = await startDevnet({
    seed: 11,
    chains: [
      {
        name: 'ethereum',
        blockTimeMs: 'manual',
        providers: [
          { id: 'alpha', preset: 'neutral' },
          { id: 'lagging', preset: 'neutral', personality: { lagBlocks: 1 } },
        ],
      },
    ],
  })
  chain = devnet.chain('ethereum')
})

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()))
  await devnet?.stop()
})

interface Block {
  number: string
  hash: string
  parentHash: string
  transactions: string[]
}

const blockAt = (height: number) => chain.rpc<Block>('eth_getBlockByNumber', [numberToHex(height), false])

/** Mines `count` blocks, each with one traffic tick (a ping log and a transfer); returns the pings. */
async function busyBlocks(count: number): Promise<string[]> {
  const pings: string[] = []
  for (let block = 0; block < count; block++) {
    pings.push((await chain.traffic.tick()).pingTx)
    await chain.mine(1)
  }
  return pings
}

const pingLogs = (fromBlock: number) =>
  chain.rpc<LogEntry[]>('eth_getLogs', [
    { fromBlock: numberToHex(fromBlock), address: chain.emitterAddress, topics: [PING_TOPIC] },
  ])

describe('chain.reorg', () => {
  it('replaces the newest blocks at the same heights and re-includes their transactions', async () => {
    const pings = await busyBlocks(4)
    const head = await chain.blockNumber()
    const before = await Promise.all([head - 3, head - 2, head - 1, head].map(blockAt))
    const logsBefore = await pingLogs(head - 3)

    const result = await chain.reorg(3)

    expect(result.depth).toBe(3)
    expect(result.replaced).toEqual(
      before.slice(1).map((block) => ({ number: Number(block.number), hash: block.hash })),
    )
    const after = await Promise.all([head - 3, head - 2, head - 1, head].map(blockAt))
    expect(result.blocks).toEqual(
      after.slice(1).map((block) => ({ number: Number(block.number), hash: block.hash })),
    )
    expect(await chain.blockNumber()).toBe(head)
    // the block below is untouched, every replaced height has a new block, linked to the one below
    expect(after[0]).toEqual(before[0])
    for (let index = 1; index < 4; index++) {
      expect(after[index]?.hash).not.toBe(before[index]?.hash)
      expect(after[index]?.parentHash).toBe(after[index - 1]?.hash)
      expect(after[index]?.transactions).toEqual(before[index]?.transactions)
    }
    expect(result.reincluded).toEqual(before.slice(1).flatMap((block) => block.transactions))
    expect(result.reincluded).toEqual(expect.arrayContaining(pings.slice(1)))
    expect(result.dropped).toEqual([])

    // the same logs, now under the new blocks' hashes
    const logsAfter = await pingLogs(head - 3)
    expect(logsAfter.map((log) => [log.transactionHash, log.data])).toEqual(
      logsBefore.map((log) => [log.transactionHash, log.data]),
    )
    expect(logsAfter.slice(1).map((log) => log.blockHash)).toEqual(after.slice(1).map((block) => block.hash))
    // nothing lost: the chain carries on from the new head
    const [next] = await busyBlocks(1)
    expect(await chain.rpc('eth_getTransactionReceipt', [next])).toMatchObject({ status: '0x1' })
  })

  it('drops the replaced transactions when asked to', async () => {
    const pings = await busyBlocks(2)
    const head = await chain.blockNumber()
    const replaced = await blockAt(head)

    const result = await chain.reorg(1, { transactions: 'drop' })

    expect(result.replaced).toEqual([{ number: head, hash: replaced.hash }])
    expect(result.dropped).toEqual(replaced.transactions)
    expect(result.reincluded).toEqual([])
    expect((await blockAt(head)).transactions).toEqual([])
    expect(await chain.rpc('eth_getTransactionReceipt', [pings[1]])).toBeNull()
    expect((await pingLogs(head - 1)).map((log) => log.transactionHash)).toEqual([pings[0]])
    // senders' nonces went back with the dropped transactions: new traffic still goes through
    const [next] = await busyBlocks(1)
    expect(await chain.rpc('eth_getTransactionReceipt', [next])).toMatchObject({ status: '0x1' })
  })

  it('refuses a depth out of range, deeper than the chain, or dropping the log emitter', async () => {
    for (const depth of [0, -1, 1.5, 65]) {
      await expect(chain.reorg(depth), String(depth)).rejects.toThrowError(DevnetConfigError)
    }
    const head = await chain.blockNumber()
    await expect(chain.reorg(Math.min(head + 1, 64))).rejects.toThrowError(
      /deeper than the chain|from 1 to 64/,
    )
    await expect(chain.reorg(head, { transactions: 'drop' })).rejects.toThrowError(/log emitter/)
    await expect(chain.reorg(1, { transactions: 'some' as 'keep' })).rejects.toThrowError(DevnetConfigError)
  })

  it('providers publish the new branch and retract the logs they had published, as geth does', async () => {
    const subscribe = async (id: string) => {
      const client = await connectWs(devnet.provider(id).wsUrl)
      clients.push(client)
      const heads = await client.subscribe(['newHeads'])
      const logs = await client.subscribe(['logs', { address: chain.emitterAddress }])
      return {
        heads: () => (client.notifications.get(heads) ?? []).map((entry) => entry.result as Block),
        logs: () => (client.notifications.get(logs) ?? []).map((entry) => entry.result as LogEntry),
        all: () =>
          [...(client.notifications.get(heads) ?? []), ...(client.notifications.get(logs) ?? [])]
            .sort((a, b) => a.at - b.at)
            .map((entry) => entry.result as Block & LogEntry),
      }
    }
    const alpha = await subscribe('alpha')
    const lagging = await subscribe('lagging')
    await busyBlocks(2)
    const head = await chain.blockNumber()
    await waitFor(
      () => alpha.logs().length === 2 && lagging.logs().some((log) => Number(log.blockNumber) === head - 1),
      { what: 'the pings' },
    )
    const [older, newest] = alpha.logs()

    const { replaced, blocks } = await chain.reorg(1)

    // alpha had published block `head`: its log comes back removed, then the new head and the log again
    await waitFor(() => alpha.logs().length === 4 && alpha.heads().length === 3, { what: 'alpha’s reorg' })
    expect(alpha.logs()[2]).toEqual({ ...newest, removed: true })
    expect(alpha.logs()[3]).toMatchObject({
      transactionHash: newest?.transactionHash,
      blockHash: blocks[0]?.hash,
      removed: false,
    })
    expect(alpha.heads().map((block) => [Number(block.number), block.hash])).toEqual([
      [head - 1, expect.any(String)],
      [head, replaced[0]?.hash],
      [head, blocks[0]?.hash],
    ])
    const events = alpha
      .all()
      .map((event) => (event.topics ? `log${event.removed ? ' removed' : ''}` : 'head'))
    expect(events.slice(-3)).toEqual(['log removed', 'head', 'log'])

    // the lagging provider never published the replaced block: nothing to retract, and it never will
    await chain.mine(1)
    await waitFor(() => lagging.heads().some((block) => block.hash === blocks[0]?.hash), {
      what: 'the lagging provider to reach the new branch',
    })
    expect(lagging.heads().map((block) => block.hash)).not.toContain(replaced[0]?.hash)
    expect(lagging.logs().filter((log) => log.removed)).toEqual([])
    expect(lagging.logs().map((log) => log.blockHash)).not.toContain(newest?.blockHash)
    expect(lagging.logs().at(-1)).toMatchObject({ blockHash: blocks[0]?.hash, removed: false })
    expect(lagging.logs().at(-2)).toEqual(older)
  })
})

describe('control API: POST /chains/:name/reorg', () => {
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${devnet.controlUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    return { status: response.status, body: (await response.json()) as Record<string, unknown> }
  }

  it('reorganises the chain and answers what it replaced', async () => {
    await busyBlocks(2)
    const head = await chain.blockNumber()
    const old = await Promise.all([head - 1, head].map(blockAt))
    const { status, body } = await post('/chains/ethereum/reorg', { depth: 2 })
    expect(status).toBe(200)
    expect(body).toMatchObject({
      depth: 2,
      replaced: old.map((block) => ({ number: Number(block.number), hash: block.hash })),
      dropped: [],
    })
    const now = await Promise.all([head - 1, head].map(blockAt))
    expect(body.blocks).toEqual(now.map((block) => ({ number: Number(block.number), hash: block.hash })))
    expect(now.map((block) => block.hash)).not.toContain(old[0]?.hash)
  })

  it('answers 400 naming the bad field and 404 for an unknown chain', async () => {
    expect(await post('/chains/ethereum/reorg', { depth: 0 })).toMatchObject({
      status: 400,
      body: { error: { path: ['depth'] } },
    })
    expect(await post('/chains/ethereum/reorg', {})).toMatchObject({
      status: 400,
      body: { error: { path: ['depth'] } },
    })
    expect(await post('/chains/ethereum/reorg', { depth: 1, transactions: 'all' })).toMatchObject({
      status: 400,
      body: { error: { path: ['transactions'] } },
    })
    expect(await post('/chains/ethereum/reorg', { depth: 1, blocks: 2 })).toMatchObject({
      status: 400,
      body: { error: { path: ['blocks'] } },
    })
    expect((await post('/chains/solana/reorg', { depth: 1 })).status).toBe(404)
  })
})
