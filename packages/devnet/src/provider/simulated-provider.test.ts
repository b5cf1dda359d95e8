import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type Devnet, startDevnet } from '../devnet.js'
import { hexToNumber, type JsonRpcResponse, rpcCall } from '../rpc/json-rpc.js'
import { waitFor } from '../testing/wait-for.js'
import { connectWs, type TestWsClient } from '../testing/ws-client.js'
import { neutralPersonality } from './personality.js'
import type { SimulatedProvider } from './simulated-provider.js'

// One chain, manual mining, one provider whose knobs each test sets from neutral.
let devnet: Devnet
let provider: SimulatedProvider
let nodeUrl: string
const clients: TestWsClient[] = []

beforeAll(async () => {
  devnet = await startDevnet({
    seed: 1,
    control: false,
    chains: [{ name: 'ethereum', blockTimeMs: 'manual', providers: [{ id: 'p', preset: 'neutral' }] }],
  })
  provider = devnet.provider('p')
  nodeUrl = devnet.chain('ethereum').nodeUrl
})

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()))
  await devnet?.stop()
})

beforeEach(async () => {
  await provider.set({ ...neutralPersonality })
})

const ws = async () => {
  const client = await connectWs(provider.wsUrl)
  clients.push(client)
  return client
}

/** Sends one JSON-RPC request over HTTP and reports what a client would see. */
async function send(method = 'eth_chainId', params: unknown[] = [], signal?: AbortSignal) {
  const response = await fetch(provider.httpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: signal ?? null,
  })
  const text = await response.text()
  let body: JsonRpcResponse | undefined
  try {
    body = JSON.parse(text) as JsonRpcResponse
  } catch {
    body = undefined
  }
  return { status: response.status, text, body, retryAfter: response.headers.get('retry-after') }
}

