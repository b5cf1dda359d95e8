// biome-ignore-all lint/suspicious/noTemplateCurlyInString: config files reference environment variables as ${NAME}
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'
import type { ProviderStatus } from '@chainpulse/core'
import { advanceInSteps, createFakeClock, settleOnClock } from '@chainpulse/core/testing'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { loadConfigFile } from '../config/load-config.js'
import { type RunningChainPulse, startChainPulse } from '../start-chainpulse.js'
import { type LeakyUpstream, leakyFailures, startLeakyUpstream } from '../testing/leaky-upstream.js'
import { openTestClient, type TestWsClient } from '../ws/test-client.js'

// End to end: a real config file (literal keys and ${ENV} keys of every shape), loaded by the real
// loader, served by the real server over real sockets to a real loopback upstream that fails in every
// way while quoting its caller's URL and credentials, then recovers. Every planted key is then looked for
// in every response, stream message, log line, metric and core error: it must appear nowhere.

/** Keys written literally into the config file. */
const literal = {
  short8: 'Qk8v2Lmz',
  fifteen: 'SECRETKEY123abc',
  dotted: 'pqr.stu.vwx9',
  xApiKey: 'XAK-7f3e91',
  fooValue: 'f00bar9z',
  user: 'opsuser7',
  password: 'Pa55-w0rd-lit',
  envUser: 'envuser9',
  fragment: 'frag-s3cret-77',
  bothHttp: 'BothHttpKey8',
  bothWs: 'BothWsKey88',
  wsShort: 'Wk8s2Lmq',
  wsDotted: 'ws.d0tted.k3y',
  wsUser: 'wsuser42',
  wsPassword: 'Ws-pa55-w0rd',
  wsFragment: 'ws-frag-s3cret',
}

/** Keys given through `${NAME}` references. */
const env = {
  LONG_KEY: 'L0ngEnvKey0123456789abcdef012345',
  ACCESS_KEY: 'acc3ss77',
  USER_PASSWORD: 'Env-Pa55-w0rd',
  WS_KEY: 'wsk-env-key9',
  DOTTED_ENV: 'e.nv.d0tz',
}

const planted = [...Object.values(literal), ...Object.values(env)]

function configText(upstream: LeakyUpstream): string {
  const http = upstream.httpOrigin
  const ws = upstream.wsOrigin
  const hostPort = http.slice('http://'.length)
  const provider = (id: string, urls: string) => `    - { id: ${id}, chain: ethereum, ${urls} }`
  return [
    'server:',
    '  logLevel: debug',
    '  rateLimit: false',
    'pool:',
    '  strategy: round-robin',
    '  requestTimeoutMs: 2000',
    '  headPollIntervalMs: 1000',
    '  defaultCooldownMs: 500',
    '  breaker: { failureThreshold: 2, halfOpenAfterMs: 1000 }',
    '  chains:',
    '    - { name: ethereum, chainId: 1 }',
    '  providers:',
    provider('http-short', `httpUrl: "${http}/v3/${literal.short8}"`),
    provider('http-fifteen', `httpUrl: "${http}/v3/${literal.fifteen}"`),
    provider('http-long-env', `httpUrl: "${http}/v2/\${LONG_KEY}"`),
    provider('http-dotted', `httpUrl: "${http}/rpc/${literal.dotted}"`),
    provider('http-dotted-env', `httpUrl: "${http}/rpc/\${DOTTED_ENV}"`),
    provider(
      'http-query',
      `httpUrl: "${http}/?x-api-key=${literal.xApiKey}&access_key=\${ACCESS_KEY}&foo=${literal.fooValue}"`,
    ),
    provider('http-userinfo', `httpUrl: "http://${literal.user}:${literal.password}@${hostPort}/"`),
    provider('http-userinfo-env', `httpUrl: "http://${literal.envUser}:\${USER_PASSWORD}@${hostPort}/"`),
    provider('http-fragment', `httpUrl: "${http}/f/#${literal.fragment}"`),
    provider('both', `httpUrl: "${http}/v3/${literal.bothHttp}", wsUrl: "${ws}/ws/v3/${literal.bothWs}"`),
    provider('ws-short', `wsUrl: "${ws}/ws/v3/${literal.wsShort}"`),
    provider('ws-query-env', `wsUrl: "${ws}/ws/${literal.wsDotted}?x-api-key=\${WS_KEY}"`),
    provider('ws-userinfo', `wsUrl: "ws://${literal.wsUser}:${literal.wsPassword}@${hostPort}/ws"`),
    // A WebSocket URL cannot carry a fragment: this provider never connects, and says why.
    provider('ws-fragment', `wsUrl: "${ws}/ws#${literal.wsFragment}"`),
    'listen: { port: 0, host: 127.0.0.1 }',
    '',
  ].join('\n')
}

