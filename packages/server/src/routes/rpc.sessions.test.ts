import type { RoutingDecisionEvent } from '@chainpulse/core'
import { describe, expect, it } from 'vitest'
import { type TestServer, useTestServerPerTest } from '../testing/harness.js'
import { MAX_SESSION_KEY_LENGTH, SESSION_HEADER } from './rpc.js'

// The session header over HTTP, on a round-robin pool of three in-test upstreams: without a session
// each call starts at the next provider, so a call that stays put was held by its session.

const start = useTestServerPerTest()

function sessionServer(
  config: Parameters<typeof start>[0] = {},
): TestServer & { decisions: RoutingDecisionEvent[] } {
  const server = start({
    providers: [
      { id: 'a', chain: 'ethereum' },
      { id: 'b', chain: 'ethereum' },
      { id: 'c', chain: 'ethereum' },
    ],
    chains: [{ name: 'ethereum', chainId: 1 }],
    pool: { strategy: 'round-robin' },
    ...config,
  })
  const decisions: RoutingDecisionEvent[] = []
  server.pool.pubsub.subscribe('routing:decisions', (decision) => decisions.push(decision))
  return Object.assign(server, { decisions })
}

async function providerOf(
  server: TestServer,
  headers: Record<string, string>,
  { remoteAddress = '10.0.0.1', method = 'eth_chainId', url = '/rpc/ethereum' } = {},
): Promise<string | undefined> {
  const reply = await server.app.inject({
    method: 'POST',
    url,
    remoteAddress,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: [] }),
  })
  expect(reply.statusCode).toBe(200)
  return reply.headers['x-chainpulse-provider'] as string | undefined
}

describe(`the ${SESSION_HEADER} header`, () => {
  it('keeps calls with the same session key on one provider, and others go round', async () => {
    const server = sessionServer()
    const held = []
    for (let call = 0; call < 4; call++)
      held.push(await providerOf(server, { [SESSION_HEADER]: 'checkout-42' }))
    expect(new Set(held).size).toBe(1)
    const free = []
    for (let call = 0; call < 3; call++) free.push(await providerOf(server, {}))
    expect(new Set(free).size).toBe(3)
    expect(new Set(server.decisions.slice(0, 4).map((decision) => decision.session)).size).toBe(1)
  })

  it('applies to strategy routes, not to pinned ones', async () => {
    const server = sessionServer({ pool: { strategy: 'priority' } })
    const headers = { [SESSION_HEADER]: 's' }
    const onStrategy: (string | undefined)[] = []
    for (let call = 0; call < 3; call++)
      onStrategy.push(await providerOf(server, headers, { url: '/rpc/round-robin/ethereum' }))
    expect(new Set(onStrategy).size).toBe(1)
    const other = ['a', 'b', 'c'].find((id) => id !== onStrategy[0])!
    expect(await providerOf(server, headers, { url: `/rpc/provider/${other}/ethereum` })).toBe(other)
    expect(await providerOf(server, headers, { url: '/rpc/round-robin/ethereum' })).toBe(onStrategy[0])
  })

  it('is scoped per client: the same key from another address is another session', async () => {
    const server = sessionServer()
    const headers = { [SESSION_HEADER]: 'shared-looking-key' }
    await providerOf(server, headers, { remoteAddress: '10.0.0.1' })
    await providerOf(server, headers, { remoteAddress: '10.0.0.2' })
    const [one, two] = server.decisions
    expect(one!.session).toBeDefined()
    expect(two!.session).toBeDefined()
    expect(two!.session).not.toBe(one!.session)
  })

  it('is scoped per API key when keys are configured', async () => {
    const keys = { alice: 'alice-key-0123456789abcdef', bob: 'bob-key-0123456789abcdefgh' }
    const server = sessionServer({
      config: {
        auth: { apiKeys: [keys.alice, keys.bob] },
      },
    })
    const session = { [SESSION_HEADER]: 'k' }
    // Same address, same session key, different API keys: two sessions.
    await providerOf(server, { ...session, 'x-api-key': keys.alice })
    await providerOf(server, { ...session, 'x-api-key': keys.bob })
    await providerOf(server, { ...session, 'x-api-key': keys.alice })
    const ids = server.decisions.map((decision) => decision.session)
    expect(ids[0]).not.toBe(ids[1])
    expect(ids[2]).toBe(ids[0])
  })

  it("gives a client's transaction-flow calls one provider without any header", async () => {
    const server = sessionServer()
    const flow = []
    for (const method of ['eth_getTransactionCount', 'eth_estimateGas', 'eth_sendRawTransaction'])
      flow.push(await providerOf(server, {}, { method }))
    expect(new Set(flow).size).toBe(1)
  })

  it('never writes a session key to logs, metrics or events', async () => {
    const server = sessionServer()
    const key = 'wallet-7f3e-secret-session'
    const home = await providerOf(server, { [SESSION_HEADER]: key })
    // A failover, and a call every provider fails: the paths that log warnings.
    server.upstreams[home!]!.failing = true
    await providerOf(server, { [SESSION_HEADER]: key })
    for (const upstream of Object.values(server.upstreams)) upstream.failing = true
    const failed = await server.app.inject({
      method: 'POST',
      url: '/rpc/ethereum',
      headers: { 'content-type': 'application/json', [SESSION_HEADER]: key },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId' }),
    })
    expect(failed.json().error).toBeDefined()
    const metrics = await server.app.inject({ method: 'GET', url: '/metrics' })
    expect(metrics.statusCode).toBe(200)
    expect(server.logs.length).toBeGreaterThan(0)
    expect(server.decisions.filter((decision) => decision.sessionMoved)).toHaveLength(1)
    for (const text of [server.logs.join('\n'), metrics.body, JSON.stringify(server.decisions)])
      expect(text).not.toContain(key)
  })

  it.each([
    ['too long', 'x'.repeat(MAX_SESSION_KEY_LENGTH + 1)],
    ['with a space', 'two words'],
    ['not ASCII', 'sessión'],
  ])('refuses a session key %s with HTTP 400, before any upstream call', async (_name, value) => {
    const server = sessionServer()
    const reply = await server.app.inject({
      method: 'POST',
      url: '/rpc/ethereum',
      headers: { 'content-type': 'application/json', [SESSION_HEADER]: value },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId' }),
    })
    expect(reply.statusCode).toBe(400)
    expect(reply.json()).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: {
        code: -32600,
        message: `Bad request: the ${SESSION_HEADER} header must be one value of 1 to ${MAX_SESSION_KEY_LENGTH} visible ASCII characters`,
        data: { code: 'BAD_REQUEST' },
      },
    })
    expect(server.upstreamCalls()).toEqual([])
  })

  it(`takes a key of ${MAX_SESSION_KEY_LENGTH} characters`, async () => {
    const server = sessionServer()
    expect(await providerOf(server, { [SESSION_HEADER]: 'k'.repeat(MAX_SESSION_KEY_LENGTH) })).toBeDefined()
  })
})
