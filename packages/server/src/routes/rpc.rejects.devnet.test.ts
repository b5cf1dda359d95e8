import type { ProviderPoolEvent } from '@chainpulse/core'
import { mulberry32 } from '@chainpulse/core/testing'
import { type DevnetProcess, spawnDevnetWith } from '@chainpulse/devnet/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningChainPulse, startChainPulse } from '../start-chainpulse.js'
import { httpClient, quantile, type Send, type TimedAnswer, wsClient } from '../testing/devnet-load.js'
import { createUndiciFetch, type UndiciFetch } from '../upstream/undici-fetch.js'
import type { ProviderView } from './api/views.js'

// Issue 13: requests that every provider deterministically rejects must never be held against a
// provider. The real server over a devnet chain (anvil behind three neutral simulated providers, each
// refusing eth_getLogs ranges over 5 blocks) takes 10,000 such requests mixed into 2,500 normal ones from
// 20 concurrent clients (16 over HTTP keep-alive, 4 over WebSocket), with background health probes every
// second. The chain is mined by hand and stands still during the run, so every answer is known in advance
// byte for byte: it is what a direct call to a devnet provider answers. Logs ranges wider than the
// providers serve are normal traffic since issue 16 (the pool fetches them in chunks): their answer is
// the node's own. CHAINPULSE_LOAD_REPORT=1 prints the run's figures.

const PROVIDERS = ['ethereum-alpha', 'ethereum-bravo', 'ethereum-charlie'] as const
const MAX_LOGS_RANGE = 5
/** Blocks mined before the run (on top of the log emitter's deployment). */
const MINED = 20
const BAD_REQUESTS = 10_000
const NORMAL_REQUESTS = 2_500
const HTTP_CLIENTS = 16
const WS_CLIENTS = 4
const ACCOUNT = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266'
const FAR_BLOCK = '0xffffff'
/** Creation code that reverts with `Error("nope")`: copies the 100 bytes after its 12-byte prefix, reverts with them. */
const REVERTING_INITCODE = `0x6064600c60003960646000fd08c379a0${(32).toString(16).padStart(64, '0')}${(4)
  .toString(16)
  .padStart(64, '0')}${Buffer.from('nope').toString('hex').padEnd(64, '0')}`
const UNKNOWN_METHODS = ['eth_nope', 'foo_bar', 'net_nothing'] as const

/** One kind of request in the mix. */
interface Case {
  name: string
  method: string
  params: unknown[]
  /** How the pool may spend upstream calls on one such request. */
  cost: 'one' | 'learned' | 'any'
  /**
   * Answered as the chain's node itself answers it, not as one provider does: a logs range wider than
   * every provider serves, which the pool fetches in chunks (issue 16).
   */
  asNode?: true
}

const badCases: Case[] = [
  { name: 'balance above the head', method: 'eth_getBalance', params: [ACCOUNT, FAR_BLOCK], cost: 'one' },
  {
    name: 'call above the head',
    method: 'eth_call',
    params: [{ to: ACCOUNT, data: '0x' }, FAR_BLOCK],
    cost: 'one',
  },
  {
    name: 'revert with a reason',
    method: 'eth_call',
    params: [{ data: REVERTING_INITCODE }, 'latest'],
    cost: 'one',
  },
  { name: 'malformed address', method: 'eth_getBalance', params: ['0x123', 'latest'], cost: 'one' },
  { name: 'malformed flag', method: 'eth_getBlockByNumber', params: ['latest', 'yes'], cost: 'one' },
  ...UNKNOWN_METHODS.map(
    (method): Case => ({ name: `unknown ${method}`, method, params: [], cost: 'learned' }),
  ),
]

const normalCases: Case[] = [
  { name: 'block number', method: 'eth_blockNumber', params: [], cost: 'any' },
  { name: 'chain id', method: 'eth_chainId', params: [], cost: 'any' },
  { name: 'balance at latest', method: 'eth_getBalance', params: [ACCOUNT, 'latest'], cost: 'any' },
  { name: 'latest block', method: 'eth_getBlockByNumber', params: ['latest', false], cost: 'any' },
  {
    name: 'logs within the limit',
    method: 'eth_getLogs',
    params: [{ fromBlock: '0x1', toBlock: `0x${MAX_LOGS_RANGE.toString(16)}` }],
    cost: 'any',
  },
  // Every provider refuses these ranges; the pool fetches them in chunks that fit.
  {
    name: 'logs range over the limit',
    method: 'eth_getLogs',
    params: [{ fromBlock: '0x1', toBlock: `0x${(MAX_LOGS_RANGE + 1).toString(16)}` }],
    cost: 'any',
    asNode: true,
  },
  {
    name: 'logs range up to latest',
    method: 'eth_getLogs',
    params: [{ fromBlock: '0x0' }],
    cost: 'any',
    asNode: true,
  },
]

const body = (kase: Case, id: number) =>
  JSON.stringify({ jsonrpc: '2.0', id, method: kase.method, params: kase.params })
/** The key a counted upstream call is filed under: the call without its id. */
const callKey = (method: string, params: unknown) => JSON.stringify([method, params])

