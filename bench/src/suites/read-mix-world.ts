/**
 * The read-mix world: a devnet whose providers answer in 20–80 ms, an app's popular contracts on it, and
 * the seeded mix of questions its users ask (issue 16's realistic load). read-mix measures the proxy on
 * it against baselines; cluster-throughput measures cluster mode on it.
 */
import type { ManifestProvider } from '@chainpulse/devnet'
import type { DevnetProcess } from '@chainpulse/devnet/testing'
import { nodeCall, spawnDevnetWith } from '@chainpulse/devnet/testing'
import {
  createUndiciFetch,
  type RunningChainPulse,
  startChainPulse,
  type UndiciFetch,
} from '@chainpulse/server'
import { random } from '../workload.js'
import { rpcBody } from './pool-bench-kit.js'

export const CHAIN = 'ethereum'
export const BLOCK_TIME_MS = 1_000
/** Providers' added latency (median, standard deviation), ms: the issue's 20–80 ms. */
export const LATENCIES = [
  { latencyMs: 20, jitterMs: 5 },
  { latencyMs: 35, jitterMs: 8 },
  { latencyMs: 50, jitterMs: 12 },
  { latencyMs: 80, jitterMs: 20 },
] as const
/** Popular contracts and the accounts the mix asks about. */
export const CONTRACTS = 4
export const HOLDERS = 12

/**
 * A contract answering `balanceOf(address)`-shaped calls with the ether balance of the address in the
 * calldata: `PUSH1 4 CALLDATALOAD BALANCE PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN` (12 bytes), behind an
 * init code that copies it out. Its answers change as the devnet's traffic moves ether, as a token's do.
 */
const BALANCE_READER_CREATION_CODE = '0x600c80600b6000396000f36004353160005260206000f3'
const BALANCE_OF = '0x70a08231'

const hex = (value: number) => `0x${value.toString(16)}`
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** What the clients know of the chain: its head and the transactions of its last blocks, newest first. */
interface ChainView {
  head: number
  recentTransactions: string[]
}

/**
 * Follows the node itself (not a provider: nothing it asks is counted) every 200 ms, so the clients ask
 * about the blocks and transactions a user of the app would just have seen.
 */
function followNode(nodeUrl: string, view: ChainView): () => Promise<void> {
  let running = true
  const loop = (async () => {
    while (running) {
      try {
        const head = Number.parseInt(await nodeCall<string>(nodeUrl, 'eth_blockNumber'), 16)
        if (head > view.head) {
          const block = await nodeCall<{ transactions: string[] }>(nodeUrl, 'eth_getBlockByNumber', [
            hex(head),
            false,
          ])
          view.recentTransactions = [...block.transactions, ...view.recentTransactions].slice(0, 40)
          view.head = head
        }
      } catch {
        // The next poll tries again.
      }
      await sleep(200)
    }
  })()
  return async () => {
    running = false
    await loop
  }
}

/** The mix's ingredients, found once the devnet is up. */
interface MixSetup {
  contracts: string[]
  holders: string[]
  emitter: string
}

/**
 * The seeded read mix: each call draws a question, popular contracts, accounts and recent blocks first
 * (`skewed`: index ⌊n·u³⌋, so the first of 4 gets 63 % of the draws and the first of 12 gets 44 %), as
 * many users of one app ask the same few things. Weights in %, in `MIX` order.
 */
function readMix(setup: MixSetup, view: ChainView, seed: number): () => string {
  const next = random(seed)
  const skewed = (n: number) => Math.min(n - 1, Math.floor(n * next() ** 3))
  let id = 0
  const questions: [weight: number, ask: () => [string, unknown[]]][] = [
    [
      25,
      () => {
        const holder = setup.holders[skewed(setup.holders.length)]!
        const data = `${BALANCE_OF}${holder.slice(2).padStart(64, '0')}`
        return ['eth_call', [{ to: setup.contracts[skewed(setup.contracts.length)], data }, 'latest']]
      },
    ],
    [15, () => ['eth_blockNumber', []]],
    [8, () => ['eth_getBlockByNumber', ['latest', false]]],
    [8, () => ['eth_getBlockByNumber', [hex(view.head - skewed(8)), false]]],
    [
      8,
      () => {
        const transactions = view.recentTransactions
        return ['eth_getTransactionReceipt', [transactions[skewed(transactions.length)]]]
      },
    ],
    [12, () => ['eth_getBalance', [setup.holders[skewed(setup.holders.length)], 'latest']]],
    [
      8,
      () => {
        const to = view.head - skewed(4)
        return ['eth_getLogs', [{ address: setup.emitter, fromBlock: hex(to - 9), toBlock: hex(to) }]]
      },
    ],
    [8, () => ['eth_chainId', []]],
    [8, () => ['eth_getCode', [setup.contracts[skewed(setup.contracts.length)], 'latest']]],
  ]
  const total = questions.reduce((sum, [weight]) => sum + weight, 0)
  return () => {
    let draw = next() * total
    let index = 0
    while (index < questions.length - 1 && draw >= questions[index]![0]) draw -= questions[index++]![0]
    const [method, params] = questions[index]![1]()
    return rpcBody(++id, method, params)
  }
}