type Outcome = 'ok' | 'serverError' | 'rateLimit' | 'rpcError' | 'malformed'
const classify = (reply: Awaited<ReturnType<typeof send>>): Outcome => {
  if (reply.status === 503) return 'serverError'
  if (reply.status === 429) return 'rateLimit'
  if (reply.body === undefined) return 'malformed'
  return reply.body.error ? 'rpcError' : 'ok'
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number

describe('simulated provider knobs, observed from a client', () => {
  it('adds latency around the configured median', async () => {
    const measure = async (samples: number) => {
      const durations: number[] = []
      // small concurrent rounds: enough samples, without measuring this process's own queueing
      for (let round = 0; round < samples / 3; round++) {
        const batch = await Promise.all(
          Array.from({ length: 3 }, async () => {
            const started = performance.now()
            await send()
            return performance.now() - started
          }),
        )
        durations.push(...batch)
      }
      return durations
    }
    await measure(6) // warm up connections and code paths
    await provider.set({ latencyMs: 100, jitterMs: 10 })
    const durations = await measure(30)
    // the delay is a floor (nothing answers early); the ceiling leaves room for a loaded CI machine
    expect(median(durations)).toBeGreaterThan(93)
    expect(median(durations)).toBeLessThan(160)
    expect(Math.min(...durations)).toBeGreaterThan(60) // 4 sd below the median
  })

  it('injects errors at the configured rate', async () => {
    await provider.set({ errorRate: 0.25 })
    const outcomes: Outcome[] = []
    for (let round = 0; round < 12; round++) {
      const replies = await Promise.all(Array.from({ length: 25 }, () => send()))
      outcomes.push(...replies.map(classify))
    }
    const failed = outcomes.filter((outcome) => outcome !== 'ok').length
    // binomial(300, 0.25): mean 75, sd 7.5; bounds at ±5 sd (the seed makes the count fixed anyway)
    expect(failed).toBeGreaterThan(37)
    expect(failed).toBeLessThan(113)
    expect(new Set(outcomes)).toEqual(new Set(['ok', 'serverError', 'rateLimit', 'rpcError', 'malformed']))
  })

  it('answers 429 with Retry-After when rate limiting', async () => {
    await provider.set({
      errorRate: 1,
      errorMix: { serverError: 0, rateLimit: 1, rpcError: 0, malformed: 0 },
      retryAfterSeconds: 7,
    })
    const reply = await send()
    expect(reply.status).toBe(429)
    expect(reply.retryAfter).toBe('7')
    expect(reply.body?.error?.code).toBe(-32005)
  })

  it('answers 503 for a server error', async () => {
    await provider.set({
      errorRate: 1,
      errorMix: { serverError: 1, rateLimit: 0, rpcError: 0, malformed: 0 },
    })
    expect((await send()).status).toBe(503)
  })

  it('answers a JSON-RPC error with the request id for an RPC error', async () => {
    await provider.set({
      errorRate: 1,
      errorMix: { serverError: 0, rateLimit: 0, rpcError: 1, malformed: 0 },
    })
    const reply = await send()
    expect(reply.status).toBe(200)
    expect(reply.body).toMatchObject({ id: 1, error: { code: -32603 } })
  })

  it('truncates the body for a malformed answer', async () => {
    await provider.set({
      errorRate: 1,
      errorMix: { serverError: 0, rateLimit: 0, rpcError: 0, malformed: 1 },
    })
    const reply = await send()
    expect(reply.status).toBe(200)
    expect(reply.body).toBeUndefined()
    expect(reply.text.length).toBeGreaterThan(0)
  })

  it('reports head lag in eth_blockNumber and latest', async () => {
    const chain = devnet.chain('ethereum')
    const head = await chain.mine(5)
    await provider.set({ lagBlocks: 3 })
    expect(hexToNumber(await rpcCall(provider.httpUrl, 'eth_blockNumber'))).toBe(head - 3)
    const block = await rpcCall<{ number: string }>(provider.httpUrl, 'eth_getBlockByNumber', [
      'latest',
      false,
    ])
    expect(hexToNumber(block.number)).toBe(head - 3)
    expect(hexToNumber(await rpcCall(nodeUrl, 'eth_blockNumber'))).toBe(head)
  })

  it('refuses eth_getLogs ranges wider than maxLogsBlockRange, over HTTP and WebSocket', async () => {
    const head = await devnet.chain('ethereum').mine(12)
    await provider.set({ maxLogsBlockRange: 5 })
    const refusal = { code: -32602, message: 'query exceeds max block range 5' }
    const logs = (filter: object) => send('eth_getLogs', [filter])
    const wide = await logs({ fromBlock: '0x1', toBlock: '0x6' })
    expect(wide.status).toBe(200)
    expect(wide.body).toEqual({ jsonrpc: '2.0', id: 1, error: refusal })
    // tags count as the provider's head
    expect((await logs({ fromBlock: `0x${(head - 5).toString(16)}` })).body?.error).toEqual(refusal)
    expect((await logs({ fromBlock: `0x${(head - 4).toString(16)}` })).body?.result).toEqual([])
    expect((await logs({ fromBlock: '0x1', toBlock: '0x5' })).body?.result).toEqual([])
    expect((await logs({ blockHash: `0x${'0'.repeat(64)}` })).status).toBe(200)
    // a batch: only the item over the limit is refused
    const batch = await fetch(provider.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'eth_getLogs', params: [{ fromBlock: '0x0', toBlock: '0x9' }] },
        { jsonrpc: '2.0', id: 2, method: 'eth_chainId', params: [] },
      ]),
    })
    expect(await batch.json()).toEqual([
      { jsonrpc: '2.0', id: 1, error: refusal },
      { jsonrpc: '2.0', id: 2, result: '0x1' },
    ])
    const client = await ws()
    expect(await client.request('eth_getLogs', [{ fromBlock: 'earliest', toBlock: '0x5' }])).toMatchObject({
      error: refusal,
    })
    await provider.set({ maxLogsBlockRange: null })
    expect((await logs({ fromBlock: '0x1', toBlock: '0x6' })).body?.result).toEqual([])
  })

  it('refuses eth_getLogs answers holding more than maxLogsResults logs, over HTTP and WebSocket', async () => {
    const chain = devnet.chain('ethereum')
    const from = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266'
    for (let i = 0; i < 3; i++)
      await rpcCall(nodeUrl, 'eth_sendTransaction', [{ from, to: chain.emitterAddress, data: `0x0${i}` }])
    const block = `0x${(await chain.mine(1)).toString(16)}`
    await provider.set({ maxLogsResults: 2 })
    const refusal = { code: -32005, message: 'query returned more than 2 results' }
    const logs = (filter: object) => send('eth_getLogs', [filter])
    expect((await logs({ fromBlock: block, toBlock: block })).body).toEqual({
      jsonrpc: '2.0',
      id: 1,
      error: refusal,
    })
    const { hash } = await rpcCall<{ hash: string }>(nodeUrl, 'eth_getBlockByNumber', [block, false])
    expect((await logs({ blockHash: hash })).body?.error).toEqual(refusal)
    // The cap is on what the answer holds: a filter that matches none of them passes.
    expect((await logs({ fromBlock: block, toBlock: block, address: from })).body?.result).toEqual([])
    const client = await ws()
    expect(await client.request('eth_getLogs', [{ fromBlock: block, toBlock: block }])).toMatchObject({
      error: refusal,
    })
    await provider.set({ maxLogsResults: 3 })
    expect((await logs({ fromBlock: block, toBlock: block })).body?.result).toHaveLength(3)
  })

  it('delays newHeads by the lag in blocks', async () => {
    await provider.set({ lagBlocks: 2 })
    const client = await ws()
    const subscription = await client.subscribe(['newHeads'])
    const chain = devnet.chain('ethereum')
    const start = await chain.blockNumber()
    await chain.mine(1)
    await chain.mine(1)
    // two blocks later, the first of them is still held back
    await chain.mine(1)
    const seen = await waitFor(
      () => client.notifications.get(subscription)?.length === 1 && client.notifications.get(subscription),
      {
        what: 'one lagged head',
      },
    )
    expect(seen[0]?.result).toMatchObject({ number: `0x${(start + 1).toString(16)}` })
  })

  it('delays WebSocket events by wsDelayMs', async () => {
    await provider.set({ wsDelayMs: 150 })
    const client = await ws()
    const subscription = await client.subscribe(['newHeads'])
    // the block cannot exist before mining starts, so this bounds the delay from below
    const mineStarted = performance.now()
    await devnet.chain('ethereum').mine(1)
    const [event] = await waitFor(
      () => client.notifications.get(subscription)?.length === 1 && client.notifications.get(subscription),
      { what: 'the delayed head' },
    )
    const delay = (event?.at ?? 0) - mineStarted
    expect(delay).toBeGreaterThanOrEqual(145)
    expect(delay).toBeLessThan(400)
  })

  it('refuses connections when killed and serves again when revived', async () => {
    await provider.kill()
    await expect(send()).rejects.toThrow()
    const refused = await fetch(provider.httpUrl, { method: 'POST', body: '{}' }).catch(
      (error: Error) => error.cause,
    )
    expect(refused).toMatchObject({ code: 'ECONNREFUSED' })
    await provider.revive()
    expect((await send()).body?.result).toBe('0x1')
  })

  it('closes WebSocket connections when killed', async () => {
    const client = await ws()
    await provider.kill()
    expect(await client.closed).toBe(1006)
    await provider.revive()
  })

  it('drops WebSocket connections on demand', async () => {
    const client = await ws()
    expect(provider.dropConnections()).toBeGreaterThanOrEqual(1)
    expect(await client.closed).toBe(1006)
  })

  it('drops WebSocket connections at the configured rate', async () => {
    await provider.set({ wsDropRate: 1 })
    const client = await ws()
    await client.subscribe(['newHeads'])
    await devnet.chain('ethereum').mine(1)
    expect(await client.closed).toBe(1006)
  })

  it('hangs: the client gives up waiting', async () => {
    await provider.set({ mode: 'hang' })
    await expect(send('eth_chainId', [], AbortSignal.timeout(300))).rejects.toThrow(/abort|timeout/i)
    await provider.set({ mode: 'up' })
    expect((await send()).body?.result).toBe('0x1')
  })

  it('hangs some requests at hangRate', async () => {
    await provider.set({ hangRate: 0.5 })
    const replies = await Promise.allSettled(
      Array.from({ length: 40 }, () => send('eth_chainId', [], AbortSignal.timeout(500))),
    )
    const hung = replies.filter((reply) => reply.status === 'rejected').length
    expect(hung).toBeGreaterThan(5)
    expect(hung).toBeLessThan(35)
  })

  it('injects faults over WebSocket too', async () => {
    await provider.set({
      errorRate: 1,
      errorMix: { serverError: 0, rateLimit: 1, rpcError: 0, malformed: 0 },
    })
    const client = await ws()
    const response = await client.request('eth_chainId')
    expect(response.error).toMatchObject({ code: -32005, data: { retryAfterSeconds: 1 } })
  })

  it('sends no retry hint, over HTTP or WebSocket, when retryAfterSeconds is null', async () => {
    await provider.set({
      errorRate: 1,
      errorMix: { serverError: 0, rateLimit: 1, rpcError: 0, malformed: 0 },
      retryAfterSeconds: null,
    })
    const reply = await send()
    expect(reply.status).toBe(429)
    expect(reply.retryAfter).toBeNull()
    const response = await (await ws()).request('eth_chainId')
    expect(response.error?.code).toBe(-32005)
    expect(response.error).not.toHaveProperty('data')
  })

  it('rejects an invalid knob without changing the personality', async () => {
    await expect(provider.set({ errorRate: 2 })).rejects.toThrow(/errorRate/)
    expect(provider.personality.errorRate).toBe(0)
  })

  it('counts what it did', async () => {
    const before = provider.stats()
    await provider.set({
      errorRate: 1,
      errorMix: { serverError: 1, rateLimit: 0, rpcError: 0, malformed: 0 },
    })
    await send()
    const after = provider.stats()
    expect(after.requests).toBe(before.requests + 1)
    expect(after.outcomes.serverError).toBe(before.outcomes.serverError + 1)
  })
})

