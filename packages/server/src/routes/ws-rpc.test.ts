import type { AddressInfo } from 'node:net'
import { type ConnectionEvent, createProviderPool, type ProviderPool } from '@chainpulse/core'
import {
  createFakeClock,
  createMockChain,
  createMockProvider,
  type FakeClock,
  type MockChain,
  type MockProvider,
} from '@chainpulse/core/testing'
import type { FastifyInstance } from 'fastify'
import { createPublicClient, webSocket } from 'viem'
import { afterEach, describe, expect, it } from 'vitest'
import { buildServer } from '../app.js'
import type { ServerConfigInput } from '../config/server-config.js'
import { openTestClient, type RpcResponse, refusedUpgrade, type TestWsClient } from '../ws/test-client.js'

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

const API_KEY = 'k'.repeat(24)
const TOKEN = '0x00000000000000000000000000000000000000aa'
const OTHER = '0x00000000000000000000000000000000000000bb'
const TRANSFER = `0x${'dd'.repeat(32)}`
const APPROVAL = `0x${'8c'.repeat(32)}`

interface Setup {
  clock: FakeClock
  chain: MockChain
  alpha: MockProvider
  bravo: MockProvider
  pool: ProviderPool
  app: FastifyInstance
  url: (path?: string) => string
  connect: (path?: string, headers?: Record<string, string>) => Promise<TestWsClient>
  close: () => Promise<void>
}

/**
 * A listening server over a pool of two mock WebSocket providers on one mock chain (block 5); with
 * `serverClock`, the server's own limits are timed by the fake clock too.
 */
async function setup(
  config: ServerConfigInput = {},
  options: { serverClock?: boolean } = {},
): Promise<Setup> {
  const clock = createFakeClock()
  const chain = createMockChain({ clock })
  chain.mine(5)
  const alpha = createMockProvider({ chain, clock, id: 'alpha' })
  const bravo = createMockProvider({ chain, clock, id: 'bravo' })
  const pool = createProviderPool({
    chains: [{ name: 'ethereum', chainId: 1 }],
    providers: [
      { id: 'alpha', chain: 'ethereum', upstream: alpha, priority: 1 },
      { id: 'bravo', chain: 'ethereum', upstream: bravo, priority: 2 },
    ],
    strategy: 'priority',
    racing: false,
    clock,
  })
  const app = buildServer({ pool, logger: false, config, ...(options.serverClock ? { clock } : {}) })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  const url = (path = '/ws/rpc/ethereum') => `ws://127.0.0.1:${port}${path}`
  const clients: TestWsClient[] = []
  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    await Promise.all(clients.map((client) => client.close()))
    await app.close()
    await pool.close()
  }
  closers.push(close)
  return {
    clock,
    chain,
    alpha,
    bravo,
    pool,
    app,
    url,
    async connect(path, headers) {
      const client = await openTestClient(url(path), headers ? { headers } : {})
      clients.push(client)
      return client
    },
    close,
  }
}

const numberOf = (block: unknown) => Number.parseInt((block as { number: string }).number, 16)

/** Waits until `count` notifications arrived for `subscription`; returns all of them. */
function notificationsFor(client: TestWsClient, subscription: string, count: number): Promise<unknown[]> {
  return client.until(() => {
    const received = client.notifications(subscription)
    return received.length >= count ? received : undefined
  })
}

/** Yields to the event loop (socket I/O included) until `condition` holds, for at most 5 s. */
async function eventually(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000
  while (!condition() && Date.now() < deadline) await new Promise(setImmediate)
  expect(condition()).toBe(true)
}

