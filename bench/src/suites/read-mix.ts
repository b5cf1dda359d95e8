/**
 * `read-mix`: many clients asking the overlapping questions of one app's users — a dapp front end and an
 * indexer — against a devnet whose providers answer in 20–80 ms, through ChainPulse with coalescing and
 * the response cache, ChainPulse with both off, a naive forwarder and one provider directly (issue 16).
 */
import { cpus } from 'node:os'
import { Agent } from 'undici'
import { type BenchRow, type BenchSuite, formatNumber } from '../suite.js'
import { formatMs, formatPercent, percentile } from './pool-bench-kit.js'
import {
  addInto,
  emptyTotals,
  type Forwarder,
  fire,
  startNaiveForwarder,
  type Totals,
} from './proxy-bench-kit.js'
import {
  BLOCK_TIME_MS,
  CHAIN,
  CONTRACTS,
  cacheLabel,
  countingFetch,
  LATENCIES,
  type ReadMixWorld,
  startProxy,
  startReadMixWorld,
} from './read-mix-world.js'

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

const collectGarbage = (globalThis as { gc?: () => void }).gc ?? (() => {})

export const readMixSuite: BenchSuite = {
  id: 'read-mix',
  title: 'Server: a realistic read mix from many clients, against providers 20–80 ms away',
  async run() {
    const startedAt = performance.now()
    let world: ReadMixWorld | undefined
    const closers: (() => Promise<unknown>)[] = []
    const cachedFetch = countingFetch()
    const plainFetch = countingFetch()
    const totals: Totals[] = Array.from({ length: 4 }, emptyTotals)
    const upstreamCalls = [0, 0, 0, 0]
    const roundRates: number[][] = [[], [], [], []]
    const probe = emptyTotals()
    let subjects: { name: string; url: string; calls?: () => number }[] = []
    try {
      world = await startReadMixWorld()
      const { providers } = world
      const cached = await startProxy(providers, cachedFetch)
      closers.push(() => cached.close())
      const plain = await startProxy(providers, plainFetch, { features: false })
      closers.push(() => plain.close())
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
      ]
      for (let round = 0; round < ROUNDS; round++) {
        for (const [index, subject] of subjects.entries()) {
          // Every subject gets the same seeded sequence of questions in a round.
          const load = { url: subject.url, connections: CONNECTIONS, label: cacheLabel }
          await fire({ ...load, seconds: WARMUP_SECONDS, nextBody: world.mix(1_000 + round) })
          collectGarbage()
          const before = subject.calls?.() ?? 0
          const thisRound = emptyTotals()
          await fire({ ...load, seconds: ROUND_SECONDS, nextBody: world.mix(round + 1) }, thisRound)
          upstreamCalls[index]! += subject.calls ? subject.calls() - before : thisRound.completed
          roundRates[index]!.push(thisRound.completed / thisRound.seconds)
          addInto(totals[index]!, thisRound)
          if (index === 0)
            await fire(
              {
                ...load,
                connections: 1,
                seconds: PROBE_SECONDS,
                nextBody: world.mix(2_000 + round),
              },
              probe,
            )
        }
      }
    } finally {
      for (const close of closers.reverse()) await close().catch(() => {})
      await world?.stop()
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
            index === 0
              ? `${formatPercent(hitsOf(total).length / total.completed)} (${formatMs(percentile(hitsOf(total), 50))})`
              : '–',
          'one client: cache hits (their p50), all p50':
            index === 0
              ? `${formatPercent(probeHits.length / probe.completed)} (${formatMs(probeHitP50)}), ${formatMs(percentile(probe.latencies, 50))}`
              : '–',
          coalesced: index === 0 ? formatPercent(countOf(total, 'coalesced') / total.completed) : '–',
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
        'Cluster mode on this mix (issue 17): the cluster-throughput suite.',
        `Figures taken on a shared, busy machine (${cpus().length} CPUs for the benchmark process — clients, proxies and forwarder —, the devnet process and anvil, and other work); compare rows within one run. Whole suite: ${formatNumber((performance.now() - startedAt) / 1000, 1)} s.`,
      ],
    }
  },
}
