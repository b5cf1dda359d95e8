import { afterEach, describe, expect, it } from 'vitest'
import { createFakeClock, type FakeClock } from '../clock/fake-clock.js'
import { ChainPulseError } from '../errors/base-error.js'
import { UnknownChainError, UpstreamRpcError } from '../errors/errors.js'
import type { ProviderPoolOptions } from '../provider-pool/options.js'
import { createProviderPool } from '../provider-pool/provider-pool.js'
import type { ProviderPool } from '../provider-pool/types.js'
import type { BlockHeader } from '../subscriptions/block-header.js'
import type { Log } from '../subscriptions/log-filter.js'
import { createMockChain } from '../testing/mock-chain.js'
import { createMockProvider } from '../testing/mock-provider.js'
import { advanceInSteps, settleOnClock } from '../testing/run-clock.js'
import {
  createEip1193Provider,
  type Eip1193ConnectInfo,
  type Eip1193Message,
  Eip1193ProviderError,
  toEip1193Error,
} from './eip1193.js'

/** Every injected error a 429 (with `errorRate: 1`: every call rate-limited). */
const rateLimitsOnly = { serverError: 0, rateLimit: 1, rpcError: 0, malformed: 0 }

const token = '0x00000000000000000000000000000000000000aa'
const other = '0x00000000000000000000000000000000000000bb'
const transfer = `0x${'dd'.repeat(32)}`

const pools: { pool: ProviderPool; clock: FakeClock }[] = []
afterEach(async () => {
  // Closing waits for upstream unsubscribes, which answer on the fake clock.
  await Promise.all(pools.splice(0).map(({ pool, clock }) => settleOnClock(clock, pool.close())))
})

function setup(poolOptions: Partial<ProviderPoolOptions> = {}) {
  const clock = createFakeClock()
  const chain = createMockChain({ clock, chainId: 137, startBlock: 50 })
  const alpha = createMockProvider({ chain, clock, id: 'alpha', latencyMs: 10 })
  const beta = createMockProvider({ chain, clock, id: 'beta', latencyMs: 30 })
  const pool = createProviderPool({
    chains: [{ name: 'polygon', chainId: 137 }],
    providers: [
      { id: 'alpha', chain: 'polygon', upstream: alpha, priority: 1 },
      { id: 'beta', chain: 'polygon', upstream: beta, priority: 2 },
    ],
    strategy: 'priority',
    clock,
    // The adapter's mapping alone: scripted failures must reach requests, not background probes.
    healthCheck: false,
    ...poolOptions,
  })
  pools.push({ pool, clock })
  return { clock, chain, alpha, beta, pool, provider: createEip1193Provider(pool, 'polygon') }
}

async function rejection(clock: FakeClock, promise: Promise<unknown>): Promise<Eip1193ProviderError> {
  const error = await settleOnClock(clock, promise).then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(Eip1193ProviderError)
  return error as Eip1193ProviderError
}

describe('createEip1193Provider: requests', () => {
  it('resolves with the result the pool routed', async () => {
    const { clock, chain, provider } = setup()
    chain.mine(2)
    chain.setBalance(token, 42n)
    expect(await settleOnClock(clock, provider.request({ method: 'eth_blockNumber' }))).toBe('0x34')
    expect(
      await settleOnClock(clock, provider.request({ method: 'eth_getBalance', params: [token, 'latest'] })),
    ).toBe('0x2a')
    expect(provider.chainId).toBe('0x89')
  })

  it('fails over: a provider going down in between does not reach the caller', async () => {
    const { clock, alpha, beta, provider } = setup()
    await settleOnClock(clock, provider.request({ method: 'eth_chainId' }))
    expect(beta.calls('eth_chainId')).toBe(0)
    alpha.set({ mode: 'down' })
    expect(await settleOnClock(clock, provider.request({ method: 'eth_chainId' }))).toBe('0x89')
    expect(alpha.calls('eth_chainId')).toBe(2)
    expect(beta.calls('eth_chainId')).toBe(1)
  })

  it('is created from a chain id as well as a name, and refuses unknown chains at once', () => {
    const { pool } = setup()
    expect(createEip1193Provider(pool, 137).chainId).toBe('0x89')
    expect(() => createEip1193Provider(pool, 'solana')).toThrow(UnknownChainError)
  })

  it('emits connect once, after creation, with the hex chain id', async () => {
    const { pool } = setup()
    const provider = createEip1193Provider(pool, 'polygon')
    const connects: Eip1193ConnectInfo[] = []
    provider.on('connect', (info) => connects.push(info))
    expect(connects).toEqual([])
    await Promise.resolve()
    await Promise.resolve()
    expect(connects).toEqual([{ chainId: '0x89' }])
  })
})

