import { type ChainPulseTopics, createPubSub } from '@chainpulse/core'
import { afterEach, describe, expect, it } from 'vitest'
import { type ApiFixture, createApiFixture, PLANTED_KEY } from '../routes/api/api-fixture.js'
import { createServerMetrics } from './metrics.js'

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

async function rpc(target: ApiFixture, method: string) {
  await target.app.inject({
    method: 'POST',
    url: '/rpc/ethereum',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: [] }),
  })
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

  it('counts client-supplied method names past the cap, or malformed ones, as "other"', async () => {
    fixture = createApiFixture({ config: { metrics: { nodeMetrics: false } } })
    await rpc(fixture, `eth_${'x'.repeat(200)}`)
    const text = await scrape(fixture)
    expect(sample(text, 'chainpulse_requests_total', { method: 'other' })).toBe(1)
    expect(text).not.toContain('x'.repeat(100))
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