let devnet: DevnetProcess
let server: RunningChainPulse
let upstreamFetch: UndiciFetch
const upstreamCalls = new Map<string, number>()
const logLines: string[] = []
/** What a provider answers each case with, as `"error":…` or `"result":…` text after the id. */
const expected = new Map<Case, string>()

beforeAll(async () => {
  devnet = await spawnDevnetWith({
    seed: 13,
    control: true,
    chains: [
      {
        name: 'ethereum',
        blockTimeMs: 'manual',
        providers: PROVIDERS.map((id) => ({
          id,
          preset: 'neutral',
          personality: { maxLogsBlockRange: MAX_LOGS_RANGE },
        })),
      },
    ],
  })
  await devnet.mine('ethereum', MINED)
  const nodeHead = await fetch(devnet.manifest.chains[0]!.nodeUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] }),
  })
  const head = Number.parseInt(((await nodeHead.json()) as { result: string }).result, 16)

  // Every upstream call the pool makes, counted by method and params: probes, heads and client calls.
  upstreamFetch = createUndiciFetch()
  const countingFetch = Object.assign(
    (url: string, init: Parameters<UndiciFetch>[1]) => {
      const call = JSON.parse(String(init.body)) as { method: string; params: unknown }
      const key = callKey(call.method, call.params)
      upstreamCalls.set(key, (upstreamCalls.get(key) ?? 0) + 1)
      return upstreamFetch(url, init)
    },
    { enforcesTimeout: upstreamFetch.enforcesTimeout },
  )
  server = await startChainPulse({
    pool: {
      chains: [{ name: 'ethereum', chainId: 1 }],
      providers: devnet.manifest.providers.map((provider) => ({
        id: provider.id,
        chain: 'ethereum',
        httpUrl: provider.httpUrl,
        wsUrl: provider.wsUrl,
      })),
      healthCheck: { intervalMs: 1_000 },
      fetch: countingFetch,
      // The upstream cost of each reject is what this test measures per request; identical rejects in
      // flight together would otherwise share calls, and a slow answer would get a hedged copy
      // (coalescing and hedging have tests of their own).
      coalescing: false,
      hedge: false,
    },
    // One IP sends everything here: per-client rate limits would answer 429s this test is not about.
    server: { logLevel: 'warn', rateLimit: false, ws: { rateLimit: false } },
    listen: { port: 0, host: '127.0.0.1' },
    logger: { stream: { write: (line: string) => logLines.push(line) } },
  })

  // Settled: every provider probed (head known), healthy, its newHeads stream connected.
  await waitUntil(async () => {
    const providers = await providerViews()
    return providers.every(
      (provider) =>
        provider.health === 'healthy' && provider.head === head && provider.connection === 'connected',
    )
  }, providerViews)

  for (const kase of [...badCases, ...normalCases]) {
    const urls = kase.asNode
      ? [devnet.manifest.chains[0]!.nodeUrl]
      : devnet.manifest.providers.map((provider) => provider.httpUrl)
    const answers = await Promise.all(
      urls.map(async (url) => {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: body(kase, 1),
        })
        return response.text()
      }),
    )
    // Every provider answers the same, to the byte.
    expect(new Set(answers).size, kase.name).toBe(1)
    const prefix = '{"jsonrpc":"2.0","id":1,'
    expect(answers[0]!.startsWith(prefix), kase.name).toBe(true)
    const member = answers[0]!.slice(prefix.length, -1)
    expect(member.startsWith(badCases.includes(kase) ? '"error":' : '"result":'), kase.name).toBe(true)
    expected.set(kase, member)
  }
}, 90_000)

afterAll(async () => {
  await server?.close()
  await upstreamFetch?.close()
  await devnet?.stop()
})

async function providerViews(): Promise<ProviderView[]> {
  const response = await fetch(`${server.url}/api/providers`)
  return ((await response.json()) as { providers: ProviderView[] }).providers
}

