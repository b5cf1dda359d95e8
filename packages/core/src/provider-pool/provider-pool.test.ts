import { afterEach, describe, expect, it } from 'vitest'
import { createFakeClock } from '../clock/fake-clock.js'
import {
  AbortedError,
  AllProvidersFailedError,
  ConfigError,
  DuplicateProviderError,
  NoProviderAvailableError,
  UnknownChainError,
  UpstreamRpcError,
} from '../errors/errors.js'
import { createMockChain } from '../testing/mock-chain.js'
import { createMockProvider } from '../testing/mock-provider.js'
import { advanceInSteps, settleOnClock } from '../testing/run-clock.js'
import type { FetchLike } from '../transport/http-transport.js'
import { setup } from './mock-pool-setup.js'
import type { Upstream } from './provider/upstream.js'
import { createProviderPool } from './provider-pool.js'
import { rawTransactionHash } from './request/write-methods.js'
import type { ProviderPool } from './types.js'

/** Every injected error a 429 (with `errorRate: 1`: every call rate-limited). */
const rateLimitsOnly = { serverError: 0, rateLimit: 1, rpcError: 0, malformed: 0 }

// Pure routing logic over in-memory mock providers, driven by a fake clock: no sockets, no sleeps.

// Pools the tests below build themselves (setup() closes its own).
let pool: ProviderPool | undefined
afterEach(async () => {
  await pool?.close()
  pool = undefined
})

