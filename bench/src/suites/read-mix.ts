/**
 * `read-mix`: many clients asking the overlapping questions of one app's users — a dapp front end and an
 * indexer — against a devnet whose providers answer in 20–80 ms, through ChainPulse with coalescing and
 * the response cache, ChainPulse with both off, a naive forwarder and one provider directly (issue 16).
 */
import { cpus } from 'node:os'
import type { ManifestProvider } from '@chainpulse/devnet'
import type { DevnetProcess } from '@chainpulse/devnet/testing'
import { nodeCall, spawnDevnetWith } from '@chainpulse/devnet/testing'
import { type RedisServer, startRedisServer } from '@chainpulse/redis/testing'
import {
  createUndiciFetch,
  type RunningChainPulse,
  startChainPulse,
  type UndiciFetch,
} from '@chainpulse/server'
import { Agent } from 'undici'
import { type BenchRow, type BenchSuite, formatNumber } from '../suite.js'
import { random } from '../workload.js'
import { formatMs, formatPercent, percentile, rpcBody } from './pool-bench-kit.js'
import {
  addInto,
  emptyTotals,
  type Forwarder,
  fire,
  startNaiveForwarder,
  type Totals,
} from './proxy-bench-kit.js'

const CHAIN = 'ethereum'
const BLOCK_TIME_MS = 1_000
/** Providers' added latency (median, standard deviation), ms: the issue's 20–80 ms. */
const LATENCIES = [
  { latencyMs: 20, jitterMs: 5 },
  { latencyMs: 35, jitterMs: 8 },
  { latencyMs: 50, jitterMs: 12 },
  { latencyMs: 80, jitterMs: 20 },
] as const
const CONNECTIONS = 50
const ROUNDS = 4
const ROUND_SECONDS = 5
const WARMUP_SECONDS = 1
/**
 * At 50 connections the server is saturated and an answer's time is mostly its wait in the
 * queue; after each round of the cached proxy, one connection runs the same mix this long so a hit's own
 * time shows.
 */
const PROBE_SECONDS = 2
/** The bars. */
const TARGET_CALLS_PER_REQUEST = 0.25
const TARGET_TIMES_NAIVE = 3
const TARGET_HIT_P50_MS = 1
/** Popular contracts and the accounts the mix asks about. */
const CONTRACTS = 4
const HOLDERS = 12

/**
 * A contract answering `balanceOf(address)`-shaped calls with the ether balance of the address in the
 * calldata: `PUSH1 4 CALLDATALOAD BALANCE PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN` (12 bytes), behind an
 * init code that copies it out. Its answers change as the devnet's traffic moves ether, as a token's do.
 */
const BALANCE_READER_CREATION_CODE = '0x600c80600b6000396000f36004353160005260206000f3'
const BALANCE_OF = '0x70a08231'

