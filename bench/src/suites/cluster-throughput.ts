/**
 * `cluster-throughput`: what cluster mode costs one instance. The same ChainPulse server config twice,
 * once standing alone and once in cluster mode over a real redis-server (events fanned out, the response
 * cache in Redis, the per-client rate limit counted in Redis), under the same load, rounds alternating.
 * Two loads: issue 16's realistic read mix (the verdict), and the worst case for cluster mode, every
 * request a cache miss against an upstream that answers at once.
 */

import { createRedisConnection, type RedisConnection } from '@chainpulse/redis'
import { type RedisServer, startRedisServer, waitFor } from '@chainpulse/redis/testing'
import { type RunningChainPulse, startChainPulse } from '@chainpulse/server'
import { type BenchRow, type BenchSuite, formatNumber } from '../suite.js'
import { addressFor, formatMs, formatPercent, percentile, rpcBody } from './pool-bench-kit.js'
import { addInto, emptyTotals, fire, startUpstreamProcess, type Totals } from './proxy-bench-kit.js'
import { CHAIN, cacheLabel, countingFetch, startProxy, startReadMixWorld } from './read-mix-world.js'

/** The bar: cluster mode keeps this share of a lone instance's throughput. */
const TARGET_SHARE = 0.9
/**
 * Both instances' per-client rate limit: on, so cluster mode pays for its shared counter (one lease of
 * 256 requests at this limit), but never reached by these loads.
 */
const RATE_LIMIT = { max: 1_000_000_000, timeWindowMs: 60_000 }

const collectGarbage = (globalThis as { gc?: () => void }).gc ?? (() => {})

/** Calls of each command Redis has run so far (`INFO commandstats`: a script's own commands too). */
async function commandCalls(redis: RedisConnection): Promise<Map<string, number>> {
  const stats = await redis.client.info('commandstats')
  return new Map(
    [...stats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)].map(([, name, calls]) => [name!, Number(calls)]),
  )
}

/** `eth_getBalance` of a new address on every request: each is a cache miss and an upstream call. */
function distinctBalanceCalls(): () => string {
  let next = 0
  return () => {
    next++
    return rpcBody(next, 'eth_getBalance', [addressFor(next), 'latest'])
  }
}

/** One load: its rounds, and the two instances it runs against. */
interface Load {
  connections: number
  rounds: number
  roundSeconds: number
  warmupSeconds: number
  alone: RunningChainPulse
  clustered: RunningChainPulse
  /** The request bodies of round `round` (both subjects get the same); `warmup` for the uncounted run. */
  bodies(round: number, warmup: boolean): () => string
  label?: (body: string, headers: Record<string, string>) => string
}

/** What one load measured: each subject's totals and per-round rates, and Redis's commands by name. */
interface LoadOutcome {
  totals: [Totals, Totals]
  rates: [number[], number[]]
  /** Commands Redis ran per request the clustered instance served, by command, over the timed rounds. */
  commands: Map<string, number>
}

/** Runs a load's rounds, A then B, then B then A, so drift in the machine's load falls on both alike. */
async function runLoad(load: Load, counter: RedisConnection): Promise<LoadOutcome> {
  const instances = [load.alone, load.clustered]
  const totals: [Totals, Totals] = [emptyTotals(), emptyTotals()]
  const rates: [number[], number[]] = [[], []]
  const commands = new Map<string, number>()
  for (let round = 0; round < load.rounds; round++) {
    for (const index of round % 2 === 0 ? [0, 1] : [1, 0]) {
      const options = {
        url: `${instances[index]!.url}/rpc/${CHAIN}`,
        connections: load.connections,
        ...(load.label ? { label: load.label } : {}),
      }
      await fire({ ...options, seconds: load.warmupSeconds, nextBody: load.bodies(round, true) })
      collectGarbage()
      const thisRound = emptyTotals()
      const before = index === 1 ? await commandCalls(counter) : undefined
      await fire({ ...options, seconds: load.roundSeconds, nextBody: load.bodies(round, false) }, thisRound)
      if (before)
        for (const [name, calls] of await commandCalls(counter))
          commands.set(name, (commands.get(name) ?? 0) + calls - (before.get(name) ?? 0))
      rates[index]!.push(thisRound.completed / thisRound.seconds)
      addInto(totals[index]!, thisRound)
    }
  }
  const failures = totals[0].failures + totals[1].failures
  if (failures > 0) throw new Error(`${failures} requests failed or answered non-2xx`)
  // The bench's own INFO calls are not the instance's.
  commands.delete('info')
  return { totals, rates, commands }
}

