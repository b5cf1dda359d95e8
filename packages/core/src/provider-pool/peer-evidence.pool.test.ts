import { afterEach, describe, expect, it } from 'vitest'
import { createFakeClock, type FakeClock } from '../clock/fake-clock.js'
import { createInMemoryBus, type InMemoryBus } from '../pubsub/in-memory-bus.js'
import { createPubSub } from '../pubsub/pubsub.js'
import type { ChainPulseTopics, ProviderPoolEvent } from '../pubsub/topics.js'
import { createMockChain } from '../testing/mock-chain.js'
import { createMockProvider, type MockProvider } from '../testing/mock-provider.js'
import { advanceInSteps, settleOnClock } from '../testing/run-clock.js'
import { createPeerEvidence, type PeerEvidenceOptions } from './chain/peer-evidence.js'
import type { ProviderPoolOptions } from './options.js'
import { createProviderPool } from './provider-pool.js'
import type { ProviderPool } from './types.js'

// Shared provider observations (issue 17): three pools, playing three server instances A, B and C, over
// the same providers a, b and c (priority a first), their PubSubs joined by an in-memory bus standing in
// for Redis. Each instance reaches each provider through a mock of its own, all serving one mock chain,
// so "provider a dies" is every instance's mock of a going down, and each instance's calls are its own.

/** Wall-clock epoch ms of fake-clock time 0. */
const EPOCH = 1_700_000_000_000
/** A client method no probe uses: calls of it are client calls. */
const CLIENT_METHOD = 'net_version'

interface Instance {
  id: string
  pool: ProviderPool
  providers: Record<'a' | 'b' | 'c', MockProvider>
  /** The events this instance published. */
  events: ProviderPoolEvent[]
}

let pools: ProviderPool[] = []
afterEach(async () => {
  await Promise.all(pools.map((pool) => pool.close()))
  pools = []
})

/** Three instances over one bus; each pool follows its peers with `peers` (`false`: it does not). */
function cluster(
  peers: PeerEvidenceOptions | false = {},
  options: Partial<ProviderPoolOptions> = {},
): {
  clock: FakeClock
  bus: InMemoryBus
  instances: Record<'A' | 'B' | 'C', Instance>
} {
  const clock = createFakeClock()
  const chain = createMockChain({ clock, chainId: 1 })
  chain.mine(3)
  const bus = createInMemoryBus()
  const instance = (id: string): Instance => {
    const providers = {
      a: createMockProvider({ chain, clock, id: 'a', subscriptions: false }),
      b: createMockProvider({ chain, clock, id: 'b', subscriptions: false }),
      c: createMockProvider({ chain, clock, id: 'c', subscriptions: false }),
    }
    const pool = createProviderPool({
      chains: [{ name: 'ethereum', chainId: 1 }],
      providers: (['a', 'b', 'c'] as const).map((providerId, priority) => ({
        id: providerId,
        chain: 'ethereum',
        upstream: providers[providerId],
        priority,
      })),
      strategy: 'priority',
      clock,
      wallClock: () => EPOCH + clock.now(),
      pubsub: createPubSub<ChainPulseTopics>({ adapter: bus.createAdapter(id) }),
      racing: false,
      // Probes on a rare round, so every probe in these tests is one something prompted.
      healthCheck: { intervalMs: 60_000, timeoutMs: 500 },
      hedge: false,
      headPollIntervalMs: 60_000,
      ...(peers === false ? {} : { peerEvidence: createPeerEvidence(peers) }),
      ...options,
    })
    pools.push(pool)
    const events: ProviderPoolEvent[] = []
    // This instance's own events only (a peer's arrive with its id as their origin).
    pool.pubsub.subscribe('provider_pool:events', (event, _topic, origin) => {
      if (origin === undefined) events.push(event)
    })
    return { id, pool, providers, events }
  }
  return { clock, bus, instances: { A: instance('A'), B: instance('B'), C: instance('C') } }
}

