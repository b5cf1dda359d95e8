import { UnknownProviderError } from '@chainpulse/core'
import { afterEach, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN_HEADER } from '../routes/api/access.js'
import { type ApiFixture, createApiFixture } from '../routes/api/api-fixture.js'
import type { DemoControls } from './controls.js'

let fixture: ApiFixture | undefined

afterEach(async () => {
  await fixture?.close()
  fixture = undefined
})

function start(options: Parameters<typeof createApiFixture>[0] = {}): ApiFixture {
  fixture = createApiFixture(options)
  return fixture
}

const ADMIN_TOKEN = 'admin-token-0123456789abcdef'

async function post(
  target: ApiFixture,
  url: string,
  body: unknown = {},
  headers: Record<string, string> = {},
) {
  const reply = await target.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
  return { status: reply.statusCode, body: reply.json() }
}

function recordingControls(): DemoControls & { calls: unknown[][] } {
  const calls: unknown[][] = []
  return {
    calls,
    listProviders: async () => [],
    startProvider: async (input) => {
      calls.push(['startProvider', input])
      return { id: `${input.chain}-echo` }
    },
    stopProvider: async (id) => void calls.push(['stopProvider', id]),
    kill: async (id) => {
      if (id === 'ghost') throw new UnknownProviderError('ghost')
      calls.push(['kill', id])
    },
    revive: async (id) => void calls.push(['revive', id]),
    setPersonality: async (id, patch) => void calls.push(['setPersonality', id, patch]),
    dropConnections: async (id) => void calls.push(['dropConnections', id]),
    reorg: async (chain, input) => {
      calls.push(['reorg', chain, input])
      const block = (number: number, hash: string) => ({ number, hash })
      return {
        chain,
        depth: input.depth,
        replaced: [block(9, '0xold')],
        blocks: [block(9, '0xnew')],
        reincluded: [],
        dropped: [],
      }
    },
  }
}

describe('access', () => {
  it('answers 403 to every control outside demo mode without the admin token', async () => {
    const target = start({ config: { admin: { token: ADMIN_TOKEN } } })
    for (const url of [
      '/api/demo/chains/ethereum/strategy',
      '/api/demo/providers/a/cooldown',
      '/api/demo/providers/a/kill',
      '/api/demo/load/start',
      '/api/demo/sampler/start',
      '/api/demo/ambient/start',
      '/api/demo/ambient/stop',
    ]) {
      expect((await post(target, url, { strategy: 'fastest' })).status, url).toBe(403)
    }
    expect(
      (await post(target, '/api/demo/providers/a/healthy', {}, { [ADMIN_TOKEN_HEADER]: `${ADMIN_TOKEN}x` }))
        .status,
    ).toBe(403)
    expect(target.pool.chains()[0]!.strategy).toBe('priority')
    const capabilities = await target.app.inject({ method: 'GET', url: '/api/capabilities' })
    expect(capabilities.json()).toMatchObject({ demo: false, controls: false, simulatedProviders: false })
  })

  it('opens the controls to a request carrying the admin token', async () => {
    const target = start({ config: { admin: { token: ADMIN_TOKEN } } })
    const headers = { [ADMIN_TOKEN_HEADER]: ADMIN_TOKEN }
    const reply = await post(
      target,
      '/api/demo/chains/ethereum/strategy',
      { strategy: 'round-robin' },
      headers,
    )
    expect(reply).toEqual({ status: 200, body: { chain: 'ethereum', strategy: 'round-robin' } })
    const capabilities = await target.app.inject({ method: 'GET', url: '/api/capabilities', headers })
    expect(capabilities.json()).toMatchObject({ demo: false, controls: true })
  })

  it('refuses everyone when neither demo mode nor an admin token is configured', async () => {
    const target = start()
    expect(
      (
        await post(
          target,
          '/api/demo/providers/a/healthy',
          {},
          { [ADMIN_TOKEN_HEADER]: 'anything-at-all-here' },
        )
      ).status,
    ).toBe(403)
  })
})