const providerIds = [
  'http-short',
  'http-fifteen',
  'http-long-env',
  'http-dotted',
  'http-dotted-env',
  'http-query',
  'http-userinfo',
  'http-userinfo-env',
  'http-fragment',
  'both',
  'ws-short',
  'ws-query-env',
  'ws-userinfo',
  'ws-fragment',
]

const apiPaths = [
  '/api/capabilities',
  '/api/chains',
  '/api/providers',
  '/api/providers?chain=ethereum',
  '/api/leaderboard/ethereum',
  '/api/leaderboard/ethereum/history',
  '/api/rpc-stats/ethereum',
  '/api/rpc-stats/ethereum?groupBy=providerId&groupBy=method',
  '/api/feed/routing:decisions',
  '/api/feed/provider_pool:events',
  '/api/feed/blocks:new',
  '/api/feed/races',
  '/api/feed/connections',
  '/api/runtime',
  '/api/strategies',
  '/api/demo/status',
  '/api/providers?chain=nowhere',
  '/healthz',
  '/metrics',
  '/',
]

/** Texts in which `secret` occurs. */
function occurrences(texts: readonly string[], secret: string): string[] {
  return texts.filter((text) => text.includes(secret))
}

function expectNoPlantedKey(texts: readonly string[]): void {
  expect(texts.length).toBeGreaterThan(0)
  const leaks = Object.fromEntries(
    planted.map((secret) => [secret, occurrences(texts, secret).map((text) => text.slice(0, 300))]),
  )
  expect(leaks).toEqual(Object.fromEntries(planted.map((secret) => [secret, []])))
}