/** Deploys the popular contracts from the node's first dev account and waits until they are mined. */
async function deployContracts(nodeUrl: string, from: string): Promise<string[]> {
  // One after the other: sent at once, they would be given the same nonce.
  const hashes: string[] = []
  for (let index = 0; index < CONTRACTS; index++)
    hashes.push(
      await nodeCall<string>(nodeUrl, 'eth_sendTransaction', [{ from, data: BALANCE_READER_CREATION_CODE }]),
    )
  const deadline = performance.now() + 20 * BLOCK_TIME_MS
  const addresses: string[] = []
  for (const hash of hashes) {
    for (;;) {
      const receipt = await nodeCall<{ contractAddress: string; status: string } | null>(
        nodeUrl,
        'eth_getTransactionReceipt',
        [hash],
      )
      if (receipt) {
        if (receipt.status !== '0x1') throw new Error('balance reader deployment reverted')
        addresses.push(receipt.contractAddress)
        break
      }
      if (performance.now() > deadline) throw new Error('balance readers not mined in time')
      await sleep(100)
    }
  }
  return addresses
}

/** The pool's upstream fetch, counting every JSON-RPC call it sends (a batch counts each call). */
export function countingFetch(): UndiciFetch & { calls: number } {
  const inner = createUndiciFetch()
  const counted = Object.assign(
    (url: string, init: Parameters<UndiciFetch>[1]) => {
      const body = init.body
      counted.calls +=
        typeof body === 'string' && body.trimStart().startsWith('[')
          ? (JSON.parse(body) as unknown[]).length
          : 1
      return inner(url, init)
    },
    {
      enforcesTimeout: true as const,
      acceptsLightSignals: true as const,
      close: () => inner.close(),
      calls: 0,
    },
  )
  return counted
}

/** How {@link startProxy} sets the proxy up beyond `chainpulse serve`'s defaults. */
export interface ProxySetup {
  /** Coalescing and the response cache (both on in `chainpulse serve`). @default true */
  features?: boolean
  /** Cluster mode over this Redis. */
  redisUrl?: string
  /**
   * The per-client rate limit. @default false — on, its default would cap the one client IP at
   * 100 req/s.
   */
  rateLimit?: false | { max: number; timeWindowMs: number }
}

/** ChainPulse as `chainpulse serve` runs it over the world's providers, its upstream calls through `upstreamFetch`. */
export async function startProxy(
  providers: readonly ManifestProvider[],
  upstreamFetch: UndiciFetch,
  { features = true, redisUrl, rateLimit = false }: ProxySetup = {},
): Promise<RunningChainPulse> {
  return startChainPulse({
    pool: {
      chains: [{ name: CHAIN, chainId: 1, blockTimeMs: BLOCK_TIME_MS }],
      providers: providers.map(({ id, httpUrl, wsUrl }) => ({ id, chain: CHAIN, httpUrl, wsUrl })),
      fetch: upstreamFetch,
      ...(features ? {} : { coalescing: false }),
    },
    server: {
      logLevel: 'silent',
      rateLimit,
      ...(features ? {} : { cache: false }),
      ...(redisUrl ? { cluster: { redisUrl, instanceId: 'read-mix' } } : {}),
    },
    logger: false,
    listen: { port: 0, host: '127.0.0.1' },
  })
}

/** The answer's `x-chainpulse-cache` (`-` without one), or `error` for a JSON-RPC error. */
export function cacheLabel(body: string, headers: Record<string, string>): string {
  if (body.includes('"error":')) return 'error'
  return headers['x-chainpulse-cache'] ?? '-'
}

/** A running read-mix world: its devnet, providers, the app's contracts and the clients' view. */
export interface ReadMixWorld {
  devnet: DevnetProcess
  providers: readonly ManifestProvider[]
  /** The seeded mix of questions (the same `seed`, the same questions). */
  mix(seed: number): () => string
  /** Stops following the node, then the devnet. */
  stop(): Promise<void>
}

/**
 * Spawns the devnet (in its own process, so its CPU and event loop are not the benchmark's), deploys the
 * popular contracts and waits for ten blocks of history, so recent blocks, receipts and log ranges have data.
 */
export async function startReadMixWorld(): Promise<ReadMixWorld> {
  const devnet = await spawnDevnetWith({
    seed: 16,
    chains: [
      {
        name: CHAIN,
        blockTimeMs: BLOCK_TIME_MS,
        traffic: { intervalMs: 250 },
        providers: LATENCIES.map(({ latencyMs, jitterMs }) => ({
          preset: 'neutral' as const,
          personality: { latencyMs, jitterMs, wsDelayMs: latencyMs / 2, wsJitterMs: jitterMs / 2 },
        })),
      },
    ],
  })
  let unfollow: (() => Promise<void>) | undefined
  try {
    const chain = devnet.manifest.chains[0]!
    const accounts = await nodeCall<string[]>(chain.nodeUrl, 'eth_accounts')
    const setup: MixSetup = {
      contracts: await deployContracts(chain.nodeUrl, accounts[0]!),
      holders: Array.from({ length: HOLDERS }, (_, index) => accounts[index % accounts.length]!),
      emitter: chain.emitterAddress,
    }
    // Holders beyond the dev accounts are fresh addresses (balance 0), as most of an app's users are.
    for (let index = accounts.length; index < HOLDERS; index++)
      setup.holders[index] = `0x${(0xbeef0000 + index).toString(16).padStart(40, '0')}`
    const view: ChainView = { head: 0, recentTransactions: [] }
    unfollow = followNode(chain.nodeUrl, view)
    while (view.head < 12 || view.recentTransactions.length < 10) await sleep(200)
    const stopFollowing = unfollow
    return {
      devnet,
      providers: devnet.manifest.providers,
      mix: (seed) => readMix(setup, view, seed),
      async stop() {
        await stopFollowing()
        await devnet.stop()
      },
    }
  } catch (error) {
    await unfollow?.()
    await devnet.stop()
    throw error
  }
}