describe('pool controls (demo mode)', () => {
  it('switches a chain strategy live, by name or chain id', async () => {
    const target = start({ config: { demo: true } })
    expect((await post(target, '/api/demo/chains/1/strategy', { strategy: 'fastest' })).status).toBe(200)
    const chains = await target.app.inject({ method: 'GET', url: '/api/strategies' })
    expect(chains.json().chains[0]).toEqual({ chain: 'ethereum', strategy: 'fastest' })
  })

  it('rejects bad input with 400 naming the path', async () => {
    const target = start({ config: { demo: true } })
    const missing = await post(target, '/api/demo/chains/ethereum/strategy', {})
    expect(missing.status).toBe(400)
    expect(missing.body.error.issues[0].path).toBe('body.strategy')
    const unknown = await post(target, '/api/demo/chains/ethereum/strategy', { strategy: 'fastest-ever' })
    expect(unknown).toMatchObject({ status: 400, body: { error: { code: 'UNKNOWN_STRATEGY' } } })
    const cooldown = await post(target, '/api/demo/providers/a/cooldown', { ms: -5 })
    expect(cooldown.body.error.issues[0].path).toBe('body.ms')
    const load = await post(target, '/api/demo/load/start', { ratePerSecond: 1e9, clients: 2 })
    expect(load.status).toBe(400)
    expect(load.body.error.issues[0].path).toBe('body.ratePerSecond')
    const sampler = await post(target, '/api/demo/sampler/start', { extra: true })
    expect(sampler.body.error.issues[0].path).toBe('body')
    // The sampler calls the pool directly: it takes only what the endpoint's method lists serve.
    const denied = await post(target, '/api/demo/sampler/start', {
      methods: ['eth_blockNumber', 'anvil_mine'],
    })
    expect(denied.status).toBe(400)
    expect(denied.body.error.issues[0]).toMatchObject({
      path: 'body.methods.1',
      message: expect.stringContaining('"anvil_mine" is not served by this endpoint (default-deny "anvil_*"'),
    })
  })

  it('starts a cooldown and ends it on "healthy"', async () => {
    const target = start({ config: { demo: true } })
    expect((await post(target, '/api/demo/providers/a/cooldown', { ms: 60_000 })).status).toBe(200)
    const health = () => target.pool.providers('ethereum').find((provider) => provider.id === 'a')!.health
    expect(health()).toBe('cooldown')
    expect((await post(target, '/api/demo/providers/a/healthy')).status).toBe(200)
    expect(health()).toBe('healthy')
    expect((await post(target, '/api/demo/providers/nope/healthy')).status).toBe(404)
    const events = target.pool.pubsub.recent('provider_pool:events').map((event) => event.type)
    expect(events).toEqual(expect.arrayContaining(['cooldown_start', 'cooldown_end']))
  })

  it('refuses to start the load generator or the ambient traffic while the server is not listening', async () => {
    const target = start({ config: { demo: true } })
    expect((await post(target, '/api/demo/load/start', {})).status).toBe(409)
    expect((await post(target, '/api/demo/ambient/start')).status).toBe(409)
    expect((await post(target, '/api/demo/ambient/stop')).body).toEqual({ ambient: null })
    const status = await target.app.inject({ method: 'GET', url: '/api/demo/status' })
    expect(status.json()).toEqual({ load: null, sampler: null, ambient: null })
  })

  it('runs the routing sampler through the pool until stopped', async () => {
    const target = start({ config: { demo: true } })
    const started = await post(target, '/api/demo/sampler/start', { ratePerSecond: 2, chains: ['polygon'] })
    expect(started.body).toMatchObject({ running: true, ratePerSecond: 2, chains: ['polygon'] })
    target.clock.advance(2_000)
    await new Promise((resolve) => setImmediate(resolve))
    expect(
      target.upstreams.c!.calls.filter((call) => call.method === 'eth_blockNumber').length,
    ).toBeGreaterThanOrEqual(4)
    const decisions = target.pool.pubsub.recent('routing:decisions')
    expect(decisions.filter((decision) => decision.chain === 'polygon')).toHaveLength(4)
    const stopped = await post(target, '/api/demo/sampler/stop')
    expect(stopped.body.sampler).toMatchObject({ running: false, sent: 4 })
    target.clock.advance(5_000)
    expect(target.pool.pubsub.recent('routing:decisions')).toHaveLength(4)
  })
})