// Run twice: as `chainpulse serve` runs (the loader's secrets handed to the server's redactor), and with
// the server told nothing, which shows that the pool hides the keys by construction and the redactor is
// only a second line of defence.
describe.each([
  { mode: 'with the config secrets given to the server', giveSecrets: true },
  { mode: 'with no secrets given to the server', giveSecrets: false },
])('provider URL secrets, end to end, $mode', { timeout: 120_000 }, ({ giveSecrets }) => {
  const clock = createFakeClock()
  const responses: string[] = []
  const logs: string[] = []
  const consoleOutput: string[] = []
  const coreErrors: unknown[] = []
  /** What the pool publishes, as the pool hands it out (before the server's redactor). */
  const poolEvents: string[] = []
  let dir: string
  let upstream: LeakyUpstream
  let running: RunningChainPulse
  let stream: TestWsClient
  let wsRpc: TestWsClient
  const wsPinned = new Map<string, TestWsClient>()
  const poolStatuses: ProviderStatus[][] = []

  const settle = <T>(promise: Promise<T>) => settleOnClock(clock, promise, { maxMs: 30_000, stepMs: 10 })

  async function httpCall(method: 'GET' | 'POST', path: string, body?: unknown): Promise<void> {
    const response = await settle(
      fetch(`${running.url}${path}`, {
        method,
        ...(body === undefined
          ? {}
          : {
              body: typeof body === 'string' ? body : JSON.stringify(body),
              headers: { 'content-type': 'application/json' },
            }),
      }),
    )
    const text = await settle(response.text())
    responses.push(`${method} ${path} ${response.status}\n${JSON.stringify([...response.headers])}\n${text}`)
  }

  const call = (method: string, params: unknown[] = []) => ({ jsonrpc: '2.0', id: 1, method, params })

  /** One round of traffic over every surface: pinned and routed, HTTP and WebSocket, API reads. */
  async function drive(): Promise<void> {
    for (const id of providerIds) {
      await httpCall('POST', `/rpc/provider/${id}/ethereum`, call('eth_blockNumber'))
      await httpCall('POST', `/rpc/provider/${id}/ethereum`, call('eth_call', [{ to: '0x0' }, 'latest']))
      await settle(wsPinned.get(id)!.call('eth_blockNumber'))
      await settle(
        running.pool.request({ chain: 'ethereum', method: 'eth_blockNumber' }, { providerId: id }),
      ).catch((error: unknown) => coreErrors.push(error))
      await settle(
        running.pool.request(
          { chain: 'ethereum', method: 'eth_call', params: [{ to: '0x0' }, 'latest'] },
          { providerId: id },
        ),
      ).catch((error: unknown) => coreErrors.push(error))
    }
    await httpCall('POST', '/rpc/ethereum', call('eth_blockNumber'))
    await httpCall('POST', '/rpc/ethereum', [
      call('eth_chainId'),
      { ...call('eth_call', [{}, 'latest']), id: 2 },
    ])
    await httpCall('POST', '/rpc/priority/1', call('eth_getBlockByNumber', ['latest', false]))
    await httpCall('POST', '/rpc/provider/nowhere/ethereum', call('eth_blockNumber'))
    await settle(wsRpc.call('eth_blockNumber'))
    await settle(wsRpc.call('eth_call', [{ to: '0x0' }, 'latest']))
    await settle(running.pool.request({ chain: 'ethereum', method: 'eth_blockNumber' })).catch(
      (error: unknown) => coreErrors.push(error),
    )
    for (const path of apiPaths) await httpCall('GET', path)
    poolStatuses.push(running.pool.providers())
  }

  beforeAll(async () => {
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const)
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        consoleOutput.push(
          args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg, { depth: 6 }))).join(' '),
        )
      })
    upstream = await startLeakyUpstream()
    dir = await mkdtemp(join(tmpdir(), 'chainpulse-secrets-'))
    await writeFile(join(dir, 'chainpulse.yaml'), configText(upstream))
    const { config, secrets } = await loadConfigFile(join(dir, 'chainpulse.yaml'), { env })
    running = await startChainPulse({
      pool: { ...config.pool, clock },
      server: config.server,
      secrets: giveSecrets ? secrets : [],
      listen: config.listen,
      logger: { stream: { write: (line: string) => logs.push(line) } },
      serverOptions: () => ({ clock }),
    })
    running.pool.pubsub.subscribeAll((topic, payload) => poolEvents.push(JSON.stringify({ topic, payload })))
    const wsBase = running.url.replace('http://', 'ws://')
    stream = await openTestClient(`${wsBase}/api/stream`)
    stream.send({
      subscribe: [
        'routing:decisions',
        'provider_pool:events',
        'blocks:new',
        'races',
        'connections',
        'runtime',
        'providers',
        'chains',
        'leaderboard',
      ],
      replay: 100,
    })
    wsRpc = await openTestClient(`${wsBase}/ws/rpc/ethereum`)
    for (const id of providerIds)
      wsPinned.set(id, await openTestClient(`${wsBase}/ws/rpc/provider/${id}/ethereum`))

    // Healthy: heads are polled, sockets open and subscribe, a client subscribes to newHeads.
    await advanceInSteps(clock, 2_000, 20)
    await settle(wsRpc.call('eth_subscribe', ['newHeads']))
    for (let block = 0; block < 3; block++) {
      upstream.mine()
      await advanceInSteps(clock, 1_000, 20)
    }
    await drive()

    // Failing, every way in turn: breakers open, cooldowns start, sockets drop and reconnect.
    for (const way of leakyFailures) {
      upstream.fail(way)
      await advanceInSteps(clock, 1_200, 20)
      await drive()
    }

    // Recovering: breakers close, sockets reconnect (their backoff has grown), heads flow again.
    upstream.recover()
    const recovered = () =>
      running.pool
        .providers()
        .filter((provider) => provider.id !== 'ws-fragment')
        .every((provider) => provider.health === 'healthy' && provider.connection !== 'disconnected')
    for (let waited = 0; waited < 120_000 && !recovered(); waited += 1_000) {
      upstream.mine()
      await advanceInSteps(clock, 1_000, 20)
      // Routed calls give the half-open breakers their probes.
      await httpCall('POST', '/rpc/ethereum', call('eth_blockNumber'))
    }
    await drive()
    await advanceInSteps(clock, 1_500, 20)
  }, 120_000)

  afterAll(async () => {
    vi.restoreAllMocks()
    await Promise.all([stream, wsRpc, ...wsPinned.values()].map((client) => client?.close()))
    await running?.close()
    await upstream?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('drove real traffic through every failure and a recovery', () => {
    for (const way of leakyFailures) expect(upstream.stats.failed[way], way).toBeGreaterThan(0)
    expect(upstream.stats.answered).toBeGreaterThan(0)
    expect(upstream.stats.reverted).toBeGreaterThan(0)
    expect(upstream.stats.connections).toBeGreaterThan(3)
    const statuses = running.pool.providers().filter((provider) => provider.id !== 'ws-fragment')
    expect(statuses.map((provider) => [provider.id, provider.health])).toEqual(
      statuses.map((provider) => [provider.id, 'healthy']),
    )
    const events = stream.texts.filter((text) => text.includes('"provider_pool:events"'))
    for (const type of ['circuit_open', 'circuit_closed', 'cooldown_start', 'disconnected', 'connected'])
      expect(
        events.some((text) => text.includes(`"type":"${type}"`)),
        type,
      ).toBe(true)
    expect(logs.some((line) => line.includes('"level":40') && line.includes('call failed upstream'))).toBe(
      true,
    )
    expect(logs.some((line) => line.includes('"level":20'))).toBe(true)
    // The upstream's quote reached the client, masked: proof the redaction ran on a real echo.
    const revert = responses.find((text) => text.includes('execution reverted: invalid key for'))
    expect(revert).toMatch(/execution reverted: invalid key for http:\/\/127\.0\.0\.1:\d+\/\*\*\*/)
    expect(coreErrors.length).toBeGreaterThan(providerIds.length)
  })

  it('shows every provider as its id and origin, and nothing after it', async () => {
    const origins = new Set([upstream.httpOrigin, upstream.wsOrigin, undefined])
    for (const statuses of poolStatuses)
      for (const provider of statuses) {
        expect(origins, provider.id).toContain(provider.httpUrl)
        expect(origins, provider.id).toContain(provider.wsUrl)
      }
    const api = await fetch(`${running.url}/api/providers`).then(
      (response) => response.json() as Promise<{ providers: ProviderStatus[] }>,
    )
    expect(api.providers.map((provider) => provider.id).sort()).toEqual([...providerIds].sort())
    for (const provider of api.providers) {
      expect(origins).toContain(provider.httpUrl)
      expect(origins).toContain(provider.wsUrl)
    }
  })

  it('shows no planted key in any HTTP response body or header (/rpc, /api, /healthz, /metrics)', () => {
    expectNoPlantedKey(responses)
  })

  it('shows no planted key in any /api/stream message', () => {
    expect(stream.texts.length).toBeGreaterThan(50)
    expectNoPlantedKey(stream.texts)
  })

  it('shows no planted key in any JSON-RPC WebSocket message', () => {
    expectNoPlantedKey([...wsRpc.texts, ...[...wsPinned.values()].flatMap((client) => client.texts)])
  })

  it('writes no planted key in any log line (debug level) or to the console', () => {
    expect(logs.length).toBeGreaterThan(100)
    expectNoPlantedKey([...logs, ...consoleOutput])
  })

  it('throws no core error that holds a planted key, in its message, details, cause chain or properties', () => {
    expectNoPlantedKey(
      coreErrors.map((error) =>
        [
          inspect(error, { depth: 10, showHidden: true }),
          JSON.stringify(error),
          String((error as Error).stack),
        ].join('\n'),
      ),
    )
  })

  it('hands out no planted key from the pool itself, before any server redaction', () => {
    expectNoPlantedKey([...poolEvents, ...poolStatuses.map((statuses) => JSON.stringify(statuses))])
  })
})