describe('createProviderPool routing', () => {
  it('returns the result with routing metadata and publishes one decision', async () => {
    const { clock, pool, decisions } = setup()
    const answer = await settleOnClock(clock, pool.request({ chain: 1, method: 'eth_blockNumber' }))
    expect(answer).toMatchObject({ result: '0x3', providerId: 'a', strategy: 'priority', attempts: 1 })
    expect(decisions).toEqual([
      expect.objectContaining({
        chain: 'ethereum',
        method: 'eth_blockNumber',
        strategy: 'priority',
        providerId: 'a',
        result: 'ok',
        failoverCount: 0,
        attempts: 1,
      }),
    ])
    expect(pool.store.rpcStats('ethereum')[0]).toMatchObject({
      method: 'eth_blockNumber',
      providerId: 'a',
      count: 1,
    })
  })

  it('returns an execution error as-is without trying another provider', async () => {
    const { clock, pool, providers } = setup()
    providers.a.set({ rpcError: { code: 3, message: 'execution reverted', data: '0x08c379a0' } })
    const error = await settleOnClock(
      clock,
      pool.request({ chain: 'ethereum', method: 'eth_call', params: [{ to: '0x1' }] }),
    ).catch((caught) => caught)
    expect(error).toBeInstanceOf(UpstreamRpcError)
    expect((error as UpstreamRpcError).rpcError).toEqual({
      code: 3,
      message: 'execution reverted',
      data: '0x08c379a0',
    })
    expect((error as UpstreamRpcError).routing).toMatchObject({ providerId: 'a', attempts: 1 })
    expect(providers.b.calls()).toBe(0)
    expect(pool.providers()[0]?.breaker).toBe('closed')
  })

  it('tries every provider for an unsupported method and returns that error only when all refuse', async () => {
    const { clock, pool, providers } = setup()
    const error = await settleOnClock(
      clock,
      pool.request({ chain: 'ethereum', method: 'trace_block', params: ['0x1'] }),
    ).catch((caught) => caught)
    expect(error).toBeInstanceOf(UpstreamRpcError)
    expect((error as UpstreamRpcError).rpcError.code).toBe(-32601)
    expect([providers.a.calls(), providers.b.calls(), providers.c.calls()]).toEqual([1, 1, 1])
  })

  it('fails over on a 503 and counts it against the breaker', async () => {
    const { clock, pool, providers, decisions } = setup({
      breaker: { failureThreshold: 2, halfOpenAfterMs: 1_000 },
    })
    providers.a.set({ failNext: 2 })
    for (let call = 0; call < 2; call++)
      await settleOnClock(clock, pool.request({ chain: 'ethereum', method: 'eth_chainId' }))
    expect(decisions.map((decision) => [decision.providerId, decision.failoverCount])).toEqual([
      ['b', 1],
      ['b', 1],
    ])
    expect(pool.providers()[0]).toMatchObject({ id: 'a', breaker: 'open', health: 'unhealthy' })
  })

  it('cools a rate-limited provider down for its Retry-After and sends it nothing meanwhile', async () => {
    const { clock, pool, providers, events } = setup()
    providers.a.set({ errorRate: 1, errorMix: rateLimitsOnly, retryAfterSeconds: 2 })
    await settleOnClock(clock, pool.request({ chain: 'ethereum', method: 'eth_chainId' }))
    providers.a.set({ errorRate: 0 })
    for (let call = 0; call < 3; call++)
      await settleOnClock(clock, pool.request({ chain: 'ethereum', method: 'eth_chainId' }))
    expect(providers.a.calls()).toBe(1)
    expect(events.filter((event) => event.providerId === 'a').map((event) => event.type)).toEqual([
      'cooldown_start',
    ])
    await advanceInSteps(clock, 2_000)
    expect(events.at(-1)).toMatchObject({ providerId: 'a', type: 'healthy' })
    const { providerId } = await settleOnClock(
      clock,
      pool.request({ chain: 'ethereum', method: 'eth_chainId' }),
    )
    expect(providerId).toBe('a')
    expect(pool.providers()[0]?.breaker).toBe('closed') // a 429 is not a breaker failure
  })

  it('fails fast, naming every reason, when every provider is circuit-open', async () => {
    const { clock, pool, providers } = setup({ breaker: { failureThreshold: 1, halfOpenAfterMs: 60_000 } })
    for (const id of ['a', 'b', 'c'] as const) providers[id].set({ mode: 'down' })
    const first = await settleOnClock(
      clock,
      pool.request({ chain: 'ethereum', method: 'eth_chainId' }),
    ).catch((error) => error)
    expect(first).toBeInstanceOf(AllProvidersFailedError)
    const error = await pool.request({ chain: 'ethereum', method: 'eth_chainId' }).catch((caught) => caught)
    expect(error).toBeInstanceOf(NoProviderAvailableError)
    expect((error as NoProviderAvailableError).reasons).toEqual({
      a: 'circuit open',
      b: 'circuit open',
      c: 'circuit open',
    })
  })

  it('hedges a slow read to the next provider and takes the first answer', async () => {
    const { clock, pool, providers } = setup({ hedge: { delayMs: 50 } })
    providers.a.set({ latencyMs: 1_000 })
    providers.b.set({ latencyMs: 10 })
    const started = clock.now()
    const answer = await settleOnClock(clock, pool.request({ chain: 'ethereum', method: 'eth_blockNumber' }))
    expect(answer).toMatchObject({ providerId: 'b', attempts: 2 })
    expect(clock.now() - started).toBeLessThan(100)
    expect(providers.c.calls()).toBe(0)
  })

  it('records an overdue attempt a hedge beat as lasting as long as it ran, and a copy cut short not at all', async () => {
    const { clock, pool, providers } = setup({ hedge: { delayMs: 50 } })
    providers.a.set({ latencyMs: 1_000 })
    providers.b.set({ latencyMs: 10 })
    await settleOnClock(clock, pool.request({ chain: 'ethereum', method: 'eth_blockNumber' }))
    // a ran 60 ms (the hedge left at 50 ms, b answered 10 ms later): at least that slow, not an error.
    expect(pool.store.recent('ethereum', 'a', 'eth_blockNumber')).toMatchObject({ samples: 1, errorRate: 0 })
    expect(pool.store.recent('ethereum', 'a', 'eth_blockNumber')?.latencyMs).toBeCloseTo(60, 0)
    providers.a.set({ latencyMs: 70 })
    providers.b.set({ latencyMs: 1_000 })
    const answer = await settleOnClock(clock, pool.request({ chain: 'ethereum', method: 'eth_chainId' }))
    expect(answer).toMatchObject({ providerId: 'a', attempts: 2 })
    // b's copy ran 20 ms of its 50 ms delay when a answered: it says nothing about b.
    expect(pool.store.recent('ethereum', 'b', 'eth_chainId')).toBeUndefined()
    expect(pool.providers().find((provider) => provider.id === 'a')?.breaker).toBe('closed')
  })

  it('hedges by default: a read survives two hung providers well within its deadline', async () => {
    // `undefined` takes the pool's default, which the test setup otherwise turns off.
    const { clock, pool, providers } = setup({ hedge: undefined })
    providers.a.set({ mode: 'hang' })
    providers.b.set({ mode: 'hang' })
    providers.c.set({ latencyMs: 10 })
    const started = clock.now()
    const answer = await settleOnClock(
      clock,
      pool.request({
        chain: 'ethereum',
        method: 'eth_getBalance',
        params: ['0x0000000000000000000000000000000000000000', 'latest'],
      }),
    )
    expect(answer).toMatchObject({ providerId: 'c', attempts: 3 })
    // No recent figures yet: each hedge after 250 ms; the hung attempts are aborted, not waited out.
    expect(clock.now() - started).toBeLessThan(1_000)
  })

  it('hedges a provider whose p95 sits in its stalls at three times its median, not at the p95', async () => {
    const { clock, pool, providers } = setup({ hedge: undefined })
    // Its recent record: 8 % of its answers stalled 600 ms (its p95), the other ones took 20 ms.
    for (let call = 0; call < 100; call++) {
      const durationMs = call % 12 === 11 ? 600 : 20
      pool.store.recordRpcCall('ethereum', {
        providerId: 'a',
        method: 'eth_getBalance',
        strategy: 'priority',
        durationMs,
        ok: true,
      })
    }
    expect(pool.store.recent('ethereum', 'a', 'eth_getBalance')?.p95Ms).toBeGreaterThan(500)
    providers.a.set({ latencyMs: 1_000 }) // this one stalls
    providers.b.set({ latencyMs: 10 })
    const started = clock.now()
    const answer = await settleOnClock(
      clock,
      pool.request({
        chain: 'ethereum',
        method: 'eth_getBalance',
        params: ['0x0000000000000000000000000000000000000000', 'latest'],
      }),
    )
    expect(answer).toMatchObject({ providerId: 'b', attempts: 2 })
    // The hedge left at 3 × 20 ms = 60 ms (the 50 ms floor is below it); b answered 10 ms later.
    expect(clock.now() - started).toBeGreaterThanOrEqual(70)
    expect(clock.now() - started).toBeLessThan(100)
  })

  it("marks the chain follower's own calls internal in their routing decisions, and no client's", async () => {
    const { clock, pool, decisions } = setup({ headPollIntervalMs: 1_000 })
    // A head subscriber makes the chain follow: with no stream, it polls the latest block.
    const subscription = pool.subscribe('ethereum', 'newHeads', () => {})
    await advanceInSteps(clock, 2_500)
    await settleOnClock(clock, pool.request({ chain: 'ethereum', method: 'eth_chainId' }))
    subscription.unsubscribe()
    const follower = decisions.filter((decision) => decision.method === 'eth_getBlockByNumber')
    expect(follower.length).toBeGreaterThan(0)
    expect(follower.every((decision) => decision.internal === true)).toBe(true)
    expect(decisions.find((decision) => decision.method === 'eth_chainId')).not.toHaveProperty('internal')
  })

  it('sends at most maxHedges extra copies of a read', async () => {
    const { clock, pool, providers } = setup({ hedge: { delayMs: 50, maxHedges: 1 } })
    providers.a.set({ latencyMs: 1_000 })
    providers.b.set({ latencyMs: 1_000 })
    const answer = await settleOnClock(clock, pool.request({ chain: 'ethereum', method: 'eth_blockNumber' }))
    expect(answer).toMatchObject({ providerId: 'a', attempts: 2 })
    expect(providers.c.calls()).toBe(0)
  })

  it('never hedges a method that might have side effects', async () => {
    const { clock, pool, providers } = setup({ hedge: { delayMs: 50 } })
    for (const provider of Object.values(providers)) provider.handle('anvil_mine', () => ({ result: null }))
    providers.a.set({ latencyMs: 1_000 })
    const answer = await settleOnClock(
      clock,
      pool.request({ chain: 'ethereum', method: 'anvil_mine', params: [] }),
    )
    expect(answer).toMatchObject({ providerId: 'a', attempts: 1 })
    expect(providers.b.calls('anvil_mine') + providers.c.calls('anvil_mine')).toBe(0)
  })

  it('never hedges a write, and treats "already known" after a failover as success', async () => {
    const { clock, pool, providers } = setup({ hedge: { delayMs: 50 }, requestTimeoutMs: 500 })
    const raw = '0x02f86c0180843b9aca00850c92a69c0082520894000000000000000000000000000000000000dead8080c0'
    providers.a.set({ mode: 'hang' })
    providers.b.set({ rpcError: { code: -32000, message: 'already known' } })
    const answer = await settleOnClock(
      clock,
      pool.request({ chain: 'ethereum', method: 'eth_sendRawTransaction', params: [raw] }),
    )
    expect(answer).toMatchObject({ providerId: 'b', attempts: 2, result: rawTransactionHash(raw) })
    expect(answer.durationMs).toBeGreaterThanOrEqual(500) // b was only tried after a timed out: no hedge
  })

  it("stops at the caller's abort without counting it against the provider", async () => {
    const { clock, pool, providers } = setup({ breaker: { failureThreshold: 1, halfOpenAfterMs: 60_000 } })
    providers.a.set({ mode: 'hang' })
    const controller = new AbortController()
    const pending = pool.request({ chain: 'ethereum', method: 'eth_chainId' }, { signal: controller.signal })
    await advanceInSteps(clock, 20)
    controller.abort()
    const error = await settleOnClock(clock, pending).catch((caught) => caught)
    expect(error).toBeInstanceOf(AbortedError)
    expect(providers.b.calls()).toBe(0)
    // Past the attempt timeout: had the abort not reached the upstream, its timeout would trip the breaker.
    await advanceInSteps(clock, 11_000, 100)
    expect(pool.providers()[0]?.breaker).toBe('closed')
  })

  it('resolves chains by name or id and rejects unknown ones with the known list', async () => {
    const { pool } = setup()
    expect(pool.resolveChain(1)).toBe('ethereum')
    expect(pool.resolveChain('1')).toBe('ethereum')
    expect(() => pool.resolveChain('solana')).toThrow(UnknownChainError)
    expect(() => pool.resolveChain('solana')).toThrow(/known chains: ethereum/)
  })

  it('adds and removes providers at runtime', async () => {
    const { clock, chain, pool, providers, events } = setup()
    const d = createMockProvider({ chain, clock, id: 'd', subscriptions: false })
    pool.addProvider({ id: 'd', chain: 'ethereum', upstream: d, priority: -1 })
    expect(() => pool.addProvider({ id: 'd', chain: 'ethereum', upstream: d })).toThrow(
      DuplicateProviderError,
    )
    expect(() => pool.addProvider({ id: 'e', chain: 'ethereum' })).toThrow(ConfigError)
    expect(
      (await settleOnClock(clock, pool.request({ chain: 'ethereum', method: 'eth_chainId' }))).providerId,
    ).toBe('d')
    pool.removeProvider('d')
    expect(
      (await settleOnClock(clock, pool.request({ chain: 'ethereum', method: 'eth_chainId' }))).providerId,
    ).toBe('a')
    expect(events.filter((event) => event.providerId === 'd').map((event) => event.type)).toEqual([
      'added',
      'removed',
    ])
    expect(providers.a.calls()).toBe(1)
  })
})

