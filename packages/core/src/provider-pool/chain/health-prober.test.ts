import { describe, expect, it } from 'vitest'
import { createMockChain } from '../../testing/mock-chain.js'
import { createMockProvider } from '../../testing/mock-provider.js'
import { advanceInSteps, settleOnClock } from '../../testing/run-clock.js'
import { setup } from '../mock-pool-setup.js'

/** Every injected error a 429 (with `errorRate: 1`: every call rate-limited). */
const rateLimitsOnly = { serverError: 0, rateLimit: 1, rpcError: 0, malformed: 0 }

// Background health probes, through a pool over mock providers on a fake clock.

const PROBES = { healthCheck: { intervalMs: 1_000, timeoutMs: 500 } } as const

describe('health probes', () => {
  it('finds an unreachable provider down within one interval, and sends it no client request', async () => {
    const { clock, pool, providers, events } = setup(PROBES)
    providers.b.set({ mode: 'down' })
    await advanceInSteps(clock, 1_000)
    expect(pool.providers()[1]).toMatchObject({
      id: 'b',
      health: 'down',
      breaker: 'closed',
      downReason: expect.stringContaining('connection refused'),
    })
    expect(
      events.filter((event) => event.providerId === 'b').map((event) => [event.type, event.detail]),
    ).toEqual([['unhealthy', expect.stringMatching(/^down: .*connection refused/)]])
    pool.cooldown('a', 60_000)
    const calls = providers.b.calls()
    const answer = await settleOnClock(clock, pool.request({ chain: 'ethereum', method: 'eth_chainId' }))
    expect(answer.providerId).toBe('c')
    // Only probes reach it (one a round at most).
    expect(providers.b.calls() - calls).toBeLessThanOrEqual(1)
    expect(providers.b.calls('eth_chainId') + providers.b.calls('eth_blockNumber')).toBe(providers.b.calls())
  })

  it('probes a provider at once when a client call gets no answer from it: down long before the next round', async () => {
    const { clock, pool, providers } = setup({ healthCheck: { intervalMs: 60_000, timeoutMs: 500 } })
    await advanceInSteps(clock, 10)
    expect(pool.providers().map((provider) => provider.health)).toEqual(['healthy', 'healthy', 'healthy'])
    providers.a.set({ mode: 'down' })
    const answer = await settleOnClock(clock, pool.request({ chain: 'ethereum', method: 'eth_chainId' }))
    expect(answer.providerId).toBe('b')
    await advanceInSteps(clock, 10)
    expect(pool.providers()[0]).toMatchObject({ health: 'down', breaker: 'closed' })
    // The next call goes straight to b: a is out of rotation, found by a probe, not by failing calls.
    const callsOfA = providers.a.calls()
    await settleOnClock(clock, pool.request({ chain: 'ethereum', method: 'eth_chainId' }))
    expect(providers.a.calls()).toBe(callsOfA)
  })

  it('probes a provider at once when its stream drops, though it answered calls moments ago', async () => {
    const { clock, pool, providers } = setup(
      { healthCheck: { intervalMs: 60_000, timeoutMs: 500 }, racing: true },
      undefined,
      true,
    )
    await advanceInSteps(clock, 10)
    await settleOnClock(clock, pool.request({ chain: 'ethereum', method: 'eth_chainId' }))
    providers.a.set({ mode: 'down' })
    providers.a.dropSubscriptions()
    await advanceInSteps(clock, 10)
    expect(pool.providers()[0]?.health).toBe('down')
    // A stream that drops while its provider still answers leaves it in rotation.
    providers.b.dropSubscriptions()
    await advanceInSteps(clock, 10)
    expect(pool.providers()[1]?.health).toBe('healthy')
  })

  it('probes a provider that lost a hedged read: one that hangs is down long before the next round', async () => {
    const { clock, pool, providers } = setup({
      healthCheck: { intervalMs: 60_000, timeoutMs: 500 },
      hedge: { delayMs: 50 },
    })
    await advanceInSteps(clock, 10)
    providers.a.set({ mode: 'hang' })
    const answer = await settleOnClock(clock, pool.request({ chain: 'ethereum', method: 'eth_chainId' }))
    expect(answer.providerId).toBe('b')
    // Two probes that time out (500 ms each): down.
    await advanceInSteps(clock, 1_100)
    expect(pool.providers()[0]).toMatchObject({ health: 'down', breaker: 'closed' })
  })

  it('probes a slow but healthy provider outside the rounds at most once per interval', async () => {
    const { clock, pool, providers } = setup({
      healthCheck: { intervalMs: 60_000, timeoutMs: 500 },
      hedge: { delayMs: 50 },
    })
    await advanceInSteps(clock, 10)
    const probesAtStart = providers.a.calls('eth_blockNumber')
    providers.a.set({ latencyMs: 200 })
    for (let call = 0; call < 20; call++) {
      const answer = await settleOnClock(clock, pool.request({ chain: 'ethereum', method: 'eth_chainId' }))
      expect(answer.providerId).toBe('b')
    }
    await advanceInSteps(clock, 500)
    expect(providers.a.calls('eth_blockNumber') - probesAtStart).toBe(1)
    expect(pool.providers()[0]?.health).toBe('healthy')
  })

  it('probes a streaming provider that falls behind: a hung node whose socket stays open is down within a round trip of the lag', async () => {
    const { clock, chain, pool, providers } = setup(
      { healthCheck: { intervalMs: 60_000, timeoutMs: 500 }, racing: true, maxLagBlocks: 2 },
      undefined,
      true,
    )
    await advanceInSteps(clock, 10)
    providers.a.set({ mode: 'hang' })
    for (let block = 0; block < 4; block++) {
      chain.mine(1)
      await advanceInSteps(clock, 100)
    }
    await advanceInSteps(clock, 1_100)
    expect(pool.providers()[0]?.health).toBe('down')
  })

  it('puts a revived provider back in the same round when its first probe answers badly (a 5xx)', async () => {
    const { clock, pool, providers } = setup(PROBES)
    providers.a.set({ mode: 'down' })
    await advanceInSteps(clock, 1_000)
    expect(pool.providers()[0]?.health).toBe('down')
    providers.a.set({ mode: 'up', failNext: 1 })
    await advanceInSteps(clock, 1_000)
    expect(pool.providers()[0]?.health).toBe('healthy')
  })

  it('puts a revived provider back in rotation within one interval', async () => {
    const { clock, pool, providers, events } = setup(PROBES)
    providers.a.set({ mode: 'down' })
    await advanceInSteps(clock, 1_000)
    expect(pool.providers()[0]?.health).toBe('down')
    providers.a.set({ mode: 'up' })
    await advanceInSteps(clock, 1_000)
    expect(pool.providers()[0]).toMatchObject({ health: 'healthy', downReason: undefined })
    expect(events.at(-1)).toMatchObject({ providerId: 'a', type: 'healthy' })
    expect(
      (await settleOnClock(clock, pool.request({ chain: 'ethereum', method: 'eth_chainId' }))).providerId,
    ).toBe('a')
  })

  it('keeps its interval while another provider hangs: a revived provider is back within one interval', async () => {
    const { clock, pool, providers } = setup(PROBES)
    providers.a.set({ mode: 'down' })
    providers.b.set({ mode: 'hang' })
    await advanceInSteps(clock, 2_000)
    expect(pool.providers().map((provider) => provider.health)).toEqual(['down', 'down', 'healthy'])
    // Revived just after a probe found it still down: the worst moment.
    const calls = providers.a.calls()
    while (providers.a.calls() === calls) await advanceInSteps(clock, 5)
    providers.a.set({ mode: 'up' })
    // b's probes time out after 500 ms each round; that must not push a's next probe past one interval.
    await advanceInSteps(clock, 1_000 + 10)
    expect(pool.providers()[0]).toMatchObject({ health: 'healthy', downReason: undefined })
    expect(pool.providers()[1]?.health).toBe('down')
    // Still one probe in flight at most per provider: b's hung probes are not stacked up.
    expect(providers.b.calls()).toBeLessThanOrEqual(Math.ceil(clock.now() / 1_000) + 1)
  })

  it('takes a throttled probe of a revived provider as a sign of life: back in rotation when its cooldown ends', async () => {
    const { clock, pool, providers } = setup(PROBES)
    providers.a.set({ mode: 'down' })
    await advanceInSteps(clock, 1_000)
    expect(pool.providers()[0]?.health).toBe('down')
    providers.a.set({ mode: 'up', latencyMs: 20 })
    // The first probe after the revive checks the chain id; the head read after it is throttled.
    const chainIdCalls = providers.a.calls('eth_chainId')
    while (providers.a.calls('eth_chainId') === chainIdCalls) await advanceInSteps(clock, 5)
    providers.a.set({ errorRate: 1, errorMix: rateLimitsOnly, retryAfterSeconds: 0.3 })
    await advanceInSteps(clock, 50)
    expect(pool.providers()[0]).toMatchObject({ health: 'cooldown', downReason: undefined })
    providers.a.set({ errorRate: 0 })
    // Once its Retry-After is over, not one probe interval later.
    await advanceInSteps(clock, 300)
    expect(pool.providers()[0]?.health).toBe('healthy')
  })

  it('closes a breaker that opened while the provider was down on the first probe that finds it back', async () => {
    const { clock, pool, providers } = setup({
      ...PROBES,
      breaker: { failureThreshold: 1, halfOpenAfterMs: 60_000 },
    })
    await advanceInSteps(clock, 10)
    providers.a.set({ mode: 'down' })
    // A client request finds it first (its breaker opens), the next probe round too (down).
    expect(
      (await settleOnClock(clock, pool.request({ chain: 'ethereum', method: 'eth_chainId' }))).providerId,
    ).toBe('b')
    await advanceInSteps(clock, 1_000)
    expect(pool.providers()[0]).toMatchObject({ breaker: 'open', health: 'down' })
    providers.a.set({ mode: 'up' })
    await advanceInSteps(clock, 1_000)
    // Long before halfOpenAfterMs (60 s): the probe was its trial.
    expect(pool.providers()[0]).toMatchObject({ breaker: 'closed', health: 'healthy' })
    expect(
      (await settleOnClock(clock, pool.request({ chain: 'ethereum', method: 'eth_chainId' }))).providerId,
    ).toBe('a')
  })

  it('lets a breaker opened by client calls to a reachable provider wait out halfOpenAfterMs, then a probe is its trial', async () => {
    const { clock, pool, providers } = setup({
      ...PROBES,
      breaker: { failureThreshold: 1, halfOpenAfterMs: 5_000 },
    })
    await advanceInSteps(clock, 10)
    providers.a.set({ failNext: 1 })
    expect(
      (await settleOnClock(clock, pool.request({ chain: 'ethereum', method: 'eth_chainId' }))).providerId,
    ).toBe('b')
    expect(pool.providers()[0]?.breaker).toBe('open')
    await advanceInSteps(clock, 3_000)
    // Probes reach it meanwhile: it stays open, and out of rotation.
    expect(pool.providers()[0]).toMatchObject({ breaker: 'open', health: 'unhealthy' })
    const clientCalls = providers.a.calls('eth_chainId')
    await advanceInSteps(clock, 4_000)
    expect(pool.providers()[0]).toMatchObject({ breaker: 'closed', health: 'healthy' })
    // The trial was a probe (eth_blockNumber), not a client request.
    expect(providers.a.calls('eth_chainId')).toBe(clientCalls)
  })

  it('takes two failed probes in a row to call a provider down', async () => {
    const { clock, pool, providers } = setup(PROBES)
    await advanceInSteps(clock, 10)
    providers.c.set({ failNext: 1 })
    await advanceInSteps(clock, 1_000)
    expect(pool.providers()[2]?.health).toBe('healthy')
    providers.c.set({ failNext: 2 })
    await advanceInSteps(clock, 1_000)
    expect(pool.providers()[2]?.health).toBe('down')
  })

  it('finds a provider of another chain down', async () => {
    const { clock, pool } = setup(PROBES)
    const polygon = createMockChain({ clock, chainId: 137 })
    pool.addProvider({
      id: 'wrong',
      chain: 'ethereum',
      upstream: createMockProvider({ chain: polygon, clock, id: 'wrong' }),
    })
    await advanceInSteps(clock, 1_000)
    expect(pool.providers().find((provider) => provider.id === 'wrong')).toMatchObject({
      health: 'down',
      downReason: 'wrong chain: expected chain id 1, got 0x89',
    })
  })

  it('cools a provider down on a throttled probe, and probes it no more before its Retry-After', async () => {
    const { clock, pool, providers } = setup(PROBES)
    providers.c.set({ errorRate: 1, errorMix: rateLimitsOnly, retryAfterSeconds: 5 })
    await advanceInSteps(clock, 10)
    expect(pool.providers()[2]?.health).toBe('cooldown')
    const calls = providers.c.calls()
    await advanceInSteps(clock, 4_000)
    expect(providers.c.calls()).toBe(calls)
    providers.c.set({ errorRate: 0 })
    await advanceInSteps(clock, 2_000)
    expect(pool.providers()[2]?.health).toBe('healthy')
  })
})
