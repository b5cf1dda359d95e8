import { type Devnet, PING_TOPIC, startDevnet } from '@chainpulse/devnet'
import { waitFor } from '@chainpulse/devnet/testing'
import { createPublicClient, http, type Log, parseAbiItem } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningChainPulse, startChainPulse } from '../start-chainpulse.js'

// Filters through the proxy over separate simulated providers, as viem's HTTP watchers use them
// (eth_newFilter, then eth_getFilterChanges every pollingInterval): every log exactly once while a
// provider dies and the chain reorganises, removed logs flagged; every block once through a raw block
// filter. Checked against the node's own canonical history, not against ChainPulse's.

const PING = parseAbiItem('event Ping(address indexed sender, uint256 value)')

let devnet: Devnet
let server: RunningChainPulse

beforeAll(async () => {
  devnet = await startDevnet({
    chains: [
      {
        name: 'ethereum',
        blockTimeMs: 400,
        traffic: { intervalMs: 150 },
        providers: Array(3).fill({ preset: 'neutral' }),
      },
    ],
  })
  server = await startChainPulse({
    pool: {
      chains: [{ name: 'ethereum', chainId: 1, blockTimeMs: 400 }],
      providers: devnet.manifest.providers.map(({ id, chain, httpUrl, wsUrl }) => ({
        id,
        chain,
        httpUrl,
        wsUrl,
      })),
      requestTimeoutMs: 2_000,
      healthCheck: { intervalMs: 1_000 },
    },
    server: { logLevel: 'silent', rateLimit: false },
    logger: false,
    listen: { port: 0, host: '127.0.0.1' },
  })
}, 60_000)

afterAll(async () => {
  await server?.close()
  await devnet?.stop()
})

/** A log's identity in the chain: its block and position (viem's logs carry numbers, the node's hex). */
const key = (log: { blockHash: string | null; logIndex: number | string | null }) =>
  `${log.blockHash?.toLowerCase()}:${Number(log.logIndex)}`

/** The node's canonical Ping logs from `fromBlock` to its head now. */
async function canonicalPings(fromBlock: number): Promise<{ logs: Log[]; head: number }> {
  const chain = devnet.chain('ethereum')
  const head = await chain.blockNumber()
  const logs = await chain.rpc<Log[]>('eth_getLogs', [
    {
      address: chain.emitterAddress,
      topics: [PING_TOPIC],
      fromBlock: `0x${fromBlock.toString(16)}`,
      toBlock: `0x${head.toString(16)}`,
    },
  ])
  return { logs, head }
}