describe('createProviderPool: provider URLs', () => {
  const shortKey = 'Qk8v2Lmz'
  const queryKey = 'acc3ss77'
  const password = 'Pa55-w0rd'
  const httpUrl = `https://rpcuser:${password}@mainnet.example.io/v3/${shortKey}?access_key=${queryKey}#frag-s3cret`

  // An upstream that echoes the URL it was called with, and the key, in every way it can fail.
  const echoing: FetchLike = async (url, init) => {
    const { id, method } = JSON.parse(String(init.body)) as { id: number; method: string }
    if (method === 'eth_chainId') throw new TypeError(`fetch ${url} failed`, { cause: new Error(shortKey) })
    if (method === 'eth_gasPrice') return new Response(`invalid key ${shortKey} for ${url}`, { status: 401 })
    return Response.json({ jsonrpc: '2.0', id, error: { code: 3, message: `reverted ${shortKey} ${url}` } })
  }

  it('shows each provider by its id and origin only', () => {
    const { pool } = setup()
    pool.addProvider({
      id: 'keyed',
      chain: 'ethereum',
      httpUrl,
      wsUrl: `wss://mainnet.example.io/ws/v3/${shortKey}`,
    })
    expect(pool.providers().find((provider) => provider.id === 'keyed')).toMatchObject({
      httpUrl: 'https://mainnet.example.io',
      wsUrl: 'wss://mainnet.example.io',
    })
  })

  it.each(['eth_chainId', 'eth_gasPrice', 'eth_call'])(
    'never puts a secret of the URL in an error %s ends with',
    async (method) => {
      const clock = createFakeClock()
      pool = createProviderPool({
        chains: [{ name: 'ethereum', chainId: 1 }],
        providers: [{ id: 'keyed', chain: 'ethereum', httpUrl }],
        fetch: echoing,
        clock,
        racing: false,
        headPollIntervalMs: 60_000,
      })
      const error = await settleOnClock(clock, pool.request({ chain: 'ethereum', method })).then(
        () => {
          throw new Error(`${method} was expected to fail`)
        },
        (caught: unknown) => caught as Error & { cause?: unknown; rpcError?: unknown },
      )
      expect(error).toBeInstanceOf(Error)
      const surfaces = [
        error.message,
        error.stack ?? '',
        JSON.stringify(error),
        JSON.stringify(error.rpcError ?? null),
        String(error.cause),
        String((error.cause as Error | undefined)?.cause),
      ].join('\n')
      for (const secret of [shortKey, queryKey, password, 'frag-s3cret', 'rpcuser'])
        expect(surfaces).not.toContain(secret)
    },
  )
})

