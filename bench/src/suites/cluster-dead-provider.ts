/**
 * `cluster-dead-provider`: how many requests a cluster still sends a provider that died, once one of its
 * instances has judged it dead. Three ChainPulse servers in cluster mode over one redis-server and one
 * devnet (three anvil-backed providers), client traffic over HTTP through all three, one provider killed;
 * counted: the client calls the other instances send it after the first instance's verdict. With peer
 * evidence (the default: a peer's verdict, heard through Redis, keeps the provider out of rotation until
 * this instance's own probe says it answers) against without (the cluster's `peerEvidence: false`: each instance finds
 * out by itself), rounds alternating.
 */
import type { ProviderPoolOptions } from '@chainpulse/core'
import {
  createKillLog,
  type DevnetProcess,
  poolOverDevnet,
  resetProviders,
  spawnDevnetWith,
  threeProviderDevnet,
} from '@chainpulse/devnet/testing'
import { startRedisServer, waitFor } from '@chainpulse/redis/testing'
import { type RunningChainPulse, startChainPulse } from '@chainpulse/server'
import { type BenchRow, type BenchSuite, formatNumber } from '../suite.js'
import { percentile } from './pool-bench-kit.js'

const ROUNDS = 5
const INSTANCES = ['A', 'B', 'C'] as const
const DEAD = 'ethereum-bravo'
/** The client reads: a method no probe uses, so every upstream call of it is a client call. */
const CLIENT_METHOD = 'net_version'
/** Client reads per instance at least; the kill comes once A has answered 60 of them. */
const READS = 200
const KILL_AFTER = 60
/** The traffic goes on at least this long after the kill, so the count does not depend on the machine's speed. */
const AFTER_KILL_MS = 2_000
const WORKERS_PER_INSTANCE = 4
/** Issue 17's bar, with peer evidence. */
const TARGET_CALLS = 5

const JUDGING: { name: string; options: Partial<ProviderPoolOptions> }[] = [
  {
    name: 'health probes judge (every 500 ms)',
    options: { healthCheck: { intervalMs: 500, timeoutMs: 500 } },
  },
  {
    name: 'breakers judge (no health probes)',
    options: { healthCheck: false, breaker: { failureThreshold: 3, halfOpenAfterMs: 300 } },
  },
]

interface RoundResult {
  callsAfterVerdict: number
  failed: number
}

async function round(
  devnet: DevnetProcess,
  redisUrl: string,
  options: Partial<ProviderPoolOptions>,
  peerEvidence: boolean,
): Promise<RoundResult> {
  await resetProviders(devnet)
  const keyPrefix = `bench-${Math.random().toString(36).slice(2, 8)}:`
  const log = createKillLog(devnet.manifest.providers)
  const instances: RunningChainPulse[] = []
  try {
    for (const instance of INSTANCES)
      instances.push(
        await startChainPulse({
          pool: {
            ...poolOverDevnet(devnet.manifest),
            strategy: 'round-robin',
            racing: false,
            coalescing: false,
            requestTimeoutMs: 2_000,
            fetch: log.fetch(instance),
            ...options,
          },
          server: {
            logLevel: 'silent',
            rateLimit: false,
            cache: false,
            cluster: {
              redisUrl,
              instanceId: instance,
              heartbeatIntervalMs: 500,
              keyPrefix,
              ...(peerEvidence ? {} : { peerEvidence: false as const }),
            },
          },
          logger: false,
          listen: { port: 0, host: '127.0.0.1' },
        }),
      )
    for (const [index, server] of instances.entries())
      server.pool.pubsub.subscribe('provider_pool:events', log.verdicts(INSTANCES[index]!))
    await waitFor(() => instances.every((server) => server.cluster?.redisStatus().pubsub.connected), {
      what: 'every instance on the Redis channel',
      timeoutMs: 10_000,
    })

    let failed = 0
    let killedAt: number | undefined
    const traffic = async (server: RunningChainPulse, killer: boolean) => {
      let sent = 0
      let answered = 0
      const worker = async () => {
        while (
          sent < 20 * READS &&
          (sent < READS || killedAt === undefined || performance.now() - killedAt < AFTER_KILL_MS)
        ) {
          sent++
          const response = await fetch(`${server.url}/rpc/ethereum`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ jsonrpc: '2.0', id: sent, method: CLIENT_METHOD }),
          }).catch(() => undefined)
          const body = (await response?.json().catch(() => undefined)) as { error?: unknown } | undefined
          if (response?.status !== 200 || body?.error !== undefined) failed++
          if (killer && ++answered === KILL_AFTER) {
            log.killed('A', DEAD)
            await devnet.kill(DEAD)
            killedAt = performance.now()
          }
        }
      }
      await Promise.all(Array.from({ length: WORKERS_PER_INSTANCE }, worker))
    }
    await Promise.all(instances.map((server, index) => traffic(server, index === 0)))

    const afterVerdict = log.afterFirstVerdict(DEAD, CLIENT_METHOD)
    if (!afterVerdict) throw new Error('no instance judged the killed provider')
    return { callsAfterVerdict: afterVerdict.callsAfterVerdict, failed }
  } finally {
    await Promise.all(instances.map((server) => server.close()))
  }
}