const read = (clock: FakeClock, instance: Instance) =>
  settleOnClock(clock, instance.pool.request({ chain: 'ethereum', method: CLIENT_METHOD }))

const health = (instance: Instance, providerId: string) =>
  instance.pool.providers().find((provider) => provider.id === providerId)

/** First-hand events (no `viaPeer`) of `type` about `providerId`, as every instance heard them. */
const firstHand = (bus: InMemoryBus, type: ProviderPoolEvent['type'], providerId: string) =>
  bus.sent.filter((message) => {
    const event = message.payload as ProviderPoolEvent
    return (
      message.topic === 'provider_pool:events' &&
      event.type === type &&
      event.providerId === providerId &&
      event.viaPeer === undefined
    )
  })

describe('peer evidence across three instances', () => {
  it("after one instance finds a provider down, the others send it no client call: a peer's verdict holds it out until their own probe has judged it", async () => {
    const { clock, bus, instances } = cluster()
    const { A, B, C } = instances
    await advanceInSteps(clock, 10) // the first probe rounds
    for (const instance of [A, B, C]) instance.providers.a.set({ mode: 'down' })

    // A's client call finds a refusing: it fails over to b, and A's probe finds a down.
    expect((await read(clock, A)).providerId).toBe('b')
    await advanceInSteps(clock, 10)
    expect(health(A, 'a')?.health).toBe('down')
    expect(firstHand(bus, 'unhealthy', 'a')).toHaveLength(1)

    // B and C held a out the moment they heard, saying why, and probed it themselves.
    for (const instance of [B, C]) {
      expect(instance.events.filter((event) => event.providerId === 'a')).toContainEqual(
        expect.objectContaining({
          type: 'unhealthy',
          viaPeer: 'A',
          detail: expect.stringMatching(/^down: peer A saw it down at \d{4}-/),
        }),
      )
      expect(health(instance, 'a')?.health).toBe('down')
      expect(instance.providers.a.calls('eth_blockNumber')).toBeGreaterThan(0)
    }
    const before = [B, C].map((instance) => instance.providers.a.calls(CLIENT_METHOD))
    for (let i = 0; i < 10; i++)
      for (const instance of [B, C]) expect((await read(clock, instance)).providerId).toBe('b')
    expect([B, C].map((instance) => instance.providers.a.calls(CLIENT_METHOD))).toEqual(before)
    expect(before).toEqual([0, 0])

    // Their own probes found it down too: their own verdicts, not echoed as fresh observations.
    expect(health(B, 'a')?.downReason).toMatch(/connection refused/)
    expect(firstHand(bus, 'unhealthy', 'a')).toHaveLength(1)
  })

  it("keeps its own judgement: a provider a peer saw down that answers this instance's probe is back in rotation at once", async () => {
    const { clock, bus, instances } = cluster()
    const { A, B, C } = instances
    await advanceInSteps(clock, 10)
    // Only A's way to a is broken (a network partition, a firewall): a answers B and C.
    A.providers.a.set({ mode: 'down' })
    await read(clock, A)
    await advanceInSteps(clock, 10)
    expect(health(A, 'a')?.health).toBe('down')

    for (const [instance, other] of [
      [B, C],
      [C, B],
    ] as const) {
      // Held out on A's word only until its own probe, sent at once, found a answering (or the other's
      // did first and said so: that recovery ends the evidence too, and this says whose it was).
      expect(
        instance.events
          .filter((event) => event.providerId === 'a')
          .map((event) => [event.type, event.viaPeer ?? 'first-hand']),
      ).toEqual([
        ['unhealthy', 'A'],
        ['healthy', expect.toBeOneOf(['first-hand', other.id])],
      ])
      expect(instance.providers.a.calls('eth_blockNumber')).toBeGreaterThan(0)
      expect(health(instance, 'a')?.health).toBe('healthy')
      expect((await read(clock, instance)).providerId).toBe('a')
    }
    // B and C each told the others a is healthy (first-hand: their probes saw it); A, still finding it
    // down, stays down, and announces nothing again: the traffic ends there.
    expect(firstHand(bus, 'healthy', 'a').length).toBeLessThanOrEqual(2)
    const sent = bus.sent.length
    await advanceInSteps(clock, 5_000)
    expect(bus.sent.length).toBe(sent)
    expect(health(A, 'a')?.health).toBe('down')
  })

  it("a peer's recovery has an instance that found the provider down probe it at once, not at its next round", async () => {
    const { clock, bus, instances } = cluster()
    const { A, B, C } = instances
    await advanceInSteps(clock, 10)
    for (const instance of [A, B, C]) instance.providers.a.set({ mode: 'down' })
    await read(clock, A)
    await advanceInSteps(clock, 2_000)
    for (const instance of [A, B, C]) expect(health(instance, 'a')?.health).toBe('down')

    // a is back, and a fourth instance, X, saw it first; A, B and C would wait a minute for their rounds.
    for (const instance of [A, B, C]) instance.providers.a.set({ mode: 'up' })
    const X = createPubSub<ChainPulseTopics>({ adapter: bus.createAdapter('X') })
    X.publish('provider_pool:events', {
      ts: EPOCH + clock.now(),
      chain: 'ethereum',
      providerId: 'a',
      type: 'healthy',
    })
    await advanceInSteps(clock, 10)
    for (const instance of [A, B, C]) {
      expect(health(instance, 'a')?.health).toBe('healthy')
      expect((await read(clock, instance)).providerId).toBe('a')
    }
    X.dispose()
  })

  it('a flood of peer verdicts costs one probe per provider per interval, never two at once', async () => {
    const { clock, bus, instances } = cluster({ probeIntervalMs: 1_000 })
    const { B } = instances
    await advanceInSteps(clock, 10)
    const probes = () => B.providers.a.calls('eth_blockNumber') + B.providers.a.calls('eth_chainId')
    const before = probes()
    // A lying (or confused) peer X says a is down every 10 ms for 2.5 s; a answers B's probes slowly.
    B.providers.a.set({ latencyMs: 300 })
    const X = createPubSub<ChainPulseTopics>({ adapter: bus.createAdapter('X') })
    for (let elapsed = 0; elapsed < 2_500; elapsed += 10) {
      X.publish('provider_pool:events', {
        ts: EPOCH + clock.now(),
        chain: 'ethereum',
        providerId: 'a',
        type: 'unhealthy',
      })
      await advanceInSteps(clock, 10)
    }
    // At t = 0, 1 000 and 2 000 ms after the flood began: three probes, each answered (no retry).
    expect(probes() - before).toBe(3)
    X.dispose()
  })

  it("applies a peer's cooldown for the time it has left (rate limits are per API key), without echoing it", async () => {
    const { clock, bus, instances } = cluster()
    const { A, B, C } = instances
    await advanceInSteps(clock, 10)
    for (const instance of [A, B, C])
      instance.providers.a.set({
        errorRate: 1,
        errorMix: { serverError: 0, rateLimit: 1, rpcError: 0, malformed: 0 },
        retryAfterSeconds: 5,
      })
    expect((await read(clock, A)).providerId).toBe('b')
    const cooldowns = firstHand(bus, 'cooldown_start', 'a').map(
      (message) => message.payload as ProviderPoolEvent,
    )
    expect(cooldowns).toHaveLength(1)
    const until = cooldowns[0]?.until ?? Number.NaN
    // Its end in epoch ms: A's own cooldown end (on A's clock) plus the epoch of A's clock's zero.
    expect(until).toBe(EPOCH + (health(A, 'a')?.cooldownUntil ?? Number.NaN))
    await advanceInSteps(clock, 1_000)
    for (const instance of [B, C]) {
      expect(health(instance, 'a')).toMatchObject({ health: 'cooldown', cooldownUntil: until - EPOCH })
      expect(instance.events).toContainEqual(
        expect.objectContaining({ type: 'cooldown_start', viaPeer: 'A', until }),
      )
      expect((await read(clock, instance)).providerId).toBe('b')
      expect(instance.providers.a.calls(CLIENT_METHOD)).toBe(0)
    }
    // Once over (A's Retry-After), a is back everywhere; one first-hand cooldown in all, never restarted.
    for (const instance of [A, B, C]) instance.providers.a.set({ errorRate: 0 })
    await advanceInSteps(clock, 4_100)
    for (const instance of [A, B, C]) expect(health(instance, 'a')?.health).toBe('healthy')
    expect(firstHand(bus, 'cooldown_start', 'a')).toHaveLength(1)
    expect(firstHand(bus, 'healthy', 'a')).toHaveLength(1) // A's own
  })

  it("never outlives the freshness window: without probes to judge, a peer's verdict holds maxAgeMs after the peer's observation", async () => {
    const { clock, instances } = cluster(
      { maxAgeMs: 3_000 },
      { healthCheck: false, breaker: { failureThreshold: 1, halfOpenAfterMs: 60_000 } },
    )
    const { A, B } = instances
    A.providers.a.set({ mode: 'down' })
    expect((await read(clock, A)).providerId).toBe('b') // A's breaker opens on a
    expect(health(A, 'a')?.breaker).toBe('open')
    expect(health(B, 'a')).toMatchObject({
      health: 'down',
      downReason: expect.stringMatching(/^peer A saw its circuit open at /),
    })
    expect((await read(clock, B)).providerId).toBe('b')
    await advanceInSteps(clock, 3_000)
    expect(health(B, 'a')?.health).toBe('healthy')
    expect((await read(clock, B)).providerId).toBe('a')
  })

  it("never fails a call on peers' word: with every provider held out, the call is routed as if none were", async () => {
    const { clock, bus, instances } = cluster({}, { healthCheck: false })
    const { B } = instances
    const X = createPubSub<ChainPulseTopics>({ adapter: bus.createAdapter('X') })
    for (const providerId of ['a', 'b', 'c'])
      X.publish('provider_pool:events', {
        ts: EPOCH + clock.now(),
        chain: 'ethereum',
        providerId,
        type: 'unhealthy',
      })
    expect(B.pool.providers().map((provider) => provider.health)).toEqual(['down', 'down', 'down'])
    expect((await read(clock, B)).providerId).toBe('a')
    // A peer saw c recover: with one provider left to prefer, the call goes there.
    X.publish('provider_pool:events', {
      ts: EPOCH + clock.now(),
      chain: 'ethereum',
      providerId: 'c',
      type: 'healthy',
    })
    expect((await read(clock, B)).providerId).toBe('c')
    X.dispose()
  })

  it('ignores stale observations, and ones that follow a peer', async () => {
    const { clock, bus, instances } = cluster({ maxAgeMs: 3_000 })
    const { B } = instances
    await advanceInSteps(clock, 10_000)
    const X = createPubSub<ChainPulseTopics>({ adapter: bus.createAdapter('X') })
    const event = { chain: 'ethereum', providerId: 'a', type: 'unhealthy' } as const
    X.publish('provider_pool:events', { ...event, ts: EPOCH + clock.now() - 3_001 })
    X.publish('provider_pool:events', { ...event, ts: EPOCH + clock.now(), viaPeer: 'Y' })
    expect(health(B, 'a')?.health).toBe('healthy')
    X.dispose()
  })

  it('does nothing without peerEvidence: each instance finds the dead provider itself', async () => {
    const { clock, instances } = cluster(false)
    const { A, B, C } = instances
    await advanceInSteps(clock, 10)
    for (const instance of [A, B, C]) instance.providers.a.set({ mode: 'down' })
    await read(clock, A)
    await advanceInSteps(clock, 10)
    expect(health(A, 'a')?.health).toBe('down')
    for (const instance of [B, C]) {
      expect(health(instance, 'a')?.health).toBe('healthy')
      await read(clock, instance)
      expect(instance.providers.a.calls(CLIENT_METHOD)).toBe(1)
    }
  })
})
