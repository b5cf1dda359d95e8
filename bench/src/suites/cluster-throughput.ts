/**
 * `cluster-throughput`: what cluster mode costs one instance. The same ChainPulse server config twice,
 * once standing alone and once in cluster mode over a real redis-server (events fanned out, the response
 * cache in Redis, the per-client rate limit counted in Redis), under the same load, rounds alternating.
 */

import { startRedisServer, waitFor } from '@chainpulse/redis/testing'
import { type RunningChainPulse, startChainPulse } from '@chainpulse/server'
import { type BenchRow, type BenchSuite, formatNumber } from '../suite.js'
import { addressFor, formatMs, formatPercent, percentile, rpcBody } from './pool-bench-kit.js'
import { addInto, emptyTotals, fire, startUpstreamProcess, type Totals } from './proxy-bench-kit.js'

const CONNECTIONS = 10
const ROUNDS = 6
const ROUND_SECONDS = 2
const WARMUP_SECONDS = 0.5
/** The bar: cluster mode keeps this share of a lone instance's throughput. */
const TARGET_SHARE = 0.9

const collectGarbage = (globalThis as { gc?: () => void }).gc ?? (() => {})

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
      // On, so cluster mode pays its Redis round trip per request, but never reached by this load.
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
    const totals: Totals[] = subjects.map(() => emptyTotals())
    const roundRates: number[][] = subjects.map(() => [])
    try {
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
        for (const [index, subject] of subjects.entries()) {
          const load = {
            url: `${subject.instance.url}/rpc/ethereum`,
            connections: CONNECTIONS,
            nextBody: distinctBalanceCalls(),
          }
          await fire({ ...load, seconds: WARMUP_SECONDS })
          collectGarbage()
          const thisRound = emptyTotals()
          await fire({ ...load, seconds: ROUND_SECONDS }, thisRound)
          roundRates[index]!.push(thisRound.completed / thisRound.seconds)
          addInto(totals[index]!, thisRound)
        }
      }
    } finally {
      await clustered.close()
      await alone.close()
      await redis.stop()
      await upstream.stop()
    }
    const failures = totals.reduce((sum, total) => sum + total.failures, 0)
    if (failures > 0) throw new Error(`${failures} requests failed or answered non-2xx`)
    const shares = roundRates[1]!.map((rate, round) => rate / roundRates[0]![round]!)
    const share = percentile(shares, 50)
    const rows: BenchRow[] = subjects.map((subject, index) => {
      const total = totals[index]!
      return {
        subject: subject.name,
        figures: {
          'requests/s': formatNumber(total.completed / total.seconds),
          'vs alone (median of rounds)': index === 0 ? '100 %' : formatPercent(share),
          p50: formatMs(percentile(total.latencies, 50)),
          p99: formatMs(percentile(total.latencies, 99)),
        },
      }
    })
    return {
      rows,
      target: `cluster mode ≥ ${TARGET_SHARE * 100} % of a lone instance's requests/s (measured: median ${formatPercent(share)} over ${ROUNDS} rounds, range ${formatPercent(Math.min(...shares))}–${formatPercent(Math.max(...shares))})`,
      met: share >= TARGET_SHARE,
      notes: [
        `Load: autocannon in the benchmark process, ${CONNECTIONS} keep-alive connections, each POSTing \`eth_getBalance\` of a new address at \`latest\` (every request a cache miss and one upstream call, the worst case for cluster mode's per-request Redis work); ${ROUNDS} rounds of ${ROUND_SECONDS} s per subject after a ${WARMUP_SECONDS} s warm-up, alternating; the verdict is the median of the per-round ratios. Upstream: the minimal node:http JSON-RPC server of proxy-throughput, in a child process.`,
        'Both instances: `startChainPulse` with the same pool (one provider) and server config — the response cache on (in memory alone, in Redis in cluster mode), the per-client rate limit on with a limit this load never reaches (so cluster mode pays its Redis counter per request), every other default. In cluster mode each request also costs a cache lookup and a cache write in Redis, and its routing decision is published to the cluster channel (batched per event-loop turn); redis-server runs on loopback.',
      ],
    }
  },
}