async function waitUntil(
  predicate: () => Promise<boolean>,
  what: () => Promise<unknown>,
  timeoutMs = 30_000,
) {
  const until = performance.now() + timeoutMs
  while (!(await predicate())) {
    if (performance.now() > until)
      throw new Error(`not settled within ${timeoutMs} ms: ${JSON.stringify(await what())}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** One request of the run and what came back. */
interface Job {
  id: number
  kase: Case
  answer?: TimedAnswer
}

describe('deterministic rejects through the server over the devnet', () => {
  it('holds 10,000 rejects against no provider, relays each verbatim, and serves the normal traffic around them', async () => {
    const before = await providerViews()
    const events: ProviderPoolEvent[] = []
    const unsubscribe = server.pool.pubsub.subscribe('provider_pool:events', (event) => events.push(event))
    const logsBefore = logLines.length
    const callsBefore = new Map(upstreamCalls)

    // The mix, shuffled with a fixed seed: bad and normal requests interleaved, every case many times.
    const jobs: Job[] = [
      ...Array.from({ length: BAD_REQUESTS }, (_, i) => badCases[i % badCases.length]!),
      ...Array.from({ length: NORMAL_REQUESTS }, (_, i) => normalCases[i % normalCases.length]!),
    ].map((kase, index) => ({ id: index + 1, kase }))
    const random = mulberry32(13)
    for (let i = jobs.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1))
      ;[jobs[i], jobs[j]] = [jobs[j]!, jobs[i]!]
    }

    // When each unknown method's first answer arrived: from then on it is known on every provider.
    const learnedAt = new Map<string, number>()
    const wsClients = await Promise.all(
      Array.from({ length: WS_CLIENTS }, () =>
        wsClient(`${server.url.replace('http', 'ws')}/ws/rpc/ethereum`),
      ),
    )
    const senders: Send[] = [
      ...Array.from({ length: HTTP_CLIENTS }, () => httpClient(`${server.url}/rpc/ethereum`)),
      ...wsClients.map((client) => client.send),
    ]
    let next = 0
    const started = performance.now()
    await Promise.all(
      senders.map(async (send) => {
        while (next < jobs.length) {
          const job = jobs[next++]!
          job.answer = await send(body(job.kase, job.id), job.id)
          if (job.kase.cost === 'learned' && !learnedAt.has(job.kase.method))
            learnedAt.set(job.kase.method, performance.now())
        }
      }),
    )
    const elapsedMs = performance.now() - started
    await Promise.all(wsClients.map((client) => client.close()))
    unsubscribe()

    // Every answer is the upstream's, byte for byte: results for normal requests, errors for bad ones.
    const wrong = jobs.filter(
      (job) => job.answer?.text !== `{"jsonrpc":"2.0","id":${job.id},${expected.get(job.kase)}}`,
    )
    expect(
      wrong.slice(0, 5).map((job) => ({ case: job.kase.name, got: job.answer?.text })),
      `${wrong.length} answers differ from the upstream's`,
    ).toEqual([])

    // Not one provider event: no breaker transition, cooldown, health or lag change, reconnect.
    expect(events).toEqual([])
    const after = await providerViews()
    const judgement = (providers: ProviderView[]) =>
      providers.map(({ id, health, breaker, cooldownUntil, downReason }) => ({
        id,
        health,
        breaker,
        cooldownUntil,
        downReason,
      }))
    expect(judgement(after)).toEqual(judgement(before))
    expect(judgement(after).every((provider) => provider.health === 'healthy')).toBe(true)
    const health = await fetch(`${server.url}/healthz`)
    expect(health.status).toBe(200)
    expect(((await health.json()) as { status: string }).status).toBe('ok')
    // Nothing worth a warning happened.
    expect(logLines.slice(logsBefore)).toEqual([])

    // Upstream cost per case: a deterministic error is returned at once (one call); an unknown method
    // costs calls only until every provider is known not to serve it.
    const sent = (kase: Case) => jobs.filter((job) => job.kase === kase).length
    const calls = (kase: Case) =>
      (upstreamCalls.get(callKey(kase.method, kase.params)) ?? 0) -
      (callsBefore.get(callKey(kase.method, kase.params)) ?? 0)
    const costs: Record<string, { sent: number; upstreamCalls: number }> = {}
    for (const kase of badCases) {
      costs[kase.name] = { sent: sent(kase), upstreamCalls: calls(kase) }
      if (kase.cost === 'one') expect(calls(kase), kase.name).toBe(sent(kase))
      if (kase.cost === 'learned') {
        // Only requests sent before the first answer can have cost anything, each at most one call per provider.
        const learned = learnedAt.get(kase.method)!
        const early = jobs.filter((job) => job.kase === kase && job.answer!.sentAt < learned).length
        expect(calls(kase), kase.name).toBeLessThanOrEqual(PROVIDERS.length * early)
        const late = jobs.filter(
          (job) => job.kase === kase && job.answer!.sentAt > learned && job.answer!.attempts,
        )
        expect(late.length, kase.name).toBeGreaterThan(0)
        expect(
          late.every((job) => job.answer!.attempts === '0'),
          kase.name,
        ).toBe(true)
      }
    }
    // Once learned, an unknown method costs nothing at all.
    const send = httpClient(`${server.url}/rpc/ethereum`)
    for (const method of UNKNOWN_METHODS) {
      const kase = badCases.find((each) => each.method === method)!
      const callsSoFar = calls(kase)
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => send(body(kase, i), i)))
      expect(answers.map((answer) => answer.attempts)).toEqual(answers.map(() => '0'))
      expect(calls(kase), method).toBe(callsSoFar)
    }

    const durations = jobs.map((job) => job.answer!.durationMs)
    if (process.env.CHAINPULSE_LOAD_REPORT === '1')
      console.info(
        'rejects run: %o',
        {
          requests: jobs.length,
          elapsedMs: Math.round(elapsedMs),
          perSecond: Math.round((jobs.length / elapsedMs) * 1_000),
          p50Ms: Number(quantile(durations, 0.5).toFixed(2)),
          p99Ms: Number(quantile(durations, 0.99).toFixed(2)),
          maxMs: Number(quantile(durations, 1).toFixed(2)),
          providerEvents: events.length,
        },
        costs,
      )
  }, 180_000)
})