describe('createProviderPool subscriptions', () => {
  function pushSetup() {
    const clock = createFakeClock()
    const chain = createMockChain({ clock, chainId: 1 })
    chain.mine(2)
    const providers = ['a', 'b'].map((id) => createMockProvider({ chain, clock, id }))
    pool = createProviderPool({
      chains: [{ name: 'ethereum', chainId: 1 }],
      providers: providers.map((upstream) => ({ id: upstream.id, chain: 'ethereum', upstream })),
      clock,
      racing: false,
      headPollIntervalMs: 60_000,
    })
    return { clock, chain, providers, pool }
  }

  it('delivers a reorg: the new branch, and the replaced logs again with removed: true', async () => {
    const { clock, chain, pool } = pushSetup()
    const blocks: string[] = []
    const logs: string[] = []
    pool.subscribe('ethereum', 'newHeads', (block) => blocks.push(block.hash))
    pool.subscribe('ethereum', { logs: {} }, (log) => logs.push(`${log.removed ? '-' : '+'}${log.blockHash}`))
    await advanceInSteps(clock, 10)
    const [b3] = chain.mine({ logs: [{ address: '0x1', topics: [], data: '0x' }] })
    await advanceInSteps(clock, 20)
    const reorg = chain.reorg(1, { logs: [[{ address: '0x1', topics: [], data: '0x02' }]] })
    await advanceInSteps(clock, 20)
    chain.mine()
    await advanceInSteps(clock, 50)
    expect(blocks[0]).toBe(b3!.hash)
    expect(blocks).toContain(reorg.added[0]!.hash)
    expect(logs[0]).toBe(`+${b3!.hash}`)
    expect(logs).toContain(`-${b3!.hash}`)
    expect(logs.indexOf(`-${b3!.hash}`)).toBeLessThan(logs.indexOf(`+${reorg.added[0]!.hash}`))
  })

  it('back-fills the blocks missed while every stream was down the moment one reconnects', async () => {
    const { clock, chain, providers, pool } = pushSetup()
    const numbers: number[] = []
    const logs: string[] = []
    pool.subscribe('ethereum', 'newHeads', (block) => numbers.push(Number.parseInt(block.number, 16)))
    pool.subscribe('ethereum', { logs: {} }, (log) => logs.push(log.blockHash))
    await advanceInSteps(clock, 10)
    chain.mine()
    await advanceInSteps(clock, 10)
    for (const provider of providers) provider.dropSubscriptions()
    const missed = chain.mine({ logs: [{ address: '0x1', topics: [], data: '0x' }] })
    chain.mine(2)
    // No stream, no new block pushed, and the head poll (60 s) far away: nothing moves.
    await advanceInSteps(clock, 1_000)
    expect(numbers).toEqual([3])

    providers[1]!.reconnect()
    await advanceInSteps(clock, 10)

    // The reconnected stream only brings blocks after 6; 4–6 came from the catch-up it triggered.
    expect(numbers).toEqual([3, 4, 5, 6])
    expect(logs).toEqual([missed[0]!.hash])
  })

  it("back-fills when a provider's polled head is above the delivered one", async () => {
    const clock = createFakeClock()
    const chain = createMockChain({ clock, chainId: 1 })
    chain.mine(2)
    const streaming = createMockProvider({ chain, clock, id: 'ws' })
    const polled = createMockProvider({ chain, clock, id: 'http', subscriptions: false })
    pool = createProviderPool({
      chains: [{ name: 'ethereum', chainId: 1 }],
      providers: [streaming, polled].map((upstream) => ({ id: upstream.id, chain: 'ethereum', upstream })),
      clock,
      racing: false,
      healthCheck: { intervalMs: 1_000, timeoutMs: 500 },
      headPollIntervalMs: 60_000,
    })
    const numbers: number[] = []
    pool.subscribe('ethereum', 'newHeads', (block) => numbers.push(Number.parseInt(block.number, 16)))
    await advanceInSteps(clock, 10)
    chain.mine()
    await advanceInSteps(clock, 10)
    // The stream goes silent without saying so (no reconnect to prompt anything).
    streaming.dropSubscriptions()
    chain.mine(2)
    await advanceInSteps(clock, 500)
    expect(numbers).toEqual([3])

    // The next health probe reads head 5 from the HTTP provider: that alone fetches the missing blocks.
    await advanceInSteps(clock, 1_000)

    expect(numbers).toEqual([3, 4, 5])
  })

  it('gives up the logs of a block that a reorg took away while their fetch was failing', async () => {
    const { clock, chain, providers, pool } = pushSetup()
    const logs: string[] = []
    pool.subscribe('ethereum', { logs: {} }, (log) => logs.push(`${log.removed ? '-' : '+'}${log.blockHash}`))
    await advanceInSteps(clock, 10)
    const [stuck] = chain.mine()
    // Like a node asked for the logs of a block it has already dropped: an error, every time.
    for (const provider of providers)
      provider.handle('eth_getLogs', (params) => {
        const { blockHash } = params[0] as { blockHash: string }
        if (blockHash === stuck!.hash) return { error: { code: -32000, message: 'unknown block' } }
        return { result: chain.logsOf(blockHash) }
      })
    await advanceInSteps(clock, 1_000)
    const reorg = chain.reorg(1, { logs: [[{ address: '0x1', topics: [], data: '0x02' }]] })
    const [after] = chain.mine({ logs: [{ address: '0x1', topics: [], data: '0x03' }] })
    await advanceInSteps(clock, 3_000)

    // Nothing of the orphaned block (never delivered, so nothing to remove); the new branch's logs flow.
    expect(logs).toEqual([`+${reorg.added[0]!.hash}`, `+${after!.hash}`])
    expect(logs.join()).not.toContain(stuck!.hash)
  })

  it('closes without waiting for a provider that never answers eth_unsubscribe', async () => {
    const clock = createFakeClock()
    const chain = createMockChain({ clock, chainId: 1 })
    const mock = createMockProvider({ chain, clock, id: 'hung' })
    let unsubscribeCalls = 0
    // A hung provider: its subscriptions open, but the eth_unsubscribe round trip never comes back.
    const hung: Upstream = {
      request: (method, params, options) => mock.request(method, params, options),
      subscribe: async (params, onNotification, hooks) => {
        await mock.subscribe!(params, onNotification, hooks)
        return {
          unsubscribe: () => {
            unsubscribeCalls++
            return new Promise<void>(() => {})
          },
        }
      },
      onConnectionChange: (listener) => mock.onConnectionChange!(listener),
      close: () => mock.close(),
    }
    pool = createProviderPool({
      chains: [{ name: 'ethereum', chainId: 1 }],
      providers: [{ id: 'hung', chain: 'ethereum', upstream: hung }],
      clock,
      headPollIntervalMs: 60_000,
    })
    await advanceInSteps(clock, 10)
    let closed = false
    void pool.close().then(() => {
      closed = true
    })
    // No time passes: closing must not wait for the unanswered call (nor its timeout).
    for (let turn = 0; turn < 10 && !closed; turn++) await new Promise((resolve) => setImmediate(resolve))
    expect(closed).toBe(true)
    expect(unsubscribeCalls).toBe(1)
  })

  it('releases upstream subscriptions when the last subscriber leaves (racing off)', async () => {
    const { clock, providers, pool } = pushSetup()
    const subscription = pool.subscribe('ethereum', 'newHeads', () => undefined)
    await advanceInSteps(clock, 10)
    expect(providers.map((provider) => provider.activeSubscriptions())).toEqual([1, 1])
    subscription.unsubscribe()
    await advanceInSteps(clock, 10)
    expect(providers.map((provider) => provider.activeSubscriptions())).toEqual([0, 0])
    expect(pool.upstreamSubscriptionCount()).toBe(0)
  })
})
