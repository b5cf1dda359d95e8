import { describe, expect, it } from 'vitest'
import { createFakeClock } from '../clock/fake-clock.js'
import {
  AbortedError,
  ConfigError,
  RateLimitedError,
  UpstreamHttpError,
  UpstreamRpcError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../errors/errors.js'
import type { UpstreamConnectionState } from '../provider-pool/provider/upstream.js'
import type { BlockHeader } from '../subscriptions/block-header.js'
import type { Log } from '../subscriptions/log-filter.js'
import type { JsonRpcResponse } from '../transport/json-rpc.js'
import { createMockChain } from './mock-chain.js'
import { createMockProvider, type MockProviderOptions } from './mock-provider.js'

/** Every injected error a 429 (with `errorRate: 1`: every call rate-limited). */
const rateLimitsOnly = { serverError: 0, rateLimit: 1, rpcError: 0, malformed: 0 }

const token = '0x00000000000000000000000000000000000000aa'
const other = '0x00000000000000000000000000000000000000bb'
const transfer = `0x${'dd'.repeat(32)}`
const call = { timeoutMs: 10_000 }

function setup(options: Partial<MockProviderOptions> = {}) {
  const clock = createFakeClock()
  const chain = createMockChain({ clock, startBlock: 10 })
  const provider = createMockProvider({ chain, clock, ...options })
  const result = async (method: string, params: unknown[] = []) => {
    const response = await provider.request(method, params, call)
    if ('error' in response) throw new Error(`unexpected error ${JSON.stringify(response.error)}`)
    return response.result
  }
  return { clock, chain, provider, result }
}

/** Lets queued microtasks (zero-latency answers and pushes) run. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve))

/** Settles a promise into a comparable outcome without an unhandled rejection. */
function track<T>(promise: Promise<T>) {
  const outcome: { value?: T; error?: unknown; done: boolean } = { done: false }
  promise.then(
    (value) => Object.assign(outcome, { value, done: true }),
    (error: unknown) => Object.assign(outcome, { error, done: true }),
  )
  return outcome
}

async function subscribeHeads(provider: ReturnType<typeof setup>['provider']) {
  const heads: BlockHeader[] = []
  const resubscribed: number[] = []
  const subscription = await provider.subscribe!(['newHeads'], (head) => heads.push(head as BlockHeader), {
    onResubscribed: () => resubscribed.push(heads.length),
  })
  return { heads, resubscribed, subscription }
}

describe('createMockProvider: answers', () => {
  it('answers chain id, network version and block number from the chain', async () => {
    const { chain, result } = setup()
    chain.mine(2)
    expect(await result('eth_chainId')).toBe('0x1')
    expect(await result('net_version')).toBe('1')
    expect(await result('eth_blockNumber')).toBe('0xc')
  })

  it('serves blocks by number, tag and hash, with full transactions on request', async () => {
    const { chain, result } = setup()
    const [mined] = chain.mine({ logs: [{ address: token, topics: [transfer] }] })
    expect(await result('eth_getBlockByNumber', ['latest', false])).toEqual(mined)
    expect(await result('eth_getBlockByNumber', ['0xa', false])).toEqual(chain.blockByNumber(10))
    expect(await result('eth_getBlockByNumber', ['earliest', false])).toEqual(chain.blockByNumber(10))
    expect(await result('eth_getBlockByNumber', ['0x63', false])).toBeNull()
    expect(await result('eth_getBlockByHash', [mined!.hash, false])).toEqual(mined)
    const full = (await result('eth_getBlockByHash', [mined!.hash, true])) as {
      transactions: { hash: string }[]
    }
    expect(full.transactions.map((transaction) => transaction.hash)).toEqual(mined!.transactions)
    expect(await result('eth_getBlockByHash', [`0x${'12'.repeat(32)}`, false])).toBeNull()
  })

  it('returns copies, so callers cannot change the chain', async () => {
    const { chain, result } = setup()
    const block = (await result('eth_getBlockByNumber', ['latest', false])) as { hash: string }
    block.hash = '0xchanged'
    expect(chain.head().hash).not.toBe('0xchanged')
  })

  it('filters logs by block hash or by range, address and topics', async () => {
    const { chain, result, provider } = setup()
    const [first] = chain.mine({ logs: [{ address: token, topics: [transfer] }, { address: other }] })
    chain.mine({ logs: [{ address: token, topics: [transfer], data: '0x02' }] })
    const byHash = (await result('eth_getLogs', [{ blockHash: first!.hash, address: token }])) as Log[]
    expect(byHash.map((log) => log.address)).toEqual([token])
    const range = (await result('eth_getLogs', [
      { fromBlock: '0xb', toBlock: 'latest', topics: [transfer] },
    ])) as Log[]
    expect(range.map((log) => log.blockNumber)).toEqual(['0xb', '0xc'])
    expect(await result('eth_getLogs', [{ fromBlock: '0xc', toBlock: '0xb' }])).toEqual([])
    const unknown = await provider.request('eth_getLogs', [{ blockHash: `0x${'12'.repeat(32)}` }], call)
    expect(unknown).toMatchObject({ error: { code: -32000, message: 'unknown block' } })
  })

  it('answers balances and scripted calls, reverts as code 3 with the revert data', async () => {
    const { chain, result, provider } = setup()
    chain.setBalance(token, 5n * 10n ** 18n)
    chain.setCall({ to: token, data: '0x70a08231' }, '0x2a')
    chain.setCall({ to: other }, { revert: '0x08c379a0', message: 'execution reverted: nope' })
    expect(await result('eth_getBalance', [token, 'latest'])).toBe('0x4563918244f40000')
    expect(await result('eth_call', [{ to: token, data: '0x70a08231' }, 'latest'])).toBe('0x2a')
    expect(await provider.request('eth_call', [{ to: other, data: '0x' }, 'latest'], call)).toMatchObject({
      error: { code: 3, message: 'execution reverted: nope', data: '0x08c379a0' },
    })
    expect(await provider.request('eth_getBalance', [token, '0x99'], call)).toMatchObject({
      error: { code: -32000, message: 'header not found' },
    })
  })

  it('answers unknown methods with -32601 and custom handlers when given', async () => {
    const { provider, result } = setup()
    expect(await provider.request('eth_sendRawTransaction', ['0x02'], call)).toMatchObject({
      error: { code: -32601 },
    })
    provider.handle('eth_sendRawTransaction', () => ({ result: `0x${'ab'.repeat(32)}` }))
    provider.handle('eth_gasPrice', () => ({ error: { code: -32000, message: 'no gas today' } }))
    expect(await result('eth_sendRawTransaction', ['0x02'])).toBe(`0x${'ab'.repeat(32)}`)
    expect(await provider.request('eth_gasPrice', [], call)).toMatchObject({
      error: { message: 'no gas today' },
    })
    provider.handle('eth_sendRawTransaction', undefined)
    expect(await provider.request('eth_sendRawTransaction', ['0x02'], call)).toMatchObject({
      error: { code: -32601 },
    })
  })

  it('counts calls per method, failed ones included', async () => {
    const { provider, result } = setup({ script: { failNext: 1 } })
    await expect(result('eth_blockNumber')).rejects.toThrow(UpstreamHttpError)
    await result('eth_blockNumber')
    await result('eth_chainId')
    expect(provider.calls('eth_blockNumber')).toBe(2)
    expect(provider.calls()).toBe(3)
    expect(provider.callCounts()).toEqual({ eth_blockNumber: 2, eth_chainId: 1 })
    provider.resetCalls()
    expect(provider.calls()).toBe(0)
  })
})

describe('createMockProvider: scripted behaviour', () => {
  it('answers after its latency on the injected clock, with state as of arrival', async () => {
    const { clock, chain, provider } = setup({ latencyMs: 100 })
    const pending = track(provider.request('eth_blockNumber', [], call))
    chain.mine()
    clock.advance(99)
    await flush()
    expect(pending.done).toBe(false)
    clock.advance(1)
    await flush()
    expect(pending.value).toEqual({ jsonrpc: '2.0', id: null, result: '0xa' })
  })

  it('ends a call slower than the timeout with UpstreamTimeoutError at the timeout', async () => {
    const { clock, provider } = setup({ latencyMs: 500 })
    const pending = track(provider.request('eth_blockNumber', [], { timeoutMs: 200 }))
    clock.advance(200)
    await flush()
    expect(pending.error).toBeInstanceOf(UpstreamTimeoutError)
    expect(clock.pendingTimers()).toBe(0)
  })

  it('hangs until aborted, then rejects with AbortedError', async () => {
    const { clock, provider } = setup({ script: { mode: 'hang' } })
    const controller = new AbortController()
    const pending = track(
      provider.request('eth_chainId', [], { timeoutMs: 60_000, signal: controller.signal }),
    )
    clock.advance(59_999)
    await flush()
    expect(pending.done).toBe(false)
    controller.abort()
    await flush()
    expect(pending.error).toBeInstanceOf(AbortedError)
    expect(clock.pendingTimers()).toBe(0)
    await expect(
      provider.request('eth_chainId', [], { timeoutMs: 1, signal: controller.signal }),
    ).rejects.toThrow(AbortedError)
  })

  it('fails while down with UpstreamUnavailableError and recovers when back up', async () => {
    const { provider, result } = setup()
    provider.set({ mode: 'down' })
    await expect(result('eth_chainId')).rejects.toThrow(UpstreamUnavailableError)
    provider.set({ mode: 'up' })
    expect(await result('eth_chainId')).toBe('0x1')
  })

  it('fails the next n calls with HTTP 503, then answers', async () => {
    const { provider, result } = setup()
    provider.set({ failNext: 2 })
    await expect(result('eth_chainId')).rejects.toMatchObject({
      status: 503,
      retriable: true,
      providerId: 'mock',
    })
    await expect(result('eth_chainId')).rejects.toThrow(UpstreamHttpError)
    expect(await result('eth_chainId')).toBe('0x1')
  })

  it('fails a seeded, reproducible share of calls with errorRate', async () => {
    const run = async (seed: number) => {
      const serverErrorsOnly = { serverError: 1, rateLimit: 0, rpcError: 0, malformed: 0 }
      const { provider } = setup({ seed, script: { errorRate: 0.3, errorMix: serverErrorsOnly } })
      const outcomes: boolean[] = []
      for (let index = 0; index < 200; index++)
        outcomes.push(
          await provider.request('eth_chainId', [], call).then(
            () => true,
            () => false,
          ),
        )
      return outcomes
    }
    const first = await run(7)
    expect(await run(7)).toEqual(first)
    expect(await run(8)).not.toEqual(first)
    const failures = first.filter((ok) => !ok).length
    expect(failures).toBeGreaterThan(40)
    expect(failures).toBeLessThan(80)
  })

  it('rate-limits with RateLimitedError carrying the retry delay', async () => {
    const { provider, result } = setup({
      script: { errorRate: 1, errorMix: rateLimitsOnly, retryAfterSeconds: 2 },
    })
    await expect(result('eth_chainId')).rejects.toSatisfy(
      (error) => error instanceof RateLimitedError && error.retryAfterMs === 2_000 && error.status === 429,
    )
    provider.set({ errorRate: 0 })
    expect(await result('eth_chainId')).toBe('0x1')
  })

  it('answers with a scripted JSON-RPC error, for the named methods only', async () => {
    const { provider, result } = setup({
      script: { rpcError: { code: -32000, message: 'missing trie node', methods: ['eth_call'] } },
    })
    const response: JsonRpcResponse = await provider.request('eth_call', [{ to: token }, 'latest'], call)
    expect(response).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32000, message: 'missing trie node' },
    })
    expect(await result('eth_chainId')).toBe('0x1')
  })

  it('lags: serves and announces only blocks lagBlocks behind the chain', async () => {
    const { chain, provider, result } = setup({ script: { lagBlocks: 2 } })
    const { heads } = await subscribeHeads(provider)
    chain.mine(3)
    await flush()
    expect(await result('eth_blockNumber')).toBe('0xb')
    expect(provider.head()).toBe(11)
    expect(await result('eth_getBlockByNumber', ['0xd', false])).toBeNull()
    expect(heads.map((head) => head.number)).toEqual(['0xb'])
    provider.set({ lagBlocks: 0 })
    await flush()
    expect(heads.map((head) => head.number)).toEqual(['0xb', '0xc', '0xd'])
  })

  it('refuses eth_getLogs answers holding more than maxLogsResults logs, by range or by hash', async () => {
    const { chain, provider } = setup({ script: { maxLogsResults: 2 } })
    const [block] = chain.mine({ logs: [0, 1, 2].map((n) => ({ address: token, data: `0x0${n}` })) })
    const refusal = { code: -32005, message: 'query returned more than 2 results' }
    const logs = async (filter: object) => provider.request('eth_getLogs', [filter], call)
    expect(await logs({ fromBlock: block!.number, toBlock: block!.number })).toMatchObject({ error: refusal })
    expect(await logs({ blockHash: block!.hash })).toMatchObject({ error: refusal })
    expect(await logs({ blockHash: block!.hash, address: other })).toMatchObject({ result: [] })
    provider.set({ maxLogsResults: null })
    expect(((await logs({ blockHash: block!.hash })) as { result: Log[] }).result).toHaveLength(3)
  })

  it('rejects invalid behaviour with a ConfigError', () => {
    const { provider } = setup()
    expect(() => provider.set({ errorRate: 2 })).toThrow(ConfigError)
    expect(() => provider.set({ stallMinMs: 900 })).toThrow(/stallMinMs \(900\) exceeds stallMaxMs \(800\)/)
    expect(provider.behaviour().stallMinMs).toBe(200)
    expect(() => createMockProvider({ chain: {} as never })).toThrow(/chain/)
  })
})

