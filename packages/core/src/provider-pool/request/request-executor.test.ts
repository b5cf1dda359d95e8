import { describe, expect, it } from 'vitest'
import { AllProvidersFailedError, UpstreamRpcError } from '../../errors/errors.js'
import { advanceInSteps, settleOnClock } from '../../testing/run-clock.js'
import { setup } from '../mock-pool-setup.js'

/** Every injected error a 429 (with `errorRate: 1`: every call rate-limited). */
const rateLimitsOnly = { serverError: 0, rateLimit: 1, rpcError: 0, malformed: 0 }

// The failure model as the pool applies it (docs/failure-model.md), over mock providers on a fake clock.

/** Provider pool events that say a provider's health or breaker changed. */
const HEALTH_EVENTS = new Set([
  'circuit_open',
  'circuit_half_open',
  'circuit_closed',
  'cooldown_start',
  'unhealthy',
  'healthy',
])

describe('the failure model in the request path', () => {
  it('relays a JSON-RPC error every provider gives as it came, and holds it against none', async () => {
    const { clock, pool, providers, events } = setup({
      breaker: { failureThreshold: 2, halfOpenAfterMs: 60_000 },
    })
    const rpcError = { code: -32603, message: 'nonce has max value', data: { nonce: '0xffffffffffffffff' } }
    for (const id of ['a', 'b', 'c'] as const)
      providers[id].set({ rpcError: { ...rpcError, methods: ['eth_simulateV1'] } })
    for (let call = 0; call < 10; call++) {
      const error = await settleOnClock(
        clock,
        pool.request({ chain: 'ethereum', method: 'eth_simulateV1', params: [{}, 'latest'] }),
      ).catch((caught) => caught)
      expect(error).toBeInstanceOf(UpstreamRpcError)
      expect((error as UpstreamRpcError).rpcError).toEqual(rpcError)
      expect((error as UpstreamRpcError).routing).toMatchObject({ providerId: 'a', attempts: 3 })
    }
    expect(events.filter((event) => HEALTH_EVENTS.has(event.type))).toEqual([])
    expect(pool.providers().map((provider) => [provider.breaker, provider.health])).toEqual([
      ['closed', 'healthy'],
      ['closed', 'healthy'],
      ['closed', 'healthy'],
    ])
    // Normal calls still go to the first provider.
    expect(
      (await settleOnClock(clock, pool.request({ chain: 'ethereum', method: 'eth_chainId' }))).providerId,
    ).toBe('a')
  })

  it('holds a JSON-RPC error against its provider once another provider answers the same request', async () => {
    const { clock, pool, providers } = setup({ breaker: { failureThreshold: 2, halfOpenAfterMs: 60_000 } })
    providers.a.set({ rpcError: { code: -32603, message: 'internal error', methods: ['eth_getBalance'] } })
    const call = () =>
      settleOnClock(
        clock,
        pool.request({ chain: 'ethereum', method: 'eth_getBalance', params: ['0x1', '0x1'] }),
      )
    expect(await call()).toMatchObject({ providerId: 'b', attempts: 2 })
    expect(pool.providers()[0]?.breaker).toBe('closed')
    expect(await call()).toMatchObject({ providerId: 'b', attempts: 2 })
    expect(pool.providers()[0]).toMatchObject({ id: 'a', breaker: 'open', health: 'unhealthy' })
  })

  it('never holds "cannot serve" answers against a provider (unknown block, pruned state, limits)', async () => {
    const { clock, pool, providers, events } = setup({
      breaker: { failureThreshold: 1, halfOpenAfterMs: 60_000 },
    })
    providers.a.set({
      rpcError: { code: -32000, message: 'missing trie node abc (path )', methods: ['eth_getBalance'] },
    })
    providers.b.set({
      rpcError: { code: -32602, message: 'query exceeds max block range 100000', methods: ['eth_getLogs'] },
    })
    for (let call = 0; call < 5; call++) {
      expect(
        await settleOnClock(
          clock,
          pool.request({ chain: 'ethereum', method: 'eth_getBalance', params: ['0x1', '0x1'] }),
        ),
      ).toMatchObject({ providerId: 'b' })
      expect(
        await settleOnClock(
          clock,
          pool.request({
            chain: 'ethereum',
            method: 'eth_getLogs',
            params: [{ fromBlock: '0x1', toBlock: '0x2' }],
          }),
        ),
      ).toMatchObject({ providerId: 'a' })
    }
    expect(events.filter((event) => HEALTH_EVENTS.has(event.type))).toEqual([])
  })

  it('asks about an unknown method once per provider, then answers from memory until it expires', async () => {
    const { clock, pool, providers } = setup({ unsupportedMethodTtlMs: 60_000 })
    const ask = () =>
      settleOnClock(clock, pool.request({ chain: 'ethereum', method: 'eth_nope' })).catch((caught) => caught)
    const first = await ask()
    expect(first).toBeInstanceOf(UpstreamRpcError)
    const nopes = () => [
      providers.a.calls('eth_nope'),
      providers.b.calls('eth_nope'),
      providers.c.calls('eth_nope'),
    ]
    expect(nopes()).toEqual([1, 1, 1])
    for (let call = 0; call < 100; call++) {
      const again = await ask()
      expect((again as UpstreamRpcError).rpcError).toEqual((first as UpstreamRpcError).rpcError)
      expect((again as UpstreamRpcError).routing).toMatchObject({ attempts: 0 })
    }
    expect(nopes()).toEqual([1, 1, 1])
    await advanceInSteps(clock, 60_000, 100)
    await ask()
    expect(nopes()).toEqual([2, 2, 2])
  })

  it('lets no revert reason or made-up method name cool providers down or mark a method unserved', async () => {
    const { clock, pool, providers, events } = setup()
    const errors = {
      // A contract's revert reason reads like a throttle, or like "method not served".
      eth_call: { code: 3, message: 'execution reverted: method not allowed' },
      eth_estimateGas: { code: 3, message: 'execution reverted: rate limit exceeded' },
      // A made-up method whose echoed name reads like a throttle.
      eth_ratelimit: { code: -32601, message: 'the method eth_ratelimit does not exist/is not available' },
    }
    for (const [method, error] of Object.entries(errors))
      for (const id of ['a', 'b', 'c'] as const)
        providers[id].set({ rpcError: { ...error, methods: [method] } })
    for (const method of Object.keys(errors))
      await settleOnClock(clock, pool.request({ chain: 'ethereum', method, params: [{}, 'latest'] })).catch(
        () => undefined,
      )
    expect(events.filter((event) => HEALTH_EVENTS.has(event.type))).toEqual([])
    // eth_call was not remembered as unserved: once the contract stops reverting, calls reach upstream.
    for (const id of ['a', 'b', 'c'] as const) providers[id].set({ rpcError: false })
    expect(
      await settleOnClock(
        clock,
        pool.request({ chain: 'ethereum', method: 'eth_call', params: [{}, 'latest'] }),
      ),
    ).toMatchObject({ providerId: 'a', attempts: 1 })
  })

  it('waits for the earliest cooldown to end when every other provider failed, if the deadline allows', async () => {
    const { clock, pool, providers } = setup()
    pool.cooldown('a', 5_000)
    pool.cooldown('b', 6_000)
    providers.c.set({ mode: 'down' })
    const started = clock.now()
    const answer = await settleOnClock(clock, pool.request({ chain: 'ethereum', method: 'eth_chainId' }))
    expect(answer).toMatchObject({ providerId: 'a', attempts: 2 })
    expect(clock.now() - started).toBeGreaterThanOrEqual(5_000)
    expect(clock.now() - started).toBeLessThan(6_000)
  })

  it('tries the least recently throttled provider at once when waiting would pass the deadline', async () => {
    const { clock, pool, providers } = setup({ requestDeadlineMs: 2_000 })
    pool.cooldown('a', 30_000)
    pool.cooldown('b', 20_000)
    providers.c.set({ mode: 'down' })
    const started = clock.now()
    const answer = await settleOnClock(clock, pool.request({ chain: 'ethereum', method: 'eth_chainId' }))
    expect(answer).toMatchObject({ providerId: 'b', attempts: 2 })
    expect(clock.now() - started).toBeLessThan(100)
  })

  it('gives a provider that was already cooling down when planned the same second chance after a throttle', async () => {
    const { clock, pool, providers } = setup({ requestDeadlineMs: 5_000 })
    pool.cooldown('a', 500)
    providers.a.set({ errorRate: 1, errorMix: rateLimitsOnly, retryAfterSeconds: 0.5 })
    providers.b.set({ mode: 'down' })
    providers.c.set({ mode: 'down' })
    clock.setTimeout(() => providers.a.set({ errorRate: 0 }), 700)
    const started = clock.now()
    const answer = await settleOnClock(clock, pool.request({ chain: 'ethereum', method: 'eth_chainId' }))
    // b and c refused; a's cooldown waited out, its 429 waited out too, then its answer.
    expect(answer).toMatchObject({ providerId: 'a' })
    expect(providers.a.calls()).toBe(2)
    expect(clock.now() - started).toBeGreaterThanOrEqual(1_000)
    expect(clock.now() - started).toBeLessThan(1_100)
  })

  it('asks a provider that keeps throttling at most twice in one request', async () => {
    const { clock, pool, providers } = setup({ requestDeadlineMs: 5_000 })
    providers.a.set({ errorRate: 1, errorMix: rateLimitsOnly, retryAfterSeconds: 0.1 })
    providers.b.set({ errorRate: 1, errorMix: rateLimitsOnly, retryAfterSeconds: 0 })
    providers.c.set({ mode: 'down' })
    const error = await settleOnClock(
      clock,
      pool.request({ chain: 'ethereum', method: 'eth_chainId' }),
    ).catch((caught) => caught)
    expect(error).toBeInstanceOf(AllProvidersFailedError)
    expect([providers.a.calls(), providers.b.calls()]).toEqual([2, 2])
  })

  it('tries a provider that answered badly once more when every provider failed, within the deadline', async () => {
    const { clock, pool, providers } = setup({ requestTimeoutMs: 1_000 })
    providers.a.set({ mode: 'hang' })
    providers.b.set({ failNext: 1 })
    providers.c.set({ mode: 'down' })
    const answer = await settleOnClock(clock, pool.request({ chain: 'ethereum', method: 'eth_chainId' }))
    // a timed out (not worth its deadline again), c refused the connection; b's 503 earns it a second try.
    expect(answer).toMatchObject({ providerId: 'b', attempts: 4 })
    expect([providers.a.calls(), providers.b.calls(), providers.c.calls()]).toEqual([1, 2, 1])
    // Once more only: with every fault persistent, the request ends after one extra round.
    providers.b.set({ failNext: 10 })
    const error = await settleOnClock(
      clock,
      pool.request({ chain: 'ethereum', method: 'eth_chainId' }),
    ).catch((caught) => caught)
    expect(error).toBeInstanceOf(AllProvidersFailedError)
    expect((error as AllProvidersFailedError).routing).toMatchObject({ attempts: 4 })
    expect([providers.a.calls(), providers.b.calls(), providers.c.calls()]).toEqual([2, 4, 2])
  })

  it('cools a provider down for defaultCooldownMs after a 429 that does not say how long', async () => {
    const { clock, pool, providers, events } = setup({ defaultCooldownMs: 7_000 })
    providers.a.set({ errorRate: 1, errorMix: rateLimitsOnly, retryAfterSeconds: null })
    await settleOnClock(clock, pool.request({ chain: 'ethereum', method: 'eth_chainId' }))
    expect(events.find((event) => event.type === 'cooldown_start')).toMatchObject({
      providerId: 'a',
      detail: expect.stringContaining('7000 ms'),
    })
    expect(pool.providers()[0]?.cooldownUntil).toBe(clock.now() + 7_000)
  })

  it('ends every request by its deadline, saying so, and holds timeouts nobody else answered against no one', async () => {
    const { clock, pool, providers, events } = setup({
      requestTimeoutMs: 10_000,
      requestDeadlineMs: 15_000,
      breaker: { failureThreshold: 1, halfOpenAfterMs: 60_000 },
    })
    for (const id of ['a', 'b', 'c'] as const) providers[id].set({ mode: 'hang' })
    const started = clock.now()
    const error = await settleOnClock(clock, pool.request({ chain: 'ethereum', method: 'eth_chainId' }), {
      maxMs: 20_000,
      stepMs: 50,
    }).catch((caught) => caught)
    expect(error).toBeInstanceOf(AllProvidersFailedError)
    expect((error as AllProvidersFailedError).shortMessage).toContain('within the request deadline (15000 ms')
    expect(clock.now() - started).toBeLessThanOrEqual(15_000)
    // a timed out on its own 10 s; b got the 5 s left and was cut by the deadline, c never started. Nobody
    // answered, so the timeout may be the request's own (a heavy call): no breaker moved.
    expect(events.filter((event) => event.type === 'circuit_open')).toEqual([])
    expect(providers.c.calls()).toBe(0)
  })

  it('holds a timeout against its provider once another provider answers the same request', async () => {
    const { clock, pool, providers, events } = setup({
      requestTimeoutMs: 1_000,
      breaker: { failureThreshold: 1, halfOpenAfterMs: 60_000 },
    })
    providers.a.set({ mode: 'hang' })
    expect(
      await settleOnClock(clock, pool.request({ chain: 'ethereum', method: 'eth_chainId' })),
    ).toMatchObject({
      providerId: 'b',
      attempts: 2,
    })
    expect(events.filter((event) => event.type === 'circuit_open').map((event) => event.providerId)).toEqual([
      'a',
    ])
  })

  it('relays a rate-limit JSON-RPC error when every provider throttles, and waits out its backoff hint first', async () => {
    const { clock, pool, providers } = setup({ requestDeadlineMs: 3_000 })
    const limited = {
      code: -32005,
      message: 'daily request count exceeded, request rate limited',
      data: { rate: { backoff_seconds: 30 } },
    }
    for (const id of ['a', 'b', 'c'] as const) providers[id].set({ rpcError: limited })
    const error = await settleOnClock(
      clock,
      pool.request({ chain: 'ethereum', method: 'eth_chainId' }),
    ).catch((caught) => caught)
    expect((error as UpstreamRpcError).rpcError).toEqual(limited)
    // The hint (30 s) is past the deadline: each provider was tried once more at once, then the answer relayed.
    expect(pool.providers().map((provider) => provider.cooldownUntil)).toEqual(
      [30_000, 30_000, 30_000].map((ms) => expect.closeTo(ms, -3)),
    )
  })
})

