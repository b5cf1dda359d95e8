import { type Devnet, startDevnet } from '@chainpulse/devnet'
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
const ids = ['ethereum-alpha', 'ethereum-bravo', 'ethereum-charlie'] as const
const DEAD = 'ethereum-bravo'
/** The client reads: a method no probe uses, so every call of it is a client call. */
const CLIENT_METHOD = 'net_version'
const INSTANCES = ['A', 'B', 'C'] as const
/**
 * Most reads one instance sends, whatever happens: the traffic ends even if the kill never comes or the
 * test times out and its pools close under it (a loop of instant rejections would otherwise never end).
 */
const MAX_READS = 5_000
/** Well-behaved providers (the devnet's own personalities inject errors, hangs and lag). */
const neutral = {
  latencyMs: 0,
  jitterMs: 0,
  errorRate: 0,
  hangRate: 0,
  lagBlocks: 0,
  wsDelayMs: 0,
  wsJitterMs: 0,
  wsDropRate: 0,
  mode: 'up' as const,
}

beforeAll(async () => {
  devnet = await startDevnet({
    seed: 7,
    chains: [{ name: 'ethereum', blockTimeMs: 200, providers: 3, traffic: false }],
  })
})
afterAll(async () => {
  await devnet?.stop()
})
beforeEach(async () => {
  for (const id of ids) {
    await devnet.provider(id).revive()
    await devnet.provider(id).set(neutral)
  }
})

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
  const byUrl = new Map(devnet.manifest.providers.map((provider) => [provider.httpUrl, provider.id]))
  /** Every upstream call and provider event of every instance, in the order they happened. */
  const log: {
    instance: string
    kind: 'call' | 'verdict' | 'killed'
    providerId: string
    method?: string
  }[] = []
  const cluster = INSTANCES.map((instance) => {
    const pool = createProviderPool({
      chains: [{ name: 'ethereum', chainId: 1 }],
      providers: devnet.manifest.providers.map((provider) => ({
        id: provider.id,
        chain: 'ethereum',
        httpUrl: provider.httpUrl,
      })),
      strategy: 'round-robin',
      racing: false,
      // Every read its own upstream call, so each instance's rotation reaches the dead provider often.
      coalescing: false,
      requestTimeoutMs: 2_000,
      pubsub: createPubSub<ChainPulseTopics>({ adapter: bus.createAdapter(instance) }),
      ...(followPeers ? { peerEvidence: createPeerEvidence() } : {}),
      fetch: (url, init) => {
        const body = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined
        log.push({ instance, kind: 'call', providerId: byUrl.get(url) ?? url, method: body?.method })
        return fetch(url, init)
      },
      ...options,
    })
    pool.pubsub.subscribe('provider_pool:events', (event, _topic, origin) => {
      // This instance's own first-hand verdicts: not a peer's (origin), not one following a peer (viaPeer).
      if (origin !== undefined || event.viaPeer !== undefined) return
      if (event.type === 'unhealthy' || event.type === 'circuit_open')
        log.push({ instance, kind: 'verdict', providerId: event.providerId })
    })
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
    log.push({ instance: 'A', kind: 'killed', providerId: DEAD })
    await devnet.provider(DEAD).kill()
    killedAt = performance.now()
  }
  await Promise.all(cluster.map(({ instance, pool }) => traffic(pool, instance === 'A' ? killed : undefined)))

  const kill = log.findIndex((entry) => entry.kind === 'killed')
  const first = log.findIndex(
    (entry, index) => index > kill && entry.kind === 'verdict' && entry.providerId === DEAD,
  )
  expect(first).toBeGreaterThanOrEqual(0)
  const judge = log[first]!.instance
  const callsAfterVerdict = log
    .slice(first + 1)
    .filter(
      (entry) =>
        entry.kind === 'call' &&
        entry.providerId === DEAD &&
        entry.method === CLIENT_METHOD &&
        entry.instance !== judge,
    ).length
  return { failed, judge, callsAfterVerdict }
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