describe('JSON-RPC over WebSocket', () => {
  it('answers calls through the pool, echoing ids byte for byte', async () => {
    const { connect } = await setup()
    const client = await connect()
    client.send('{"jsonrpc":"2.0","id":9007199254740993,"method":"eth_chainId"}')
    client.send('{"jsonrpc":"2.0","id":"a\\u0062c","method":"eth_blockNumber"}')
    await client.until((messages) => messages.length >= 2 || undefined)
    expect(client.texts).toContain('{"jsonrpc":"2.0","id":9007199254740993,"result":"0x1"}')
    expect(client.texts).toContain('{"jsonrpc":"2.0","id":"a\\u0062c","result":"0x5"}')
  })

  it('answers a batch with one array in request order, leaving notifications out', async () => {
    const { connect } = await setup()
    const client = await connect()
    client.send(
      '[{"jsonrpc":"2.0","id":1.0,"method":"eth_chainId"},{"jsonrpc":"2.0","method":"eth_chainId"},{"jsonrpc":"2.0","id":null,"method":"eth_blockNumber"},{"id":3}]',
    )
    await client.until((messages) => messages.length >= 1 || undefined)
    expect(client.texts[0]).toBe(
      '[{"jsonrpc":"2.0","id":1.0,"result":"0x1"},{"jsonrpc":"2.0","id":null,"result":"0x5"},' +
        '{"jsonrpc":"2.0","id":3,"error":{"code":-32600,"message":"Invalid request: \\"jsonrpc\\" must be exactly \\"2.0\\"","data":{"code":"INVALID_REQUEST"}}}]',
    )
  })

  it('answers a parse error with id null and keeps the connection open', async () => {
    const { connect } = await setup()
    const client = await connect()
    client.send('{"jsonrpc":')
    const [answer] = await client.until((messages) => (messages.length ? messages : undefined))
    expect(answer).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } })
    expect((await client.call('eth_chainId')).result).toBe('0x1')
  })

  it('routes by the strategy or pinned provider in the path', async () => {
    const { connect, alpha, bravo } = await setup()
    const pinned = await connect('/ws/rpc/provider/bravo/ethereum')
    const before = { alpha: alpha.calls('eth_chainId'), bravo: bravo.calls('eth_chainId') }
    expect((await pinned.call('eth_chainId')).result).toBe('0x1')
    expect(alpha.calls('eth_chainId')).toBe(before.alpha)
    expect(bravo.calls('eth_chainId')).toBe(before.bravo + 1)
    const byStrategy = await connect('/ws/rpc/round-robin/1')
    expect((await byStrategy.call('eth_chainId')).result).toBe('0x1')
  })

  it('refuses the upgrade with 404 for an unknown chain, strategy or provider', async () => {
    const { connect } = await setup()
    for (const path of ['/ws/rpc/solana', '/ws/rpc/nope/ethereum', '/ws/rpc/provider/zulu/ethereum']) {
      await expect(connect(path)).rejects.toThrow('Unexpected server response: 404')
    }
  })

  it('blocks denied methods, eth_subscribe included, with -32601', async () => {
    const { connect, alpha, bravo } = await setup({
      rpc: { methods: { deny: ['admin_*', 'eth_subscribe'] } },
    })
    const client = await connect()
    const callsBefore = alpha.calls() + bravo.calls()
    for (const method of ['admin_peers', 'eth_subscribe']) {
      const answer = await client.call(method, ['newHeads'])
      expect(answer.error).toMatchObject({ code: -32601, data: { code: 'METHOD_NOT_ALLOWED' } })
    }
    expect(alpha.calls() + bravo.calls()).toBe(callsBefore)
  })

  it('announces client connections on the connections topic', async () => {
    const { connect, pool } = await setup()
    const events: ConnectionEvent[] = []
    pool.pubsub.subscribe('connections', (event) => events.push(event))
    const client = await connect()
    await eventually(() => events.length === 1)
    await client.close()
    await eventually(() => events.length === 2)
    const id = events[0]?.id
    expect(id).toMatch(/^ws-[0-9a-f]{12}$/)
    expect(events).toEqual([
      { kind: 'client', chain: 'ethereum', id, state: 'connected', transport: 'ws' },
      { kind: 'client', chain: 'ethereum', id, state: 'disconnected', transport: 'ws' },
    ])
  })

  it('closes every client with 1001 when the server closes', async () => {
    const { connect, app } = await setup()
    const clients = [await connect(), await connect()]
    await app.close()
    for (const client of clients) expect((await client.closed).code).toBe(1001)
  })

  it('answers a plain GET without an upgrade with 426', async () => {
    const { url } = await setup()
    const response = await fetch(url().replace('ws:', 'http:'))
    expect(response.status).toBe(426)
    expect(await response.json()).toMatchObject({ id: null, error: { data: { code: 'UPGRADE_REQUIRED' } } })
  })
})

