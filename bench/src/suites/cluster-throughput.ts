/**
 * `cluster-throughput`: what cluster mode costs one instance. The same ChainPulse server config twice,
 * once standing alone and once in cluster mode over a real redis-server (events fanned out, the response
 * cache in Redis, the per-client rate limit counted in Redis), under the same load, rounds alternating.
 */

import { createRedisConnection, type RedisConnection } from '@chainpulse/redis'
import { startRedisServer, waitFor } from '@chainpulse/redis/testing'
import { type RunningChainPulse, startChainPulse } from '@chainpulse/server'
import { type BenchRow, type BenchSuite, formatNumber } from '../suite.js'
import { addressFor, formatMs, formatPercent, percentile, rpcBody } from './pool-bench-kit.js'
import { addInto, emptyTotals, fire, startUpstreamProcess, type Totals } from './proxy-bench-kit.js'

const CONNECTIONS = 10
const ROUNDS = 10
const ROUND_SECONDS = 2
const WARMUP_SECONDS = 0.5
/** The bar: cluster mode keeps this share of a lone instance's throughput. */
const TARGET_SHARE = 0.9

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

async function startInstance(upstreamUrl: string, redisUrl: string | undefined): Promise<RunningChainPulse> {
  return startChainPulse({
    pool: {
      chains: [{ name: 'ethereum', chainId: 1 }],
      providers: [{ id: 'upstream', chain: 'ethereum', httpUrl: `${upstreamUrl}/chainpulse` }],
    },
    server: {
      logLevel: 'silent',
      // Every answer kept, so each request pays a cache write as well as a lookup: the load's chain has
      // no head (the upstream answers every call with "0x10"), which would leave `latest` answers unstored.
      cache: { methods: { eth_getBalance: 'immutable' } },
      // On, so cluster mode pays for its shared counter (one lease of 256 requests at this limit), but
      // never reached by this load.
      rateLimit: { max: 1_000_000_000, timeWindowMs: 60_000 },
      ...(redisUrl ? { cluster: { redisUrl, instanceId: 'bench-instance' } } : {}),
    },
    logger: false,
    listen: { port: 0, host: '127.0.0.1' },
  })
}