describe('createMockProvider: subscriptions', () => {
  it('pushes each mined block as a header after the push delay', async () => {
    const { clock, chain, provider } = setup({ latencyMs: 50, script: { wsDelayMs: 50 } })
    const subscribing = subscribeHeads(provider)
    clock.advance(50)
    const { heads } = await subscribing
    const [block] = chain.mine()
    clock.advance(49)
    await flush()
    expect(heads).toEqual([])
    clock.advance(1)
    await flush()
    expect(heads).toHaveLength(1)
    expect(heads[0]).toMatchObject({ number: '0xb', hash: block!.hash, parentHash: block!.parentHash })
    expect(heads[0]).not.toHaveProperty('transactions')
    expect(provider.calls('eth_subscribe')).toBe(1)
  })

  it('keeps pushes in order when the push delay drops between them', async () => {
    const { clock, chain, provider } = setup({ latencyMs: 100, script: { wsDelayMs: 100 } })
    const subscribing = subscribeHeads(provider)
    clock.advance(100)
    const { heads } = await subscribing
    chain.mine()
    provider.set({ wsDelayMs: 10 })
    chain.mine()
    clock.advance(100)
    await flush()
    expect(heads.map((head) => head.number)).toEqual(['0xb', '0xc'])
  })

  it('pushes the new branch after a reorg', async () => {
    const { chain, provider } = setup()
    const { heads } = await subscribeHeads(provider)
    chain.mine(3)
    const { added } = chain.reorg(2, { length: 3 })
    await flush()
    expect(heads.map((head) => head.number)).toEqual(['0xb', '0xc', '0xd', '0xc', '0xd', '0xe'])
    expect(heads.slice(3).map((head) => head.hash)).toEqual(added.map((block) => block.hash))
  })

  it('pushes matching logs, and the logs of reorged blocks again as removed', async () => {
    const { chain, provider } = setup()
    const logs: Log[] = []
    await provider.subscribe!(['logs', { address: token }], (log) => logs.push(log as Log), {})
    const [block] = chain.mine({
      logs: [{ address: token, topics: [transfer], data: '0x01' }, { address: other }],
    })
    chain.reorg(1, { logs: [[{ address: token, data: '0x02' }]] })
    await flush()
    expect(logs.map((log) => [log.data, log.removed])).toEqual([
      ['0x01', false],
      ['0x01', true],
      ['0x02', false],
    ])
    expect(logs[1]!.blockHash).toBe(block!.hash)
  })

  it('drops the push channel instead of pushing when wsDropRate draws it', async () => {
    const { chain, provider } = setup({ script: { wsDropRate: 1 } })
    const { heads } = await subscribeHeads(provider)
    chain.mine()
    await flush()
    expect(heads).toEqual([])
    expect(provider.connectionState()).toBe('disconnected')
  })

  it('changes only the errorMix weights it is given', () => {
    const { provider } = setup({ script: { errorMix: { rateLimit: 3 } } })
    provider.set({ errorMix: { malformed: 0 } })
    expect(provider.behaviour().errorMix).toEqual({ serverError: 1, rateLimit: 3, rpcError: 1, malformed: 0 })
  })

  it('stops pushing on a dropped socket and resumes from the head after reconnect', async () => {
    const { chain, provider } = setup()
    const states: UpstreamConnectionState[] = []
    provider.onConnectionChange!((state) => states.push(state))
    const { heads, resubscribed } = await subscribeHeads(provider)
    chain.mine()
    await flush()
    provider.dropSubscriptions()
    chain.mine(2)
    await flush()
    expect(heads.map((head) => head.number)).toEqual(['0xb'])
    expect(provider.connectionState()).toBe('disconnected')
    await expect(provider.subscribe!(['newHeads'], () => {}, {})).rejects.toThrow(UpstreamUnavailableError)
    provider.reconnect()
    chain.mine()
    await flush()
    expect(resubscribed).toEqual([1])
    expect(heads.map((head) => head.number)).toEqual(['0xb', '0xe'])
    expect(states).toEqual(['disconnected', 'connecting', 'connected'])
  })

  it('drops pushes already on their way when the socket drops', async () => {
    const { clock, chain, provider } = setup({ latencyMs: 100, script: { wsDelayMs: 100 } })
    const subscribing = subscribeHeads(provider)
    clock.advance(100)
    const { heads } = await subscribing
    chain.mine()
    provider.dropSubscriptions()
    provider.reconnect()
    clock.advance(100)
    await flush()
    expect(heads).toEqual([])
  })

  it('drops the push channel while down and resubscribes when back up', async () => {
    const { chain, provider } = setup()
    const { heads, resubscribed } = await subscribeHeads(provider)
    provider.set({ mode: 'down' })
    chain.mine()
    await flush()
    expect(provider.connectionState()).toBe('disconnected')
    provider.reconnect()
    expect(provider.connectionState()).toBe('disconnected')
    provider.set({ mode: 'up' })
    chain.mine()
    await flush()
    expect(resubscribed).toEqual([0])
    expect(heads.map((head) => head.number)).toEqual(['0xc'])
  })

  it('stops delivery at once on unsubscribe', async () => {
    const { chain, provider } = setup()
    const { heads, subscription } = await subscribeHeads(provider)
    chain.mine()
    await subscription.unsubscribe()
    await flush()
    expect(heads).toEqual([])
    expect(provider.activeSubscriptions()).toBe(0)
  })

  it('refuses unknown subscription kinds with a JSON-RPC error', async () => {
    const { provider } = setup()
    await expect(provider.subscribe!(['newPendingTransactions'], () => {}, {})).rejects.toThrow(
      UpstreamRpcError,
    )
  })

  it('has no push channel when created without subscriptions', () => {
    const { provider } = setup({ subscriptions: false })
    expect(provider.subscribe).toBeUndefined()
    expect(provider.onConnectionChange).toBeUndefined()
  })

  it('rejects calls in flight and clears its timers on close', async () => {
    const { clock, chain, provider } = setup({ latencyMs: 100, script: { wsDelayMs: 100 } })
    const subscribing = subscribeHeads(provider)
    clock.advance(100)
    await subscribing
    chain.mine()
    const pending = track(provider.request('eth_chainId', [], call))
    provider.close()
    await flush()
    expect(pending.error).toBeInstanceOf(UpstreamUnavailableError)
    expect(clock.pendingTimers()).toBe(0)
    await expect(provider.request('eth_chainId', [], call)).rejects.toThrow(/closed/)
  })

  it('ends a subscribe still waiting for its answer on close', async () => {
    const { provider } = setup({ latencyMs: 100 })
    const pending = track(provider.subscribe!(['newHeads'], () => {}, {}))
    provider.close()
    await flush()
    expect(pending.error).toBeInstanceOf(UpstreamUnavailableError)
    expect(provider.activeSubscriptions()).toBe(0)
  })
})