describe('subscriptions over WebSocket', () => {
  it('delivers mined blocks in order, exactly once, to two clients sharing one upstream subscription each', async () => {
    const { connect, chain, alpha, bravo } = await setup()
    const first = await connect()
    const second = await connect()
    const ids = [
      (await first.call('eth_subscribe', ['newHeads'])).result as string,
      (await second.call('eth_subscribe', ['newHeads'])).result as string,
      (await second.call('eth_subscribe', ['newHeads'])).result as string,
    ]
    for (const id of ids) expect(id).toMatch(/^0x[0-9a-f]{32}$/)
    // Unique per connection; every connection counts the same sequence, so one frame serves them all.
    expect(ids[1]).not.toBe(ids[2])
    expect(ids[0]).toBe(ids[1])
    // The pool races every provider once, however many clients listen.
    expect(alpha.activeSubscriptions()).toBe(1)
    expect(bravo.activeSubscriptions()).toBe(1)

    const mined = chain.mine(4)
    const expected = mined.map((block) => block.hash)
    const firstBlocks = await notificationsFor(first, ids[0]!, 4)
    const secondBlocks = await notificationsFor(second, ids[2]!, 4)
    expect(firstBlocks.map((block) => (block as { hash: string }).hash)).toEqual(expected)
    expect(secondBlocks.map((block) => (block as { hash: string }).hash)).toEqual(expected)
    expect(second.notifications(ids[1]!).map(numberOf)).toEqual([6, 7, 8, 9])
    expect(firstBlocks[0]).toMatchObject({ number: '0x6', parentHash: chain.blockByNumber(5)?.hash })

    // Nothing late: one more block arrives alone, after the four.
    chain.mine()
    await notificationsFor(first, ids[0]!, 5)
    expect(first.notifications(ids[0]!).map(numberOf)).toEqual([6, 7, 8, 9, 10])
    expect(alpha.activeSubscriptions()).toBe(1)
  })

  it('delivers only the logs a filter matches', async () => {
    const { connect, chain } = await setup()
    const client = await connect()
    const filtered = (await client.call('eth_subscribe', ['logs', { address: TOKEN, topics: [TRANSFER] }]))
      .result as string
    const everything = (await client.call('eth_subscribe', ['logs'])).result as string
    chain.mine({
      logs: [
        { address: TOKEN, topics: [TRANSFER], data: '0x01' },
        { address: OTHER, topics: [TRANSFER], data: '0x02' },
        { address: TOKEN, topics: [APPROVAL], data: '0x03' },
      ],
    })
    chain.mine({ logs: [{ address: TOKEN, topics: [TRANSFER], data: '0x04' }] })
    await notificationsFor(client, everything, 4)
    const logs = await notificationsFor(client, filtered, 2)
    expect(logs.map((log) => (log as { data: string }).data)).toEqual(['0x01', '0x04'])
    expect(logs[0]).toMatchObject({ address: TOKEN, blockNumber: '0x6', logIndex: '0x0', removed: false })
    expect(client.notifications(everything).map((log) => (log as { data: string }).data)).toEqual([
      '0x01',
      '0x02',
      '0x03',
      '0x04',
    ])
  })

  it('rejects unsupported kinds and malformed filters with -32602', async () => {
    const { connect } = await setup()
    const client = await connect()
    for (const params of [
      ['newPendingTransactions'],
      [],
      ['logs', { address: 'nope' }],
      ['logs', { fromBlock: '0x1' }],
    ]) {
      const answer = await client.call('eth_subscribe', params)
      expect(answer.error).toMatchObject({ code: -32602, data: { code: 'INVALID_PARAMS' } })
    }
  })

  it('stops delivery on eth_unsubscribe and answers false for an unknown id', async () => {
    const { connect, chain } = await setup()
    const client = await connect()
    const kept = (await client.call('eth_subscribe', ['newHeads'])).result as string
    const ended = (await client.call('eth_subscribe', ['newHeads'])).result as string
    chain.mine()
    await notificationsFor(client, ended, 1)
    expect((await client.call('eth_unsubscribe', [ended])).result).toBe(true)
    expect((await client.call('eth_unsubscribe', [ended])).result).toBe(false)
    chain.mine(2)
    await notificationsFor(client, kept, 3)
    expect(client.notifications(ended).map(numberOf)).toEqual([6])
  })

  it('releases the pool subscription when the socket closes', async () => {
    const { connect, alpha, bravo, pool } = await setup()
    const client = await connect()
    await client.call('eth_subscribe', ['newHeads'])
    await client.call('eth_subscribe', ['logs', { address: TOKEN }])
    expect(pool.upstreamSubscriptionCount()).toBe(2)
    await client.close()
    await eventually(() => pool.upstreamSubscriptionCount() === 0)
    await eventually(() => alpha.activeSubscriptions() + bravo.activeSubscriptions() === 0)
  })

  it('keeps the subscription id and exactly-once delivery while upstream streams drop and fail over', async () => {
    const { connect, chain, alpha, bravo } = await setup()
    const client = await connect()
    const id = (await client.call('eth_subscribe', ['newHeads'])).result as string
    chain.mine(2)
    await notificationsFor(client, id, 2)

    alpha.dropSubscriptions()
    chain.mine(2) // only bravo pushes these
    await notificationsFor(client, id, 4)

    bravo.dropSubscriptions()
    chain.mine() // nobody pushes block 10
    alpha.reconnect()
    chain.mine() // block 11 from alpha; the gap (10) is back-filled over HTTP
    const blocks = await notificationsFor(client, id, 6)
    expect(blocks.map(numberOf)).toEqual([6, 7, 8, 9, 10, 11])
    expect(blocks.map((block) => (block as { hash: string }).hash)).toEqual(
      [6, 7, 8, 9, 10, 11].map((number) => chain.blockByNumber(number)?.hash),
    )
    // Every notification carried the one id the client was given.
    const subscriptions = client.messages
      .filter((message) => (message as { method?: string }).method === 'eth_subscription')
      .map((message) => (message as { params: { subscription: string } }).params.subscription)
    expect(new Set(subscriptions)).toEqual(new Set([id]))
  })
})