/** Waits until a clustered instance reports its Redis connection up. */
async function clusterReady(instance: RunningChainPulse): Promise<void> {
  await waitFor(
    async () =>
      ((await (await fetch(`${instance.url}/api/cluster`)).json()) as { redis?: { connected?: boolean } })
        .redis?.connected,
    { what: 'the clustered instance to reach Redis' },
  )
}

/** The read mix over the devnet: both instances as `chainpulse serve` runs, response cache on. */
async function readMixLoad(redis: RedisServer, counter: RedisConnection): Promise<LoadOutcome> {
  const world = await startReadMixWorld()
  const fetches = [countingFetch(), countingFetch()]
  const closers: (() => Promise<unknown>)[] = fetches.map((counted) => () => counted.close())
  try {
    const alone = await startProxy(world.providers, fetches[0]!, { rateLimit: RATE_LIMIT })
    closers.push(() => alone.close())
    const clustered = await startProxy(world.providers, fetches[1]!, {
      rateLimit: RATE_LIMIT,
      redisUrl: redis.url,
    })
    closers.push(() => clustered.close())
    await clusterReady(clustered)
    return await runLoad(
      {
        connections: 50,
        rounds: 6,
        roundSeconds: 5,
        warmupSeconds: 1,
        alone,
        clustered,
        bodies: (round, warmup) => world.mix(warmup ? 1_000 + round : round + 1),
        label: cacheLabel,
      },
      counter,
    )
  } finally {
    for (const close of closers.reverse()) await close().catch(() => {})
    await world.stop()
  }
}

async function startWorstCaseInstance(upstreamUrl: string, redisUrl: string | undefined) {
  return startChainPulse({
    pool: {
      chains: [{ name: CHAIN, chainId: 1 }],
      providers: [{ id: 'upstream', chain: CHAIN, httpUrl: `${upstreamUrl}/chainpulse` }],
    },
    server: {
      logLevel: 'silent',
      // Every answer kept, so each request pays a cache write as well as a lookup: the load's chain has
      // no head (the upstream answers every call with "0x10"), which would leave `latest` answers unstored.
      cache: { methods: { eth_getBalance: 'immutable' } },
      rateLimit: RATE_LIMIT,
      ...(redisUrl ? { cluster: { redisUrl, instanceId: 'bench-instance' } } : {}),
    },
    logger: false,
    listen: { port: 0, host: '127.0.0.1' },
  })
}

/** Every request a miss (a new address each time) against the minimal upstream in a child process. */
async function worstCaseLoad(redis: RedisServer, counter: RedisConnection): Promise<LoadOutcome> {
  const upstream = await startUpstreamProcess()
  const closers: (() => Promise<unknown>)[] = [() => upstream.stop()]
  try {
    const alone = await startWorstCaseInstance(upstream.url, undefined)
    closers.push(() => alone.close())
    const clustered = await startWorstCaseInstance(upstream.url, redis.url)
    closers.push(() => clustered.close())
    await clusterReady(clustered)
    // One sequence for every round and subject: an address asked once is never asked again (a hit).
    const nextBody = distinctBalanceCalls()
    return await runLoad(
      {
        connections: 10,
        rounds: 10,
        roundSeconds: 2,
        warmupSeconds: 0.5,
        alone,
        clustered,
        bodies: () => nextBody,
      },
      counter,
    )
  } finally {
    for (const close of closers.reverse()) await close().catch(() => {})
  }
}

/** The clustered instance's share of the lone one's requests/s, round by round. */
function sharesOf(outcome: LoadOutcome): number[] {
  return outcome.rates[1].map((rate, round) => rate / outcome.rates[0][round]!)
}

function describeShare(shares: readonly number[]): string {
  return `median ${formatPercent(percentile(shares, 50))} over ${shares.length} rounds, range ${formatPercent(Math.min(...shares))}–${formatPercent(Math.max(...shares))}`
}

/** Redis's commands per request served, by command, largest first (those under 0.001 left out). */
function commandsByName(outcome: LoadOutcome): string {
  const served = outcome.totals[1].completed
  return [...outcome.commands.keys()]
    .filter((name) => outcome.commands.get(name)! / served >= 0.001)
    .sort((a, b) => outcome.commands.get(b)! - outcome.commands.get(a)!)
    .map((name) => `${name.toUpperCase()} ${formatNumber(outcome.commands.get(name)! / served, 3)}`)
    .join(', ')
}