describe.each([
  ['watchContractEvent', '/rpc/round-robin/ethereum'],
  ['watchContractEvent', '/rpc/ethereum'],
  ['watchEvent', '/rpc/round-robin/ethereum'],
  ['watchEvent', '/rpc/ethereum'],
] as const)('viem %s over HTTP through %s', (watcher, path) => {
  it('delivers every canonical log exactly once through a provider kill and a reorg of depth 3, removed ones flagged', async () => {
    const chain = devnet.chain('ethereum')
    const client = createPublicClient({
      transport: http(`${server.url}${path}`, { retryCount: 0 }),
      pollingInterval: 200,
    })
    const delivered: Log[] = []
    const errors: unknown[] = []
    const startBlock = await chain.blockNumber()
    const address = chain.emitterAddress as `0x${string}`
    const onError = (error: unknown) => errors.push(error)
    // Both make a filter with eth_newFilter and poll it with eth_getFilterChanges.
    const unwatch =
      watcher === 'watchEvent'
        ? client.watchEvent({
            address,
            event: PING,
            onLogs: (logs) => delivered.push(...(logs as Log[])),
            onError,
          })
        : client.watchContractEvent({
            address,
            abi: [PING],
            eventName: 'Ping',
            onLogs: (logs) => delivered.push(...(logs as Log[])),
            onError,
          })
    const victim = devnet.manifest.providers[1]!.id
    try {
      await waitFor(() => delivered.length >= 5, { timeoutMs: 15_000, what: 'five logs before the kill' })
      await devnet.provider(victim).kill()
      const atKill = delivered.length
      await waitFor(() => delivered.length >= atKill + 5, {
        timeoutMs: 15_000,
        what: 'five logs after the kill',
      })
      // A reorg of depth 3: the replaced blocks' transactions are dropped, so their logs go away.
      const beforeReorg = delivered.length
      await chain.reorg(3, { transactions: 'drop' })
      await waitFor(() => delivered.some((log) => log.removed), { timeoutMs: 15_000, what: 'removed logs' })
      await waitFor(() => delivered.length >= beforeReorg + 8, {
        timeoutMs: 15_000,
        what: 'logs after the reorg',
      })
    } finally {
      await chain.traffic.stop()
      // The last blocks' logs arrive with the next polls.
      await new Promise((resolve) => setTimeout(resolve, 1_500))
      unwatch()
      chain.traffic.start()
      await devnet.provider(victim).revive()
    }
    expect(errors).toEqual([])
    const { logs: canonical } = await canonicalPings(startBlock + 1)
    const added = delivered.filter((log) => !log.removed)
    const removed = delivered.filter((log) => log.removed)
    // Exactly once: no log delivered twice as added, nor removed twice.
    expect(new Set(added.map(key)).size).toBe(added.length)
    expect(new Set(removed.map(key)).size).toBe(removed.length)
    // Every removed log had been delivered first, and is not canonical now.
    const canonicalKeys = new Set(canonical.map(key))
    for (const log of removed) {
      expect(added.map(key)).toContain(key(log))
      expect(canonicalKeys.has(key(log))).toBe(false)
    }
    expect(removed.length).toBeGreaterThan(0)
    // What is left once removals are applied is exactly the node's canonical history since the watch began
    // (from the first block it delivered).
    const firstBlock = Math.min(...added.map((log) => Number(log.blockNumber)))
    const live = new Set(added.map(key).filter((id) => !removed.some((log) => key(log) === id)))
    const expected = new Set(canonical.filter((log) => Number(log.blockNumber) >= firstBlock).map(key))
    expect([...live].sort()).toEqual([...expected].sort())
  }, 90_000)
})

describe('a raw block filter through the proxy', () => {
  it('gives every block once, in order, with a provider killed meanwhile', async () => {
    const chain = devnet.chain('ethereum')
    const rpc = async (method: string, params: unknown[] = []) => {
      const response = await fetch(`${server.url}/rpc/round-robin/ethereum`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      })
      return (await response.json()) as { result?: unknown; error?: unknown }
    }
    const created = await rpc('eth_newBlockFilter')
    const id = created.result as string
    const start = await chain.blockNumber()
    const hashes: string[] = []
    const victim = devnet.manifest.providers[2]!.id
    const poll = async () => {
      const changes = await rpc('eth_getFilterChanges', [id])
      expect(changes.error).toBeUndefined()
      hashes.push(...(changes.result as string[]))
    }
    const blocksPolled = (count: number) => async () => {
      await poll()
      return hashes.length >= count
    }
    try {
      await waitFor(blocksPolled(3), { timeoutMs: 10_000, what: 'three blocks' })
      await devnet.provider(victim).kill()
      await waitFor(blocksPolled(8), { timeoutMs: 15_000, what: 'eight blocks' })
    } finally {
      await devnet.provider(victim).revive()
    }
    const end = await chain.blockNumber()
    await poll()
    // The node's own hashes for the blocks after the filter was made: each exactly once, in order.
    const canonical: string[] = []
    for (let number = start + 1; number <= end; number++)
      canonical.push(
        (await chain.rpc<{ hash: string }>('eth_getBlockByNumber', [`0x${number.toString(16)}`, false])).hash,
      )
    expect(new Set(hashes).size).toBe(hashes.length)
    const offset = hashes.indexOf(canonical[0]!)
    expect(offset).toBeGreaterThanOrEqual(0)
    expect(hashes.slice(offset, offset + canonical.length)).toEqual(canonical)
    expect((await rpc('eth_uninstallFilter', [id])).result).toBe(true)
    expect(await rpc('eth_getFilterChanges', [id])).toMatchObject({
      error: { code: -32000, message: 'filter not found' },
    })
  }, 60_000)
})