describe('limits of a WebSocket connection', () => {
  it('closes the socket with 1009 on a message over maxMessageBytes, and serves other clients', async () => {
    const { connect } = await setup({ ws: { maxMessageBytes: 1_024 } })
    const big = await connect()
    const other = await connect()
    big.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: ['x'.repeat(2_000)] }))
    expect((await big.closed).code).toBe(1009)
    expect((await other.call('eth_chainId')).result).toBe('0x1')
  })

  it('refuses a subscription over the per-connection limit until one ends', async () => {
    const { connect } = await setup({ ws: { maxSubscriptionsPerConnection: 2 } })
    const client = await connect()
    const first = (await client.call('eth_subscribe', ['newHeads'])).result as string
    await client.call('eth_subscribe', ['logs'])
    const refused = await client.call('eth_subscribe', ['newHeads'])
    expect(refused.error).toMatchObject({ code: -32005, data: { code: 'SUBSCRIPTION_LIMIT', limit: 2 } })
    await client.call('eth_unsubscribe', [first])
    expect((await client.call('eth_subscribe', ['newHeads'])).result).toMatch(/^0x[0-9a-f]{32}$/)
    // The limit is per connection: another client has its own.
    const other = await connect()
    expect((await other.call('eth_subscribe', ['newHeads'])).result).toMatch(/^0x/)
  })

  it('answers messages over the rate limit with -32005, each with its own id', async () => {
    const { connect } = await setup({ ws: { rateLimit: { max: 2, timeWindowMs: 60_000 } } })
    const client = await connect()
    expect((await client.call('eth_chainId')).result).toBe('0x1')
    expect((await client.call('eth_chainId')).result).toBe('0x1')
    client.send(
      '[{"jsonrpc":"2.0","id":"x","method":"eth_chainId"},{"jsonrpc":"2.0","id":7,"method":"eth_chainId"}]',
    )
    const [batch] = await client.until((messages) => (messages.length >= 3 ? messages.slice(2) : undefined))
    expect(batch).toEqual([
      expect.objectContaining({ id: 'x', error: expect.objectContaining({ code: -32005 }) }),
      expect.objectContaining({
        id: 7,
        error: expect.objectContaining({ data: expect.objectContaining({ code: 'RATE_LIMITED' }) }),
      }),
    ])
  })

  it('answers -32005 at once past maxPendingMessages unanswered messages', async () => {
    const { connect, alpha, bravo } = await setup({ ws: { maxPendingMessages: 1 } })
    for (const provider of [alpha, bravo]) provider.set({ mode: 'hang' })
    const client = await connect()
    client.send({ jsonrpc: '2.0', id: 'stuck', method: 'eth_chainId' })
    const refused = await client.call('eth_chainId', undefined, 'next')
    expect(refused.error).toMatchObject({ code: -32005, data: { code: 'TOO_MANY_PENDING', limit: 1 } })
    expect(client.messages).toHaveLength(1)
  })

  it('reads a client past inboundByteRate more slowly, answering every call, and serves other clients meanwhile', async () => {
    const { connect, clock } = await setup(
      { ws: { inboundByteRate: { bytesPerSecond: 10_000, burstBytes: 10_000 } } },
      { serverClock: true },
    )
    const heavy = await connect()
    const other = await connect()
    const longId = (tag: string) => tag.padEnd(6_000, 'x')
    expect((await heavy.call('eth_chainId', undefined, longId('a'))).result).toBe('0x1')
    // This message overdraws the 10,000-byte burst: it is answered, then the server stops reading.
    expect((await heavy.call('eth_chainId', undefined, longId('b'))).result).toBe('0x1')
    heavy.send({ jsonrpc: '2.0', id: 'c', method: 'eth_chainId' })
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(heavy.messages).toHaveLength(2)
    expect((await other.call('eth_chainId')).result).toBe('0x1')
    // About 210 ms of refill pay the overdrawn bytes back; then the waiting call is read and answered.
    clock.advance(250)
    const answer = await heavy.until((messages) =>
      messages.find((message) => (message as { id?: unknown }).id === 'c'),
    )
    expect(answer).toMatchObject({ result: '0x1' })
  })

  it('disconnects a client that stops reading with 1008, and serves other clients', async () => {
    const { connect, alpha, bravo } = await setup({ ws: { maxBufferedBytes: 65_536 } })
    const big = 'ff'.repeat(512 * 1_024)
    for (const provider of [alpha, bravo]) provider.handle('test_big', () => ({ result: big }))
    const slow = await connect()
    const other = await connect()
    slow.socket.pause()
    for (let index = 0; index < 16; index++) slow.send({ jsonrpc: '2.0', id: index, method: 'test_big' })
    // The client reads again only to see how it was closed: the server stopped writing long before.
    await eventually(() => alpha.calls('test_big') >= 1)
    expect((await other.call('eth_chainId')).result).toBe('0x1')
    slow.socket.resume()
    const { code } = await slow.closed
    expect(code).toBe(1008)
    expect(slow.messages.length).toBeLessThan(16)
    expect((await other.call('eth_blockNumber')).result).toBe('0x5')
  })
})

