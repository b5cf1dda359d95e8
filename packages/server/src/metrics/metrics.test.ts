import { type ChainPulseTopics, createPubSub, KNOWN_METHODS } from '@chainpulse/core'
import { afterEach, describe, expect, it } from 'vitest'
import { type ApiFixture, createApiFixture, PLANTED_KEY } from '../routes/api/api-fixture.js'
import { createServerMetrics, PROVIDER_STATES } from './metrics.js'

let fixture: ApiFixture | undefined

afterEach(async () => {
  await fixture?.close()
  fixture = undefined
})

async function scrape(target: ApiFixture): Promise<string> {
  const reply = await target.app.inject({ method: 'GET', url: '/metrics' })
  expect(reply.statusCode).toBe(200)
  expect(reply.headers['content-type']).toContain('text/plain')
  return reply.body
}

function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`)
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue
    if (wanted.every((label) => line.includes(label))) return Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return undefined
}

async function rpc(target: ApiFixture, method: string | string[]) {
  const methods = Array.isArray(method) ? method : [method]
  const calls = methods.map((name, index) => ({ jsonrpc: '2.0', id: index + 1, method: name, params: [] }))
  const reply = await target.app.inject({
    method: 'POST',
    url: '/rpc/ethereum',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(Array.isArray(method) ? calls : calls[0]),
  })
  expect(reply.statusCode).toBe(200)
}

/** The series of `name`, as their label sets (`{chain="...",...}`) and values. */
function series(text: string, name: string): Map<string, number> {
  const found = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue
    const space = line.lastIndexOf(' ')
    found.set(line.slice(name.length, space), Number(line.slice(space + 1)))
  }
  return found
}

/** The distinct values of the `method` label on the request counter. */
function methodLabels(text: string): Set<string> {
  return new Set(
    [...series(text, 'chainpulse_requests_total').keys()].map(
      (labels) => /method="([^"]*)"/.exec(labels)![1]!,
    ),
  )
}

/** A routing decision for `method`, as the pool publishes it. */
function decision(method: string): ChainPulseTopics['routing:decisions'] {
  return {
    ts: 0,
    chain: 'ethereum',
    method,
    strategy: 'leaderboard',
    providerId: 'a',
    durationMs: 1,
    result: 'ok',
    failoverCount: 0,
    attempts: 1,
  }
}

describe('GET /metrics', () => {
  it('counts requests by chain, method, provider and status, with latency histograms', async () => {
    fixture = createApiFixture({ config: { metrics: { nodeMetrics: false } } })
    const labels = { chain: 'ethereum', method: 'eth_chainId', provider: 'a', status: 'ok' }
    expect(sample(await scrape(fixture), 'chainpulse_requests_total', labels)).toBeUndefined()
    await rpc(fixture, 'eth_chainId')
    await rpc(fixture, 'eth_chainId')
    fixture.upstreams.a!.failing = true
    await rpc(fixture, 'eth_chainId')
    const text = await scrape(fixture)
    expect(sample(text, 'chainpulse_requests_total', labels)).toBe(2)
    expect(sample(text, 'chainpulse_requests_total', { ...labels, provider: 'b' })).toBe(1)
    expect(sample(text, 'chainpulse_failovers_total', { chain: 'ethereum' })).toBe(1)
    expect(
      sample(text, 'chainpulse_request_duration_seconds_count', { method: 'eth_chainId', provider: 'a' }),
    ).toBe(2)
    expect(text).not.toContain('process_cpu_user_seconds_total')
  })

  it("counts a failover once: a coalesced call's failovers are the call it joined", async () => {
    fixture = createApiFixture({ config: { metrics: { nodeMetrics: false } } })
    // The metrics subscribe once the app is ready.
    expect(sample(await scrape(fixture), 'chainpulse_failovers_total', { chain: 'ethereum' })).toBeUndefined()
    const failedOver = { ...decision('eth_getBalance'), attempts: 2, failoverCount: 1 }
    fixture.pool.pubsub.publish('routing:decisions', failedOver)
    fixture.pool.pubsub.publish('routing:decisions', { ...failedOver, coalesced: true })
    fixture.pool.pubsub.publish('routing:decisions', { ...failedOver, coalesced: true })
    expect(sample(await scrape(fixture), 'chainpulse_failovers_total', { chain: 'ethereum' })).toBe(1)
  })

  it('counts session moves by the provider they left, and never shows a session', async () => {
    fixture = createApiFixture({ config: { metrics: { nodeMetrics: false } } })
    const key = 'wallet-session-9'
    const inSession = (method: string) =>
      fixture!.app.inject({
        method: 'POST',
        url: '/rpc/ethereum',
        headers: { 'content-type': 'application/json', 'x-chainpulse-session': key },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method }),
      })
    await inSession('eth_chainId')
    fixture.upstreams.a!.failing = true
    await inSession('eth_chainId')
    await inSession('eth_chainId')
    const text = await scrape(fixture)
    expect(sample(text, 'chainpulse_session_moves_total', { chain: 'ethereum', provider: 'a' })).toBe(1)
    expect(text).not.toContain(key)
    expect(text).not.toMatch(/session="/)
  })

  it('shows breaker state, head lag, race wins and client connections', async () => {
    fixture = createApiFixture()
    fixture.upstreams.a!.failing = true
    for (let call = 0; call < 5; call++) await rpc(fixture, 'eth_chainId')
    fixture.pool.pubsub.publish('races', {
      chain: 'ethereum',
      eventType: 'newHeads',
      key: '0x1',
      providerId: 'b',
      result: 'win',
      marginMs: 0,
    })
    fixture.pool.pubsub.publish('connections', {
      kind: 'client',
      chain: 'ethereum',
      id: 'client-1',
      state: 'connected',
      transport: 'ws',
    })
    const text = await scrape(fixture)
    expect(sample(text, 'chainpulse_provider_breaker_state', { provider: 'a' })).toBe(2)
    expect(sample(text, 'chainpulse_provider_breaker_state', { provider: 'b' })).toBe(0)
    expect(sample(text, 'chainpulse_provider_head_lag_blocks', { provider: 'c' })).toBe(0)
    expect(
      sample(text, 'chainpulse_races_total', { provider: 'b', event_type: 'newHeads', result: 'win' }),
    ).toBe(1)
    expect(sample(text, 'chainpulse_connections', { kind: 'client', transport: 'ws' })).toBe(1)
    expect(sample(text, 'chainpulse_connections', { kind: 'upstream', transport: 'ws' })).toBe(0)
    // Default Node.js metrics are on by default.
    expect(text).toContain('process_cpu_user_seconds_total')
    expect(text).not.toContain(PLANTED_KEY)
    expect(text).not.toContain('127.0.0.1:9')
  })

  it('counts unknown or malformed method names as "other"', async () => {
    fixture = createApiFixture({ config: { metrics: { nodeMetrics: false } } })
    await rpc(fixture, [`eth_${'x'.repeat(200)}`, 'eth_nope', 'ETH_GASPRICE'])
    const text = await scrape(fixture)
    expect(sample(text, 'chainpulse_requests_total', { method: 'other' })).toBe(3)
    expect(text).not.toContain('x'.repeat(100))
    expect(text).not.toContain('eth_nope')
  })

  it('still labels eth_gasPrice by name after 1,000 made-up method names', async () => {
    fixture = createApiFixture({ config: { metrics: { nodeMetrics: false } } })
    for (let batch = 0; batch < 10; batch++)
      await rpc(
        fixture,
        Array.from({ length: 100 }, (_, index) => `eth_madeUp${batch * 100 + index}`),
      )
    await rpc(fixture, 'eth_gasPrice')
    const text = await scrape(fixture)
    expect(sample(text, 'chainpulse_requests_total', { method: 'other', status: 'ok' })).toBe(1_000)
    expect(sample(text, 'chainpulse_requests_total', { method: 'eth_gasPrice', status: 'ok' })).toBe(1)
    expect(methodLabels(text)).toEqual(new Set(['other', 'eth_gasPrice']))
  })

  it('labels a configured method by name', async () => {
    fixture = createApiFixture({
      config: { metrics: { nodeMetrics: false, methods: ['zks_getBridgeContracts'] } },
    })
    await rpc(fixture, ['zks_getBridgeContracts', 'zks_getBridgeContracts', 'zks_notConfigured'])
    const text = await scrape(fixture)
    expect(sample(text, 'chainpulse_requests_total', { method: 'zks_getBridgeContracts' })).toBe(2)
    expect(sample(text, 'chainpulse_requests_total', { method: 'other' })).toBe(1)
  })

  it('never has more method labels than known + configured + 1, whatever the traffic', async () => {
    const pubsub = createPubSub<ChainPulseTopics>()
    const configured = ['zks_getBridgeContracts', 'zks_L1ChainId']
    const metrics = createServerMetrics({
      pool: { chains: () => [], providers: () => [], pubsub },
      nodeMetrics: false,
      methods: configured,
    })
    const junk = [
      ...Array.from({ length: 5_000 }, (_, index) => `eth_junk${index}`),
      ...Array.from({ length: 500 }, (_, index) => `x${index}_${'y'.repeat(index % 80)}`),
      '__proto__',
      'constructor',
      'toString',
      'eth_call"} 1\nfake_metric{a="',
      '',
    ]
    // Junk before, between and after the real names, so no order lets it crowd them out.
    for (const method of junk) pubsub.publish('routing:decisions', decision(method))
    for (const method of [...KNOWN_METHODS, ...configured]) {
      pubsub.publish('routing:decisions', decision(method))
      pubsub.publish('routing:decisions', decision(`${method}X`))
    }
    for (const method of junk) pubsub.publish('routing:decisions', decision(method))
    const text = await metrics.registry.metrics()
    metrics.close()
    const labels = methodLabels(text)
    expect(labels.size).toBe(KNOWN_METHODS.length + configured.length + 1)
    expect(labels).toEqual(new Set([...KNOWN_METHODS, ...configured, 'other']))
    expect(sample(text, 'chainpulse_requests_total', { method: 'other' })).toBe(
      2 * junk.length + KNOWN_METHODS.length + configured.length,
    )
    expect(text).not.toContain('fake_metric')
  })

  it('exports one series per provider and health state, exactly one of them 1', async () => {
    fixture = createApiFixture({ config: { metrics: { nodeMetrics: false } } })
    expect(PROVIDER_STATES).toEqual(
      expect.arrayContaining(['healthy', 'cooldown', 'lagging', 'unhealthy', 'down']),
    )
    const providers = [
      ['ethereum', 'a'],
      ['ethereum', 'b'],
      ['ethereum', 'keyed'],
      ['polygon', 'c'],
    ]
    const check = (text: string, current: Record<string, string>) => {
      const states = series(text, 'chainpulse_provider_state')
      expect(states.size).toBe(providers.length * PROVIDER_STATES.length)
      for (const [chain, provider] of providers) {
        const values = PROVIDER_STATES.map(
          (state) =>
            [state, states.get(`{chain="${chain}",provider="${provider}",state="${state}"}`)] as const,
        )
        // Every state has its series, and only the current one is 1.
        expect(Object.fromEntries(values), provider).toEqual(
          Object.fromEntries(
            PROVIDER_STATES.map((state) => [state, state === (current[provider!] ?? 'healthy') ? 1 : 0]),
          ),
        )
        expect(sample(text, 'chainpulse_provider_healthy', { chain: chain!, provider: provider! })).toBe(
          (current[provider!] ?? 'healthy') === 'healthy' ? 1 : 0,
        )
      }
    }
    const before = await scrape(fixture)
    check(before, {})

    fixture.pool.cooldown('a', 60_000)
    const during = await scrape(fixture)
    check(during, { a: 'cooldown' })

    fixture.pool.endCooldown('a')
    // Transport failures open a's breaker (b answers meanwhile).
    fixture.upstreams.a!.failing = true
    for (let call = 0; call < 5; call++) await rpc(fixture, 'eth_chainId')
    expect(fixture.pool.providers().find((provider) => provider.id === 'a')?.health).toBe('unhealthy')
    const after = await scrape(fixture)
    check(after, { a: 'unhealthy' })

    // A transition changes values, never which series exist.
    for (const name of ['chainpulse_provider_state', 'chainpulse_provider_healthy']) {
      const labelSets = (text: string) => [...series(text, name).keys()].sort()
      expect(labelSets(during), name).toEqual(labelSets(before))
      expect(labelSets(after), name).toEqual(labelSets(before))
    }
    expect(before).not.toContain('health=')
  })

  it('is absent when metrics are turned off', async () => {
    fixture = createApiFixture({ config: { metrics: false } })
    expect((await fixture.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404)
  })

  it('keeps counting every series right once more label combinations were seen than it caches', async () => {
    const pubsub = createPubSub<ChainPulseTopics>()
    const metrics = createServerMetrics({
      pool: { chains: () => [], providers: () => [], pubsub },
      nodeMetrics: false,
    })
    const decide = (providerId: string, durationMs: number) =>
      pubsub.publish('routing:decisions', {
        ts: 0,
        chain: 'ethereum',
        method: 'eth_chainId',
        strategy: 'leaderboard',
        providerId,
        durationMs,
        result: 'ok',
        failoverCount: 0,
        attempts: 1,
      })
    // 5,000 providers is past the 4,096 cached combinations: the cache is dropped and rebuilt meanwhile.
    for (let round = 0; round < 2; round++)
      for (let index = 0; index < 5_000; index++) decide(`p${index}`, 20)
    decide('p0', 2_000)
    const text = await metrics.registry.metrics()
    metrics.close()
    expect(sample(text, 'chainpulse_requests_total', { provider: 'p0', status: 'ok' })).toBe(3)
    expect(sample(text, 'chainpulse_requests_total', { provider: 'p4999', status: 'ok' })).toBe(2)
    expect(sample(text, 'chainpulse_request_duration_seconds_count', { provider: 'p0' })).toBe(3)
    expect(sample(text, 'chainpulse_request_duration_seconds_sum', { provider: 'p0' })).toBeCloseTo(2.04)
    expect(sample(text, 'chainpulse_request_duration_seconds_bucket', { provider: 'p0', le: '0.025' })).toBe(
      2,
    )
  })
})