describe('createEip1193Provider: errors', () => {
  it("passes an upstream's JSON-RPC error on with its own code, message and data", async () => {
    const { clock, chain, provider } = setup()
    chain.setCall({ to: token }, { revert: '0x08c379a0', message: 'execution reverted: not owner' })
    const error = await rejection(
      clock,
      provider.request({ method: 'eth_call', params: [{ to: token }, 'latest'] }),
    )
    expect(error.toJSON()).toEqual({ code: 3, message: 'execution reverted: not owner', data: '0x08c379a0' })
    expect(error.cause).toBeInstanceOf(UpstreamRpcError)
  })

  it('answers 4901 when no provider of the chain is available', async () => {
    const { clock, alpha, beta, provider } = setup({
      breaker: { failureThreshold: 1, halfOpenAfterMs: 60_000 },
    })
    alpha.set({ mode: 'down' })
    beta.set({ mode: 'down' })
    // The first call fails on both and opens their breakers; then no provider is available.
    await rejection(clock, provider.request({ method: 'eth_blockNumber' }))
    const error = await rejection(clock, provider.request({ method: 'eth_blockNumber' }))
    expect(error.code).toBe(4901)
    expect(error.data).toMatchObject({ code: 'NO_PROVIDER_AVAILABLE' })
  })

  it('answers -32603 when every provider failed, and -32005 when they all rate-limited', async () => {
    const { clock, alpha, beta, provider } = setup()
    // Twice each: a provider that answered badly is asked once more before the request gives up.
    alpha.set({ failNext: 2 })
    beta.set({ failNext: 2 })
    const failed = await rejection(clock, provider.request({ method: 'eth_blockNumber' }))
    expect(failed.code).toBe(-32603)
    expect(failed.data).toMatchObject({ code: 'ALL_PROVIDERS_FAILED' })
    expect(failed.message).toMatch(/attempt/)

    alpha.set({ errorRate: 1, errorMix: rateLimitsOnly, retryAfterSeconds: 0.1 })
    beta.set({ errorRate: 1, errorMix: rateLimitsOnly, retryAfterSeconds: 0.1 })
    const limited = await rejection(clock, provider.request({ method: 'eth_blockNumber' }))
    expect(limited.code).toBe(-32005)
  })

  it('answers 4900 once the pool is closed', async () => {
    const { clock, pool, provider } = setup()
    await settleOnClock(clock, pool.close())
    const error = await rejection(clock, provider.request({ method: 'eth_blockNumber' }))
    expect(error.code).toBe(4900)
  })

  it('recognises ChainPulse errors by code, as thrown by another copy of the classes (CommonJS entries)', () => {
    const copy = Object.assign(new Error('copy'), {
      code: 'UPSTREAM_RPC_ERROR',
      shortMessage: 'Provider "alpha" answered with JSON-RPC error 3.',
      rpcError: { code: 3, message: 'execution reverted', data: '0x01' },
      errorClass: 'execution',
    })
    expect(toEip1193Error(copy).toJSON()).toEqual({ code: 3, message: 'execution reverted', data: '0x01' })
    const closed = Object.assign(new Error('closed'), { code: 'POOL_CLOSED', shortMessage: 'closed' })
    expect(toEip1193Error(closed).code).toBe(4900)
    const lookalike = Object.assign(new Error('odd'), { code: 'NOT_A_CHAINPULSE_CODE', shortMessage: 'odd' })
    expect(toEip1193Error(lookalike).code).toBe(-32603)
  })

  it('maps foreign errors to -32603 and keeps them as the cause', () => {
    const cause = new TypeError('boom')
    const error = toEip1193Error(cause)
    expect(error.toJSON()).toEqual({ code: -32603, message: 'Internal error: boom' })
    expect(error.cause).toBe(cause)
    expect(toEip1193Error(error)).toBe(error)
    expect(error).not.toBeInstanceOf(ChainPulseError)
  })
})