describe('limits on WebSocket upgrades', () => {
  it('refuses upgrades past maxConnections with 503 and a JSON-RPC error, calling no provider', async () => {
    const { connect, url, pool, alpha, bravo } = await setup({ ws: { maxConnections: 2 } })
    let closedConnections = 0
    pool.pubsub.subscribe('connections', (event) => {
      if (event.kind === 'client' && event.state === 'disconnected') closedConnections++
    })
    const first = await connect()
    await connect('/ws/rpc/priority/ethereum')
    const callsBefore = alpha.calls() + bravo.calls()
    const refused = await refusedUpgrade(url())
    expect(refused.status).toBe(503)
    expect(refused.body).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: expect.objectContaining({ code: -32005, data: { code: 'TOO_MANY_CONNECTIONS', limit: 2 } }),
    })
    expect(alpha.calls() + bravo.calls()).toBe(callsBefore)

    // A closed connection gives its place back.
    await first.close()
    await eventually(() => closedConnections === 1)
    const next = await connect()
    expect((await next.call('eth_chainId')).result).toBe('0x1')
  })

  it('refuses upgrades from one IP past the rate limit with 429 until the window passes', async () => {
    const { connect, url, clock } = await setup(
      { ws: { upgradeRateLimit: { max: 2, timeWindowMs: 10_000 } } },
      { serverClock: true },
    )
    await connect()
    await connect()
    const refused = await refusedUpgrade(url())
    expect(refused.status).toBe(429)
    expect(refused.headers['retry-after']).toBe('10')
    expect(refused.body).toMatchObject({
      id: null,
      error: { code: -32005, data: { code: 'RATE_LIMITED', retryAfterMs: 10_000 } },
    })
    // Refused attempts count too: a client hammering the endpoint stays refused.
    expect((await refusedUpgrade(url())).status).toBe(429)

    clock.advance(10_000)
    const admitted = await connect()
    expect((await admitted.call('eth_chainId')).result).toBe('0x1')
  })

  it('admits any number of upgrades with upgradeRateLimit false', async () => {
    const { connect } = await setup({ ws: { upgradeRateLimit: false } })
    const clients = await Promise.all(Array.from({ length: 70 }, () => connect()))
    expect((await clients[69]!.call('eth_chainId')).result).toBe('0x1')
  })
})