export const clusterDeadProviderSuite: BenchSuite = {
  id: 'cluster-dead-provider',
  title: 'Cluster: requests sent to a dead provider, with and without shared observations',
  async run() {
    const [devnet, redis] = await Promise.all([spawnDevnetWith(threeProviderDevnet), startRedisServer()])
    const subjects = JUDGING.flatMap((judging) =>
      [true, false].map((peerEvidence) => ({
        name: `${judging.name}, peer evidence ${peerEvidence ? 'on (default)' : 'off (baseline)'}`,
        peerEvidence,
        options: judging.options,
        rounds: [] as RoundResult[],
      })),
    )
    try {
      for (let index = 0; index < ROUNDS; index++)
        for (const subject of subjects)
          subject.rounds.push(await round(devnet, redis.url, subject.options, subject.peerEvidence))
    } finally {
      await Promise.all([devnet.stop(), redis.stop()])
    }
    const worstWith = Math.max(
      ...subjects
        .filter((subject) => subject.peerEvidence)
        .flatMap((subject) => subject.rounds.map((r) => r.callsAfterVerdict)),
    )
    const rows: BenchRow[] = subjects.map((subject) => {
      const calls = subject.rounds.map((result) => result.callsAfterVerdict)
      return {
        subject: subject.name,
        figures: {
          'calls after the first verdict (per round)': calls.map((count) => formatNumber(count)).join(', '),
          median: formatNumber(percentile(calls, 50)),
          max: formatNumber(Math.max(...calls)),
          'client calls failed': formatNumber(subject.rounds.reduce((sum, result) => sum + result.failed, 0)),
        },
      }
    })
    return {
      rows,
      target: `with peer evidence, the other instances send the dead provider < ${TARGET_CALLS} client calls in total after the first instance's verdict, every round (measured: at most ${formatNumber(worstWith)})`,
      met: worstWith < TARGET_CALLS,
      notes: [
        `Three \`startChainPulse\` servers in cluster mode in the benchmark process, one redis-server on loopback, one devnet (three anvil-backed providers, well-behaved) in its own process. Pool: round-robin, no racing, no coalescing (each client read is one upstream call), 2 s request timeout, no response cache, no rate limit. Each instance gets at least ${READS} \`${CLIENT_METHOD}\` reads over HTTP, ${WORKERS_PER_INSTANCE} at a time; \`${DEAD}\` is killed once A has answered ${KILL_AFTER}, and the traffic goes on for ${AFTER_KILL_MS / 1_000} s at least after that. Upstream calls are recorded by each pool's \`fetch\`.`,
        `Counted: \`${CLIENT_METHOD}\` calls to the killed provider by the instances other than the one that judged it first (its first-hand \`unhealthy\` or \`circuit_open\` event, not one following a peer), after that verdict. ${ROUNDS} rounds per subject, subjects alternating, fresh servers each round. The baseline is the same cluster with \`cluster.peerEvidence: false\`: events still flow through Redis, but each instance judges the provider by its own calls only.`,
        'Where health probes run every 500 ms, the baseline is already low (each instance probes the dead provider itself within half a second or so, and stops sending it at its own verdict); where breakers judge alone, each instance must first fail its own calls on it, which is what shared observations save.',
      ],
    }
  },
}