describe('createEip1193Provider: subscriptions', () => {
  it('delivers newHeads as message events until eth_unsubscribe', async () => {
    const { clock, chain, provider } = setup()
    const messages: Eip1193Message[] = []
    provider.on('message', (message) => messages.push(message))
    const id = await settleOnClock(
      clock,
      provider.request<string>({ method: 'eth_subscribe', params: ['newHeads'] }),
    )
    await advanceInSteps(clock, 50)
    const mined = chain.mine(2)
    await advanceInSteps(clock, 100)
    expect(messages.map((message) => message.type)).toEqual(['eth_subscription', 'eth_subscription'])
    expect(messages.map((message) => message.data.subscription)).toEqual([id, id])
    expect(messages.map((message) => (message.data.result as BlockHeader).hash)).toEqual(
      mined.map((block) => block.hash),
    )

    expect(await settleOnClock(clock, provider.request({ method: 'eth_unsubscribe', params: [id] }))).toBe(
      true,
    )
    expect(await settleOnClock(clock, provider.request({ method: 'eth_unsubscribe', params: [id] }))).toBe(
      false,
    )
    chain.mine()
    await advanceInSteps(clock, 100)
    expect(messages).toHaveLength(2)
  })

  it('delivers the logs matching a logs filter', async () => {
    const { clock, chain, provider } = setup()
    const results: Log[] = []
    provider.on('message', ({ data }) => results.push(data.result as Log))
    await settleOnClock(
      clock,
      provider.request({ method: 'eth_subscribe', params: ['logs', { address: token }] }),
    )
    await advanceInSteps(clock, 50)
    chain.mine({ logs: [{ address: token, topics: [transfer], data: '0x01' }, { address: other }] })
    chain.mine({ logs: [{ address: token, data: '0x02' }] })
    await advanceInSteps(clock, 200)
    expect(results.map((log) => [log.address, log.data])).toEqual([
      [token, '0x01'],
      [token, '0x02'],
    ])
  })

  it('refuses unsupported subscriptions and malformed filters with -32602', async () => {
    const { clock, provider } = setup()
    const pending = await rejection(
      clock,
      provider.request({ method: 'eth_subscribe', params: ['newPendingTransactions'] }),
    )
    expect(pending.code).toBe(-32602)
    const malformed = await rejection(
      clock,
      provider.request({ method: 'eth_subscribe', params: ['logs', { topics: 7 }] }),
    )
    expect(malformed.code).toBe(-32602)
  })

  it('disconnect ends every subscription, emits disconnect and refuses later requests with 4900', async () => {
    const { clock, chain, provider } = setup()
    const messages: Eip1193Message[] = []
    const disconnects: Eip1193ProviderError[] = []
    provider.on('message', (message) => messages.push(message))
    provider.on('disconnect', (error) => disconnects.push(error))
    await settleOnClock(clock, provider.request({ method: 'eth_subscribe', params: ['newHeads'] }))
    await settleOnClock(clock, provider.request({ method: 'eth_subscribe', params: ['logs', {}] }))
    await advanceInSteps(clock, 50)
    provider.disconnect()
    provider.disconnect()
    chain.mine({ logs: [{ address: token }] })
    await advanceInSteps(clock, 200)
    expect(messages).toEqual([])
    expect(disconnects.map((error) => error.code)).toEqual([4900])
    expect((await rejection(clock, provider.request({ method: 'eth_chainId' }))).code).toBe(4900)
  })

  it('does not emit connect when disconnected before it was due', async () => {
    const { pool } = setup()
    const provider = createEip1193Provider(pool, 'polygon')
    const connects: unknown[] = []
    provider.once('connect', (info) => connects.push(info))
    provider.disconnect()
    await Promise.resolve()
    expect(connects).toEqual([])
  })

  it('stops calling a listener once it is removed', async () => {
    const { clock, chain, provider } = setup()
    const seen: unknown[] = []
    const listener = (message: Eip1193Message) => seen.push(message)
    provider.on('message', listener)
    await settleOnClock(clock, provider.request({ method: 'eth_subscribe', params: ['newHeads'] }))
    await advanceInSteps(clock, 50)
    chain.mine()
    await advanceInSteps(clock, 100)
    provider.off('message', listener)
    chain.mine()
    await advanceInSteps(clock, 100)
    expect(seen).toHaveLength(1)
  })
})