describe('seeded fault sequences', () => {
  async function faultSequence(seed: number): Promise<Outcome[]> {
    const net = await startDevnet({
      seed,
      control: false,
      chains: [
        {
          name: 'ethereum',
          blockTimeMs: 'manual',
          providers: [{ id: 'seeded', preset: 'neutral', personality: { errorRate: 0.5 } }],
        },
      ],
    })
    try {
      const url = net.provider('seeded').httpUrl
      const outcomes: Outcome[] = []
      // sequential, so request N is the Nth the provider sees
      for (let i = 0; i < 60; i++) {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', id: i, method: 'eth_chainId' }),
        })
        const text = await response.text()
        outcomes.push(
          response.status === 503
            ? 'serverError'
            : response.status === 429
              ? 'rateLimit'
              : text.endsWith('}')
                ? (JSON.parse(text) as JsonRpcResponse).error
                  ? 'rpcError'
                  : 'ok'
                : 'malformed',
        )
      }
      return outcomes
    } finally {
      await net.stop()
    }
  }

  it('injects the same faults in the same order for the same seed', async () => {
    const [first, second, other] = await Promise.all([
      faultSequence(77),
      faultSequence(77),
      faultSequence(78),
    ])
    expect(first).toEqual(second)
    expect(new Set(first).size).toBeGreaterThanOrEqual(4)
    expect(other).not.toEqual(first)
  })
})
