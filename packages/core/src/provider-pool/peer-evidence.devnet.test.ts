import { type Devnet, startDevnet } from '@chainpulse/devnet'
import {
  createKillLog,
  poolOverDevnet,
  resetProviders,
  threeProviderDevnet,
} from '@chainpulse/devnet/testing'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createInMemoryBus } from '../pubsub/in-memory-bus.js'
import { createPubSub } from '../pubsub/pubsub.js'
import type { ChainPulseTopics } from '../pubsub/topics.js'
import { createPeerEvidence } from './chain/peer-evidence.js'
import type { ProviderPoolOptions } from './options.js'
import { createProviderPool } from './provider-pool.js'
import type { ProviderPool } from './types.js'

// Shared provider observations against real anvil nodes (issue 17): three pools, playing three server
// instances, over one devnet's three providers, their PubSubs joined by an in-memory bus standing in for
// Redis. Traffic flows through all three when one provider is killed; what counts is how many client
// calls the other instances send the dead provider after the first instance's verdict on it.

let devnet: Devnet
const DEAD = 'ethereum-bravo'
/** The client reads: a method no probe uses, so every call of it is a client call. */
const CLIENT_METHOD = 'net_version'
const INSTANCES = ['A', 'B', 'C'] as const
/**
 * Most reads one instance sends, whatever happens: the traffic ends even if the kill never comes or the
 * test times out and its pools close under it (a loop of instant rejections would otherwise never end).
 */
const MAX_READS = 5_000

beforeAll(async () => {
  devnet = await startDevnet(threeProviderDevnet)
})
afterAll(async () => {
  await devnet?.stop()
})
beforeEach(() => resetProviders(devnet))

let pools: ProviderPool[] = []
afterEach(async () => {
  await Promise.all(pools.map((pool) => pool.close()))
  pools = []
})

/**
 * Three instances under traffic (each at least `reads` client reads, 4 at a time, round-robin), the dead
 * provider killed once A has done 60, and the traffic kept up for `afterKillMs` at least after that (so
 * the count does not depend on how fast this machine runs the reads). Returns the client calls B and C sent it after the first first-hand verdict
 * on it (`unhealthy` or `circuit_open`, whichever instance made it), and that instance.
 */
async function killUnderTraffic(
  options: Partial<ProviderPoolOptions>,
  followPeers = true,
  reads = 300,
  afterKillMs = 2_000,
) {
  const bus = createInMemoryBus()
  const log = createKillLog(devnet.manifest.providers)
  const cluster = INSTANCES.map((instance) => {
    const pool = createProviderPool({
      ...poolOverDevnet(devnet.manifest),
      strategy: 'round-robin',
      racing: false,
      // Every read its own upstream call, so each instance's rotation reaches the dead provider often.
      coalescing: false,
      requestTimeoutMs: 2_000,
      pubsub: createPubSub<ChainPulseTopics>({ adapter: bus.createAdapter(instance) }),
      ...(followPeers ? { peerEvidence: createPeerEvidence() } : {}),
      fetch: log.fetch(instance),
      ...options,
    })
    pool.pubsub.subscribe('provider_pool:events', log.verdicts(instance))
    pools.push(pool)
    return { instance, pool }
  })

  const failed: unknown[] = []
  let killedAt: number | undefined
  const traffic = async (pool: ProviderPool, onProgress?: (done: number) => Promise<void>) => {
    let started = 0
    let done = 0
    const worker = async () => {
      const wanted = () =>
        started < reads || killedAt === undefined || performance.now() - killedAt < afterKillMs
      while (started < MAX_READS && wanted()) {
        started++
        await pool.request({ chain: 'ethereum', method: CLIENT_METHOD }).catch((error) => failed.push(error))
        await onProgress?.(++done)
      }
    }
    await Promise.all(Array.from({ length: 4 }, worker))
  }
  const killed = async (done: number) => {
    if (done !== 60) return
    log.killed('A', DEAD)
    await devnet.provider(DEAD).kill()
    killedAt = performance.now()
  }
  await Promise.all(cluster.map(({ instance, pool }) => traffic(pool, instance === 'A' ? killed : undefined)))

  const afterVerdict = log.afterFirstVerdict(DEAD, CLIENT_METHOD)
  expect(afterVerdict, 'a first-hand verdict on the killed provider').toBeDefined()
  return { failed, ...afterVerdict! }
}

describe.each([
  ['with health probes', { healthCheck: { intervalMs: 500, timeoutMs: 500 } }],
  [
    'without health probes (breakers judge)',
    { healthCheck: false as const, breaker: { failureThreshold: 3, halfOpenAfterMs: 300 } },
  ],
])('a provider killed while traffic flows through three instances, %s', (_, judging) => {
  // Generous: a busy machine runs the reads slowly; the counts do not depend on it.
  it("the other instances send it fewer than 5 client calls in total after the first instance's verdict", {
    timeout: 90_000,
  }, async () => {
    const { failed, judge, callsAfterVerdict } = await killUnderTraffic(judging)
    console.info(`peer evidence on, ${_}: ${callsAfterVerdict} calls after ${judge}'s verdict`)
    expect(failed).toEqual([])
    expect(callsAfterVerdict).toBeLessThan(5)
  })

  it('without peer evidence, each instance finds it dead by itself (for comparison)', {
    timeout: 90_000,
  }, async () => {
    const { failed, judge, callsAfterVerdict } = await killUnderTraffic(judging, false)
    console.info(`peer evidence off, ${_}: ${callsAfterVerdict} calls after ${judge}'s verdict`)
    expect(failed).toEqual([])
  })
})