describe('API keys on the WebSocket upgrade', () => {
  it('answers 401 without a valid key and calls no provider', async () => {
    const { connect, alpha, bravo } = await setup({ auth: { apiKeys: [API_KEY] } })
    const callsBefore = alpha.calls() + bravo.calls()
    await expect(connect()).rejects.toThrow('Unexpected server response: 401')
    await expect(connect('/ws/rpc/ethereum', { 'x-api-key': 'w'.repeat(24) })).rejects.toThrow(
      'Unexpected server response: 401',
    )
    await expect(connect(`/ws/rpc/key/${'w'.repeat(24)}/ethereum`)).rejects.toThrow(
      'Unexpected server response: 401',
    )
    expect(alpha.calls() + bravo.calls()).toBe(callsBefore)
  })

  it('accepts the key as a header or in the path', async () => {
    const { connect } = await setup({ auth: { apiKeys: [API_KEY] } })
    const byHeader = await connect('/ws/rpc/ethereum', { 'x-api-key': API_KEY })
    const byPath = await connect(`/ws/rpc/key/${API_KEY}/priority/ethereum`)
    const answers: RpcResponse[] = [await byHeader.call('eth_chainId'), await byPath.call('eth_chainId')]
    expect(answers.map((answer) => answer.result)).toEqual(['0x1', '0x1'])
  })
})

describe('a real client over the WebSocket endpoint', () => {
  it('lets viem call and watch blocks through its webSocket transport', async () => {
    const { url, chain, pool } = await setup()
    const client = createPublicClient({ transport: webSocket(url(), { retryCount: 0 }) })
    closers.push(async () => (await client.transport.getRpcClient()).close())
    expect(await client.getChainId()).toBe(1)
    const seen: bigint[] = []
    let unwatch = () => {}
    const done = new Promise<void>((resolve, reject) => {
      unwatch = client.watchBlocks({
        poll: false,
        onBlock: (block) => {
          seen.push(block.number)
          if (seen.length === 3) resolve()
        },
        onError: reject,
      })
    })
    // Blocks mined once the pool subscription exists reach viem after its eth_subscribe answer.
    await eventually(() => pool.upstreamSubscriptionCount() > 0)
    chain.mine(3)
    await done
    unwatch()
    expect(seen).toEqual([6n, 7n, 8n])
  })
})