describe('simulated provider controls', () => {
  it('delegates to the injected controls after validating', async () => {
    const controls = recordingControls()
    const target = start({ config: { demo: true }, controls })
    expect((await post(target, '/api/demo/providers', { chain: '137', preset: 'flaky' })).body).toEqual({
      id: 'polygon-echo',
    })
    await post(target, '/api/demo/providers/a/kill')
    await post(target, '/api/demo/providers/a/revive')
    await post(target, '/api/demo/providers/a/drop')
    await post(target, '/api/demo/providers/a/stop')
    await post(target, '/api/demo/providers/a/personality', { latencyMs: 250, errorRate: 0.5, mode: 'hang' })
    expect(controls.calls).toEqual([
      ['startProvider', { chain: 'polygon', preset: 'flaky' }],
      ['kill', 'a'],
      ['revive', 'a'],
      ['dropConnections', 'a'],
      ['stopProvider', 'a'],
      ['setPersonality', 'a', { latencyMs: 250, errorRate: 0.5, mode: 'hang' }],
    ])
    const mix = await post(target, '/api/demo/providers/a/personality', {
      errorMix: { rateLimit: 1, serverError: 0 },
    })
    expect(mix.status).toBe(200)
    expect(controls.calls.at(-1)).toEqual([
      'setPersonality',
      'a',
      { errorMix: { rateLimit: 1, serverError: 0 } },
    ])
    expect(
      (await post(target, '/api/demo/providers/a/personality', { errorMix: { teapot: 1 } })).status,
    ).toBe(400)
    controls.calls.pop()
    const bad = await post(target, '/api/demo/providers/a/personality', { errorRate: 2 })
    expect(bad.status).toBe(400)
    expect(bad.body.error.issues[0].path).toBe('body.errorRate')
    expect((await post(target, '/api/demo/providers/a/personality', {})).status).toBe(400)
    expect((await post(target, '/api/demo/providers/ghost/kill')).status).toBe(404)
    expect(controls.calls).toHaveLength(6)
    expect((await target.app.inject({ method: 'GET', url: '/api/capabilities' })).json()).toMatchObject({
      demo: true,
      controls: true,
      simulatedProviders: true,
    })
  })

  it('answers 501 when the server has no simulated providers', async () => {
    const target = start({ config: { demo: true } })
    expect((await post(target, '/api/demo/providers/a/kill')).status).toBe(501)
    expect((await post(target, '/api/demo/chains/ethereum/reorg', { depth: 1 })).status).toBe(501)
  })

  it('reorganises a chain named by name or chain id, after validating depth and transactions', async () => {
    const controls = recordingControls()
    const target = start({ config: { demo: true }, controls })
    const reorg = await post(target, '/api/demo/chains/137/reorg', { depth: 2, transactions: 'drop' })
    expect(reorg).toEqual({
      status: 200,
      body: {
        chain: 'polygon',
        depth: 2,
        replaced: [{ number: 9, hash: '0xold' }],
        blocks: [{ number: 9, hash: '0xnew' }],
        reincluded: [],
        dropped: [],
      },
    })
    await post(target, '/api/demo/chains/ethereum/reorg', { depth: 1 })
    expect(controls.calls).toEqual([
      ['reorg', 'polygon', { depth: 2, transactions: 'drop' }],
      ['reorg', 'ethereum', { depth: 1 }],
    ])
    for (const [body, path] of [
      [{}, 'body.depth'],
      [{ depth: 0 }, 'body.depth'],
      [{ depth: 1.5 }, 'body.depth'],
      [{ depth: 1, transactions: 'some' }, 'body.transactions'],
      [{ depth: 1, blocks: 2 }, 'body'],
    ] as const) {
      const bad = await post(target, '/api/demo/chains/ethereum/reorg', body)
      expect(bad.status, JSON.stringify(body)).toBe(400)
      expect(bad.body.error.issues[0].path, JSON.stringify(body)).toBe(path)
    }
    expect((await post(target, '/api/demo/chains/solana/reorg', { depth: 1 })).status).toBe(404)
    expect(controls.calls).toHaveLength(2)
  })
})