const collectGarbage = (globalThis as { gc?: () => void }).gc ?? (() => {})
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
function countingFetch(): UndiciFetch & { calls: number } {
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

async function startProxy(
  providers: readonly ManifestProvider[],
  upstreamFetch: UndiciFetch,
  features: boolean,
  redisUrl?: string,
): Promise<RunningChainPulse> {
  return startChainPulse({
    pool: {
      chains: [{ name: CHAIN, chainId: 1, blockTimeMs: BLOCK_TIME_MS }],
      providers: providers.map(({ id, httpUrl, wsUrl }) => ({ id, chain: CHAIN, httpUrl, wsUrl })),
      fetch: upstreamFetch,
      ...(features ? {} : { coalescing: false }),
    },
    // The per-IP rate limit would cap the one client IP at 100 req/s.
    server: {
      logLevel: 'silent',
      rateLimit: false,
      ...(features ? {} : { cache: false }),
      ...(redisUrl ? { cluster: { redisUrl, instanceId: 'read-mix' } } : {}),
    },
    logger: false,
    listen: { port: 0, host: '127.0.0.1' },
  })
}

/** The answer's `x-chainpulse-cache` (`-` without one), or `error` for a JSON-RPC error. */
function cacheLabel(body: string, headers: Record<string, string>): string {
  if (body.includes('"error":')) return 'error'
  return headers['x-chainpulse-cache'] ?? '-'
}

export const readMixSuite: BenchSuite = {
  id: 'read-mix',
  title: 'Server: a realistic read mix from many clients, against providers 20–80 ms away',
  async run() {
    const startedAt = performance.now()
    let devnet: DevnetProcess | undefined
    const closers: (() => Promise<unknown>)[] = []
    const cachedFetch = countingFetch()
    const plainFetch = countingFetch()
    const clusterFetch = countingFetch()
    const totals: Totals[] = Array.from({ length: 5 }, emptyTotals)
    const upstreamCalls = [0, 0, 0, 0, 0]
    const roundRates: number[][] = [[], [], [], [], []]
    let redis: RedisServer | undefined
    const probe = emptyTotals()
    let subjects: { name: string; url: string; calls?: () => number }[] = []
    let setup: MixSetup
    try {
      devnet = await spawnDevnetWith({
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
      const chain = devnet.manifest.chains[0]!
      const providers = devnet.manifest.providers
      const accounts = await nodeCall<string[]>(chain.nodeUrl, 'eth_accounts')
      setup = {
        contracts: await deployContracts(chain.nodeUrl, accounts[0]!),
        holders: Array.from({ length: HOLDERS }, (_, index) => accounts[index % accounts.length]!),
        emitter: chain.emitterAddress,
      }
      // Holders beyond the dev accounts are fresh addresses (balance 0), as most of an app's users are.
      for (let index = accounts.length; index < HOLDERS; index++)
        setup.holders[index] = `0x${(0xbeef0000 + index).toString(16).padStart(40, '0')}`
      const view: ChainView = { head: 0, recentTransactions: [] }
      closers.push(followNode(chain.nodeUrl, view))
      // Ten blocks of history, so recent blocks, receipts and log ranges have data.
      while (view.head < 12 || view.recentTransactions.length < 10) await sleep(200)

      const cached = await startProxy(providers, cachedFetch, true)
      closers.push(() => cached.close())
      const plain = await startProxy(providers, plainFetch, false)
      closers.push(() => plain.close())
      redis = await startRedisServer()
      const clustered = await startProxy(providers, clusterFetch, true, redis.url)
      closers.push(() => clustered.close())
      const fastest = providers[0]!
      const dispatcher = new Agent({ keepAliveTimeout: 60_000 })
      const naive: Forwarder = await startNaiveForwarder(fastest.httpUrl, dispatcher)
      closers.push(
        () => naive.close(),
        () => dispatcher.close(),
      )
      closers.push(
        () => cachedFetch.close(),
        () => plainFetch.close(),
        () => clusterFetch.close(),
      )
      subjects = [
        {
          name: 'ChainPulse proxy, coalescing + cache (as `chainpulse serve` runs)',
          url: `${cached.url}/rpc/${CHAIN}`,
          calls: () => cachedFetch.calls,
        },
        {
          name: 'ChainPulse proxy, coalescing and cache off',
          url: `${plain.url}/rpc/${CHAIN}`,
          calls: () => plainFetch.calls,
        },
        {
          name: `baseline: naive Fastify + undici forwarder to one provider (${fastest.id})`,
          url: naive.url,
        },
        { name: `direct to one provider (${fastest.id}, no proxy)`, url: fastest.httpUrl },
        {
          name: 'ChainPulse proxy, coalescing + cache, in cluster mode (one instance; Redis: events, cache)',
          url: `${clustered.url}/rpc/${CHAIN}`,
          calls: () => clusterFetch.calls,
        },
      ]
      for (let round = 0; round < ROUNDS; round++) {
        for (const [index, subject] of subjects.entries()) {
          // Every subject gets the same seeded sequence of questions in a round.
          const load = { url: subject.url, connections: CONNECTIONS, label: cacheLabel }
          await fire({ ...load, seconds: WARMUP_SECONDS, nextBody: readMix(setup, view, 1_000 + round) })
          collectGarbage()
          const before = subject.calls?.() ?? 0
          const thisRound = emptyTotals()
          await fire(
            { ...load, seconds: ROUND_SECONDS, nextBody: readMix(setup, view, round + 1) },
            thisRound,
          )
          upstreamCalls[index]! += subject.calls ? subject.calls() - before : thisRound.completed
          roundRates[index]!.push(thisRound.completed / thisRound.seconds)
          addInto(totals[index]!, thisRound)
          if (index === 0)
            await fire(
              {
                ...load,
                connections: 1,
                seconds: PROBE_SECONDS,
                nextBody: readMix(setup, view, 2_000 + round),
              },
              probe,
            )
        }
      }
    } finally {
      for (const close of closers.reverse()) await close().catch(() => {})
      await devnet?.stop()
      await redis?.stop()
    }

    const failures = totals.reduce((sum, total) => sum + total.failures, 0)
    if (failures > 0) throw new Error(`${failures} requests failed or answered non-2xx`)
    const countOf = (total: Totals, label: string) => total.labelled.get(label)?.length ?? 0
    const figures = totals.map((total) => ({
      rate: total.completed / total.seconds,
      p50: percentile(total.latencies, 50),
      p99: percentile(total.latencies, 99),
      perRequest: 0,
    }))
    for (const [index, total] of totals.entries())
      figures[index]!.perRequest = upstreamCalls[index]! / total.completed
    const NAIVE = 2
    const CLUSTER = 4
    /** Cluster mode against the lone cached proxy, round by round (issue 17's cost of cluster mode). */
    const clusterShares = roundRates[CLUSTER]!.map((rate, round) => rate / roundRates[0]![round]!)
    const timesNaive = roundRates.map((rates) =>
      percentile(
        rates.map((rate, round) => rate / roundRates[NAIVE]![round]!),
        50,
      ),
    )
    const timesNaiveRounds = roundRates[0]!.map((rate, round) => rate / roundRates[NAIVE]![round]!)
    const hitsOf = (total: Totals) => total.labelled.get('hit') ?? []
    const hitP50 = percentile(hitsOf(totals[0]!), 50)
    const probeHits = probe.labelled.get('hit') ?? []
    const probeHitP50 = percentile(probeHits, 50)
    const rows: BenchRow[] = subjects.map((subject, index) => {
      const total = totals[index]!
      const measured = figures[index]!
      return {
        subject: subject.name,
        figures: {
          'requests/s': formatNumber(measured.rate),
          '× naive (median of rounds)': `${formatNumber(timesNaive[index]!, 2)}×`,
          p50: formatMs(measured.p50),
          p99: formatMs(measured.p99),
          'upstream calls / request': subject.calls
            ? formatNumber(measured.perRequest, 3)
            : '1 (by construction)',
          'cache hits (their p50)':
            index === 0 || index === CLUSTER
              ? `${formatPercent(hitsOf(total).length / total.completed)} (${formatMs(percentile(hitsOf(total), 50))})`
              : '–',
          'one client: cache hits (their p50), all p50':
            index === 0
              ? `${formatPercent(probeHits.length / probe.completed)} (${formatMs(probeHitP50)}), ${formatMs(percentile(probe.latencies, 50))}`
              : '–',
          coalesced:
            index === 0 || index === CLUSTER
              ? formatPercent(countOf(total, 'coalesced') / total.completed)
              : '–',
          'JSON-RPC errors': formatNumber(countOf(total, 'error')),
        },
      }
    })
    const cachedFigures = figures[0]!
    const verdicts = [
      {
        met: cachedFigures.perRequest <= TARGET_CALLS_PER_REQUEST,
        text: `upstream calls per client request ≤ ${TARGET_CALLS_PER_REQUEST} (measured ${formatNumber(cachedFigures.perRequest, 3)})`,
      },
      {
        met: timesNaive[0]! >= TARGET_TIMES_NAIVE,
        text: `throughput ≥ ${TARGET_TIMES_NAIVE}× the naive forwarder's (measured: median ${formatNumber(timesNaive[0]!, 2)}× over ${ROUNDS} rounds, range ${formatNumber(Math.min(...timesNaiveRounds), 2)}×–${formatNumber(Math.max(...timesNaiveRounds), 2)}×)`,
      },
      {
        met: probeHitP50 < TARGET_HIT_P50_MS,
        text: `cache hits' p50 < ${TARGET_HIT_P50_MS} ms (measured with one client: ${formatMs(probeHitP50)} over ${formatNumber(probeHits.length)} hits; under the ${CONNECTIONS}-connection load, where the server is saturated and answers wait in its queue: ${formatMs(hitP50)})`,
      },
    ]
    return {
      rows,
      target: `ChainPulse with coalescing + cache on this mix: ${verdicts.map(({ met, text }) => `${text} — ${met ? 'met' : 'not met'}`).join('; ')}`,
      met: verdicts.every(({ met }) => met),
      notes: [
        `Devnet: \`spawnDevnetWith\` in its own process (so its CPU and event loop are not the benchmark's), one anvil chain (chain id 1) mining a block every ${BLOCK_TIME_MS / 1000} s, its traffic generator sending a log-emitting call and a transfer every 250 ms, and ${LATENCIES.length} simulated providers with the neutral personality (no injected errors, no lag) and added latency ${LATENCIES.map(({ latencyMs, jitterMs }) => `${latencyMs} ± ${jitterMs}`).join(', ')} ms (normal, per request), WebSocket events delayed by half that. Before the load: ${CONTRACTS} "popular" contracts deployed (each answers a \`balanceOf(address)\`-shaped \`eth_call\` with that address's ether balance, so answers change as the traffic moves ether) and ten blocks of history.`,
        `Mix (seeded, the same sequence of questions for every subject in a round; weights in %): eth_call at latest of a popular contract for a holder 25, eth_blockNumber 15, eth_getBlockByNumber latest 8 and of one of the last 8 blocks 8, eth_getTransactionReceipt of one of the last ~40 transactions 8, eth_getBalance at latest 12, eth_getLogs of the log emitter over a 10-block range ending at one of the last 4 blocks 8, eth_chainId 8, eth_getCode of a popular contract 8. Contracts, holders (the node's 10 dev accounts and 2 fresh addresses), blocks and transactions are drawn skewed toward the first/newest (index ⌊n·u³⌋), as many users of one app ask the same few things. "Recent" and "latest" are as the benchmark sees the node (polled every 200 ms), every request has its own id.`,
        `Load: autocannon in the benchmark process, ${CONNECTIONS} keep-alive connections on 127.0.0.1, each sending its next request as soon as its answer arrives. Per subject ${ROUNDS} rounds of ${ROUND_SECONDS} s after an uncounted ${WARMUP_SECONDS} s warm-up, alternating between subjects; requests/s = 2xx answers / measured seconds; p50/p99 over every timed 2xx answer. "× naive" divides each round by the naive forwarder's round next to it and takes the median (this VM drifts over seconds). "JSON-RPC errors" counts 200 answers carrying an error object, so a subject answering errors fast cannot pass unseen.`,
        `Upstream calls: for the ChainPulse rows, every JSON-RPC call the pool sent to any provider over HTTP during the subject's timed rounds, counted in a wrapper around its fetch (client reads, and the pool's own traffic in that time: health probes, head follow-ups and block back-fills of the cache's follower); the WebSocket subscriptions to newHeads are not counted (one per provider, open for the whole run). For the naive forwarder and the direct row it is 1 by construction: each client request is one upstream request.`,
        `Cache hits: answers with \`x-chainpulse-cache: hit\` (the share of all answers, and their p50 as the client saw it, loopback round trip included); "coalesced": answers that shared an identical read in flight. At ${CONNECTIONS} connections the proxy is saturated (closed loop: each connection asks again as soon as it is answered), so by Little's law the mean answer time is ${CONNECTIONS} ÷ requests/s whatever the cache does; a hit's own cost shows in "one client": after each of its rounds, the cached proxy gets ${PROBE_SECONDS} s of the same mix from one connection (not counted in the other columns), and the verdict takes that p50.`,
        `Subjects: ChainPulse via \`startChainPulse\` (as \`chainpulse serve\` runs: undici upstream fetch, response cache from the default config, coalescing on, leaderboard routing over the ${LATENCIES.length} providers with HTTP and WebSocket URLs), except the per-client rate limit (off: one client IP); the same with \`coalescing: false\` and \`cache: false\`; the naive Fastify + undici forwarder of proxy-throughput sending everything to the fastest provider (${LATENCIES[0].latencyMs} ms, the strictest baseline to beat); and that provider directly. The ChainPulse servers run for the whole suite (the idle ones' background traffic is on the devnet while others are measured).`,
        `Cluster mode on this mix (issue 17's cost of cluster mode, on a realistic load): the cached proxy once more, as one instance of a cluster over a redis-server on loopback (on the same cores): events fanned out through Redis and the response cache's store in Redis. It served ${formatPercent(percentile(clusterShares, 50))} of the lone cached proxy's requests/s (median of the per-round ratios, range ${formatPercent(Math.min(...clusterShares))}–${formatPercent(Math.max(...clusterShares))}). The worst case for cluster mode, every request a miss against an upstream that answers at once, is the cluster-throughput suite.`,
        `Figures taken on a shared, busy machine (${cpus().length} CPUs for the benchmark process — clients, proxies and forwarder —, the devnet process and anvil, and other work); compare rows within one run. Whole suite: ${formatNumber((performance.now() - startedAt) / 1000, 1)} s.`,
      ],
    }
  },
}