function rowsOf(load: string, outcome: LoadOutcome): BenchRow[] {
  const shares = sharesOf(outcome)
  const served = outcome.totals[1].completed
  const commands = [...outcome.commands.values()].reduce((sum, calls) => sum + calls, 0)
  const hits = (total: Totals) =>
    total.labelled.size > 0 ? formatPercent((total.labelled.get('hit')?.length ?? 0) / total.completed) : '–'
  return outcome.totals.map((total, index) => ({
    subject: `${load}: one instance, ${index === 0 ? 'standing alone' : 'in cluster mode (Redis: events, cache, rate limit)'}`,
    figures: {
      'requests/s': formatNumber(total.completed / total.seconds),
      'vs alone (median of rounds)': index === 0 ? '100 %' : formatPercent(percentile(shares, 50)),
      p50: formatMs(percentile(total.latencies, 50)),
      p99: formatMs(percentile(total.latencies, 99)),
      'cache hits': hits(total),
      'Redis commands/request': index === 0 ? '—' : formatNumber(commands / served, 3),
    },
  }))
}

export const clusterThroughputSuite: BenchSuite = {
  id: 'cluster-throughput',
  title: 'Cluster: the throughput cost of cluster mode on one instance',
  async run() {
    const redis = await startRedisServer()
    const counter = createRedisConnection(redis.url, { name: 'bench' })
    let mix: LoadOutcome
    let worst: LoadOutcome
    try {
      await waitFor(() => counter.connected(), { what: 'the bench to reach Redis' })
      mix = await readMixLoad(redis, counter)
      worst = await worstCaseLoad(redis, counter)
    } finally {
      await counter.close()
      await redis.stop()
    }
    const mixShare = percentile(sharesOf(mix), 50)
    return {
      rows: [...rowsOf('read mix', mix), ...rowsOf('worst case, every request a miss', worst)],
      target: `cluster mode ≥ ${TARGET_SHARE * 100} % of a lone instance's requests/s on the same load, judged on the realistic read mix (measured: ${describeShare(sharesOf(mix))}); the worst case, reported beside it: ${describeShare(sharesOf(worst))}`,
      met: mixShare >= TARGET_SHARE,
      notes: [
        "Read mix: issue 16's load (the read-mix suite's world: a devnet in its own process, 4 providers answering in 20–80 ms, the app's popular contracts, the seeded mix of questions; see read-mix for its weights), 50 keep-alive connections from autocannon in the benchmark process, 6 rounds of 5 s per subject after a 1 s warm-up, alternating (A B, then B A), both subjects asked the same seeded questions in a round; the verdict is the median of the per-round ratios. Both instances as `chainpulse serve` runs them (response cache, coalescing, leaderboard routing over the 4 providers), the per-client rate limit on with a limit these loads never reach.",
        "Worst case: autocannon with 10 keep-alive connections, each POSTing `eth_getBalance` of a new address at `latest`: every request a cache miss, one upstream call and a cache write, against the minimal node:http JSON-RPC server of proxy-throughput in a child process, which answers at once. The response cache keeps every `eth_getBalance` answer (the upstream has no chain head, which would leave `latest` answers unstored). 10 rounds of 2 s per subject after a 0.5 s warm-up, alternating. It is reported, not judged: a request there costs the proxy nothing but its own CPU (about 260 µs on this machine, autocannon included), so the Redis client's work for a miss — the lookup's round trip and the write, in the same event loop — is a large share of it; a deployment's upstream call costs milliseconds, and a realistic mix is mostly hits, which cluster mode answers from memory.",
        `What Redis ran per request in cluster mode (over the timed rounds, by command, as \`INFO commandstats\` counts them: a script's own commands too, so the cache store's EVALSHA brings its SETs and MGETs and the rate limit's EVAL brings GET, INCRBY and PTTL): read mix ${commandsByName(mix)}; worst case ${commandsByName(worst)}. Each instance keeps cache entries in memory in front of Redis, so only a miss in memory asks Redis; the cache store sends a turn's reads and the writes that waited for them (up to 10 ms) as one script call; the rate limit takes slots of the shared window in leases (1, 2, 4… up to 256 slots, at most a thirty-second of the limit), so a busy client costs one EVAL per lease; routing decisions wait up to 4 ms to share a PUBLISH.`,
        'redis-server runs on loopback, on the same two cores as the benchmark process (clients and both instances) and the devnet.',
      ],
    }
  },
}