describe('lag-aware routing', () => {
  // Probes keep every provider's head known; a lags 3 blocks behind b and c.
  async function laggingSetup() {
    const pool = setup({ healthCheck: { intervalMs: 1_000, timeoutMs: 500 } })
    pool.chain.mine(10)
    pool.providers.a.set({ lagBlocks: 3 })
    await advanceInSteps(pool.clock, 1_000)
    const head = Number.parseInt(pool.chain.head().number, 16)
    return { ...pool, head }
  }
  const hex = (value: number) => `0x${value.toString(16)}`

  it('sends a call naming a block to a provider whose head has reached it', async () => {
    const { clock, pool, providers, head, events } = await laggingSetup()
    const answer = await settleOnClock(
      clock,
      pool.request({ chain: 'ethereum', method: 'eth_getBlockByNumber', params: [hex(head), false] }),
    )
    expect(answer).toMatchObject({ providerId: 'b', attempts: 1 })
    expect(providers.a.calls('eth_getBlockByNumber')).toBe(0)
    // a still serves the blocks it has.
    const old = await settleOnClock(
      clock,
      pool.request({ chain: 'ethereum', method: 'eth_getBlockByNumber', params: [hex(head - 5), false] }),
    )
    expect(old.providerId).toBe('a')
    expect(events.filter((event) => HEALTH_EVENTS.has(event.type))).toEqual([])
  })

  it('asks one provider about a block above every head, and relays its answer as it came', async () => {
    const { clock, pool, providers, head, events } = await laggingSetup()
    const error = await settleOnClock(
      clock,
      pool.request({ chain: 'ethereum', method: 'eth_getBalance', params: ['0x1', hex(head + 5)] }),
    ).catch((caught) => caught)
    expect(error).toBeInstanceOf(UpstreamRpcError)
    expect((error as UpstreamRpcError).rpcError).toEqual({ code: -32000, message: 'header not found' })
    expect((error as UpstreamRpcError).routing).toMatchObject({ providerId: 'b', attempts: 1 })
    expect(
      providers.a.calls('eth_getBalance') +
        providers.b.calls('eth_getBalance') +
        providers.c.calls('eth_getBalance'),
    ).toBe(1)
    expect(events.filter((event) => HEALTH_EVENTS.has(event.type))).toEqual([])
  })

  it('waits for the next block when a call names it, instead of failing', async () => {
    const { clock, pool, chain, head } = await laggingSetup()
    const pending = pool.request({
      chain: 'ethereum',
      method: 'eth_getBlockByNumber',
      params: [hex(head + 1), false],
    })
    await advanceInSteps(clock, 300)
    chain.mine(1)
    const answer = await settleOnClock(clock, pending)
    expect(answer).toMatchObject({ attempts: 1 })
    expect((answer.result as { number: string }).number).toBe(hex(head + 1))
  })
})
