import type { ProviderPoolOptions } from '@chainpulse/core'
import { type Devnet, startDevnet } from '@chainpulse/devnet'
import {
  createKillLog,
  poolOverDevnet,
  resetProviders,
  threeProviderDevnet,
} from '@chainpulse/devnet/testing'
import { type RedisServer, startRedisServer, waitFor } from '@chainpulse/redis/testing'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type RunningChainPulse, startChainPulse } from '../start-chainpulse.js'

// Issue 17's measurement at the server level: three `chainpulse serve` instances in cluster mode over one
// real redis-server and one devnet's three anvil-backed providers. Client traffic flows through all three
// over HTTP when one provider is killed; what counts is how many client calls the other instances send
// the dead provider after the first instance's verdict on it (their evidence reaches them through Redis).
// The pool-level version, with an in-memory bus for Redis, is core's peer-evidence.devnet.test.ts.

let devnet: Devnet
let redis: RedisServer
const DEAD = 'ethereum-bravo'
/** The client reads: a method no probe uses, so every upstream call of it is a client call. */
const CLIENT_METHOD = 'net_version'
const INSTANCES = ['A', 'B', 'C'] as const
/** Most reads one instance is sent, whatever happens, so the traffic ends even if the kill never comes. */
const MAX_READS = 3_000

beforeAll(async () => {
  ;[devnet, redis] = await Promise.all([startDevnet(threeProviderDevnet), startRedisServer()])
})
afterAll(async () => {
  await Promise.all([devnet?.stop(), redis?.stop()])
})
beforeEach(() => resetProviders(devnet))

const running: RunningChainPulse[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((instance) => instance.close()))
})

/**
 * Three instances under HTTP traffic (each sent at least `reads` client reads, 4 at a time), the dead
 * provider killed once A has answered 60, the traffic kept up for 2 s at least after that. Returns the
 * client calls the instances other than the first judge sent it after that first-hand verdict.
 */
async function killUnderTraffic(judging: Partial<ProviderPoolOptions>, reads = 200) {
  const keyPrefix = `dead-${Math.random().toString(36).slice(2, 8)}:`
  const log = createKillLog(devnet.manifest.providers)
  const instances = await Promise.all(
    INSTANCES.map((instance) =>
      startChainPulse({
        pool: {
          ...poolOverDevnet(devnet.manifest),
          strategy: 'round-robin',
          racing: false,
          // Every read its own upstream call, so each instance's rotation reaches the dead provider often.
          coalescing: false,
          requestTimeoutMs: 5_000,
          // The recording front: which instance sent which provider what.
          fetch: log.fetch(instance),
          ...judging,
        },
        server: {
          logLevel: 'silent',
          rateLimit: false,
          cache: false,
          cluster: { redisUrl: redis.url, instanceId: instance, heartbeatIntervalMs: 500, keyPrefix },
        },
        logger: false,
        listen: { port: 0, host: '127.0.0.1' },
      }),
    ),
  )
  running.push(...instances)
  for (const [index, server] of instances.entries())
    server.pool.pubsub.subscribe('provider_pool:events', log.verdicts(INSTANCES[index]!))
  await Promise.all(
    instances.map((server) =>
      waitFor(() => server.cluster?.redisStatus().pubsub.connected === true, {
        what: 'events through Redis',
      }),
    ),
  )

  const failed: string[] = []
  let killedAt: number | undefined
  const traffic = async (server: RunningChainPulse, onAnswered?: (answered: number) => Promise<void>) => {
    let sent = 0
    let answered = 0
    const worker = async () => {
      while (
        sent < MAX_READS &&
        (sent < reads || killedAt === undefined || performance.now() - killedAt < 2_000)
      ) {
        sent++
        const response = await fetch(`${server.url}/rpc/ethereum`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', id: sent, method: CLIENT_METHOD }),
        })
        const body = (await response.json()) as { error?: { message?: string } }
        if (response.status !== 200 || body.error)
          failed.push(body.error?.message ?? `HTTP ${response.status}`)
        await onAnswered?.(++answered)
      }
    }
    await Promise.all(Array.from({ length: 4 }, worker))
  }
  const killAt60 = async (answered: number) => {
    if (answered !== 60) return
    log.killed('A', DEAD)
    await devnet.provider(DEAD).kill()
    killedAt = performance.now()
  }
  await Promise.all(instances.map((server, index) => traffic(server, index === 0 ? killAt60 : undefined)))

  const afterVerdict = log.afterFirstVerdict(DEAD, CLIENT_METHOD)
  expect(afterVerdict, 'a first-hand verdict on the killed provider').toBeDefined()
  return { failed, ...afterVerdict! }
}

describe.each([
  // A dead port refuses at once; the generous timeout only keeps a busy machine's slow answers from
  // taking healthy providers out (and failing client calls).
  ['health probes judge', { healthCheck: { intervalMs: 500, timeoutMs: 2_000 } }],
  [
    'breakers judge (no health probes)',
    { healthCheck: false as const, breaker: { failureThreshold: 3, halfOpenAfterMs: 300 } },
  ],
])(
  'a provider killed while traffic flows through three clustered servers over Redis, %s',
  (name, judging) => {
    // Generous: a busy machine runs the reads slowly; the count does not depend on it.
    it("the other instances send it fewer than 5 client calls in total after the first instance's verdict", {
      timeout: 120_000,
    }, async () => {
      const { failed, judge, callsAfterVerdict } = await killUnderTraffic(judging)
      console.info(`${name}: ${callsAfterVerdict} calls after ${judge}'s verdict`)
      // Failover hides the dead provider from every client.
      expect(failed.slice(0, 3), `${failed.length} client calls failed`).toEqual([])
      expect(callsAfterVerdict).toBeLessThan(5)
    })
  },
)