export const clusterThroughputSuite: BenchSuite = {
  id: 'cluster-throughput',
  title: 'Cluster: the throughput cost of cluster mode on one instance',
  async run() {
    const upstream = await startUpstreamProcess()
    const redis = await startRedisServer()
    const alone = await startInstance(upstream.url, undefined)
    const clustered = await startInstance(upstream.url, redis.url)
    const subjects = [
      { name: 'one instance, standing alone', instance: alone },
      { name: 'one instance in cluster mode (Redis: events, cache, rate limit)', instance: clustered },
    ]
    // One sequence for every round and subject: an address asked once is never asked again (a hit).
    const nextBody = distinctBalanceCalls()
    const totals: Totals[] = subjects.map(() => emptyTotals())
    const roundRates: number[][] = subjects.map(() => [])
    // Commands the clustered instance sent per request it served, by command, over the timed rounds.
    const commands = new Map<string, number>()
    const counter = createRedisConnection(redis.url, { name: 'bench' })
    try {
      await waitFor(() => counter.connected(), { what: 'the bench to reach Redis' })
      await waitFor(
        async () =>
          (
            (await (await fetch(`${clustered.url}/api/cluster`)).json()) as {
              redis?: { connected?: boolean }
            }
          ).redis?.connected,
        { what: 'the clustered instance to reach Redis' },
      )
      for (let round = 0; round < ROUNDS; round++) {
        // A then B, then B then A: drift in the machine's load falls on both subjects alike.
        const order = round % 2 === 0 ? [0, 1] : [1, 0]
        for (const index of order) {
          const subject = subjects[index]!
          const load = {
            url: `${subject.instance.url}/rpc/ethereum`,
            connections: CONNECTIONS,
            nextBody,
          }
          await fire({ ...load, seconds: WARMUP_SECONDS })
          collectGarbage()
          const thisRound = emptyTotals()
          const before = index === 1 ? await commandCalls(counter) : undefined
          await fire({ ...load, seconds: ROUND_SECONDS }, thisRound)
          if (before)
            for (const [name, calls] of await commandCalls(counter))
              commands.set(name, (commands.get(name) ?? 0) + calls - (before.get(name) ?? 0))
          roundRates[index]!.push(thisRound.completed / thisRound.seconds)
          addInto(totals[index]!, thisRound)
        }
      }
    } finally {
      await counter.close()
      await clustered.close()
      await alone.close()
      await redis.stop()
      await upstream.stop()
    }
    const failures = totals.reduce((sum, total) => sum + total.failures, 0)
    if (failures > 0) throw new Error(`${failures} requests failed or answered non-2xx`)
    const shares = roundRates[1]!.map((rate, round) => rate / roundRates[0]![round]!)
    const share = percentile(shares, 50)
    // The bench's own INFO calls are not the instance's.
    commands.delete('info')
    const served = totals[1]!.completed
    const perRequest = (calls: number) => formatNumber(calls / served, 3)
    const byName = [...commands.keys()]
      .filter((name) => commands.get(name)! / served >= 0.001)
      .sort((a, b) => commands.get(b)! - commands.get(a)!)
      .map((name) => `${name.toUpperCase()} ${perRequest(commands.get(name)!)}`)
      .join(', ')
    const rows: BenchRow[] = subjects.map((subject, index) => {
      const total = totals[index]!
      return {
        subject: subject.name,
        figures: {
          'requests/s': formatNumber(total.completed / total.seconds),
          'vs alone (median of rounds)': index === 0 ? '100 %' : formatPercent(share),
          p50: formatMs(percentile(total.latencies, 50)),
          p99: formatMs(percentile(total.latencies, 99)),
          'Redis commands/request':
            index === 0 ? '—' : perRequest([...commands.values()].reduce((sum, calls) => sum + calls, 0)),
        },
      }
    })
    return {
      rows,
      target: `cluster mode ≥ ${TARGET_SHARE * 100} % of a lone instance's requests/s (measured: median ${formatPercent(share)} over ${ROUNDS} rounds, range ${formatPercent(Math.min(...shares))}–${formatPercent(Math.max(...shares))})`,
      met: share >= TARGET_SHARE,
      notes: [
        `Load: autocannon in the benchmark process, ${CONNECTIONS} keep-alive connections, each POSTing \`eth_getBalance\` of a new address at \`latest\` (every request a cache miss, one upstream call and a cache write, the worst case for cluster mode's per-request Redis work); ${ROUNDS} rounds of ${ROUND_SECONDS} s per subject after a ${WARMUP_SECONDS} s warm-up, alternating (A B, then B A); the verdict is the median of the per-round ratios. Upstream: the minimal node:http JSON-RPC server of proxy-throughput, in a child process.`,
        'Both instances: `startChainPulse` with the same pool (one provider) and server config — the response cache on with every `eth_getBalance` answer kept (in memory alone, in Redis in cluster mode; without the override this load, whose chain has no head, would store nothing), the per-client rate limit on with a limit this load never reaches, every other default. redis-server runs on loopback, on the same two cores.',
        `What Redis ran per request in cluster mode (over the timed rounds, by command, as \`INFO commandstats\` counts them: a script's own commands too, so the cache store's EVALSHA brings its SETs and the rate limit's EVAL brings GET, INCRBY and PTTL): ${byName}. The cache store batches its commands, one socket write a batch (a turn's reads as one MGET, behind the writes that waited for them, up to 10 ms, sent as one script call); the rate limit takes slots of the shared window in leases (1, 2, 4… up to 256 slots, at most a thirty-second of the limit), so a busy client costs one EVAL per lease; routing decisions wait up to 4 ms to share a PUBLISH.`,
      ],
    }
  },
}
