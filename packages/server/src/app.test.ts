import { once } from 'node:events'
import { Agent, request as httpRequest } from 'node:http'
import { connect } from 'node:net'
import { ConfigError, createProviderPool, type FetchLike, type JsonRpcResponse } from '@chainpulse/core'
import { createFakeClock } from '@chainpulse/core/testing'
import { describe, expect, it } from 'vitest'
import { buildServer } from './app.js'
import { urlSecrets } from './security/redaction.js'
import { type TestServer, useTestServerPerTest } from './testing/harness.js'

const start = useTestServerPerTest()

const chainIdCall = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId' })

function post(
  target: TestServer,
  url: string,
  options: { headers?: Record<string, string>; remoteAddress?: string } = {},
) {
  return target.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...options.headers },
    body: chainIdCall,
    ...(options.remoteAddress ? { remoteAddress: options.remoteAddress } : {}),
  })
}

describe('API keys', () => {
  const keyA = 'key-alpha-6f1c2b8e9d0a'
  const keyB = 'key-bravo-0a9d8e2b1c6f'
  const auth = { config: { auth: { apiKeys: [keyA, keyB] } } }

  it('answers 401 without calling upstream when the key is missing', async () => {
    const target = start(auth)
    const reply = await post(target, '/rpc/ethereum')
    expect(reply.statusCode).toBe(401)
    expect(reply.json()).toMatchObject({ id: null, error: { code: -32040, data: { code: 'UNAUTHORIZED' } } })
    expect(target.upstreamCalls()).toEqual([])
  })

  it('answers 401 for a wrong key, before looking at the path or the body', async () => {
    const target = start(auth)
    for (const reply of [
      await post(target, '/rpc/ethereum', { headers: { 'x-api-key': `${keyA}x` } }),
      await post(target, '/rpc/no-such-chain', { headers: { 'x-api-key': 'nope' } }),
      await target.app.inject({
        method: 'POST',
        url: '/rpc/ethereum',
        headers: { 'content-type': 'text/plain' },
        body: '{',
      }),
    ]) {
      expect(reply.statusCode).toBe(401)
      expect(reply.json().error.message).not.toContain(keyA)
    }
    expect(target.upstreamCalls()).toEqual([])
  })

  it('accepts any configured key in the x-api-key header', async () => {
    const target = start(auth)
    expect((await post(target, '/rpc/ethereum', { headers: { 'x-api-key': keyA } })).statusCode).toBe(200)
    expect((await post(target, '/rpc/ethereum', { headers: { 'x-api-key': keyB } })).statusCode).toBe(200)
    expect(target.upstreamCalls()).toHaveLength(2)
  })

  it.each([
    `/rpc/key/${keyA}/ethereum`,
    `/rpc/key/${keyA}/priority/1`,
    `/rpc/key/${keyA}/provider/a/ethereum`,
  ])('accepts the key as a path segment: %s', async (url) => {
    const target = start(auth)
    const reply = await post(target, url)
    expect(reply.statusCode).toBe(200)
    expect(reply.json()).toMatchObject({ result: 'eth_chainId' })
  })

  it('answers 401 for a wrong key in the path', async () => {
    const target = start(auth)
    const reply = await post(target, '/rpc/key/not-a-valid-key-at-all/ethereum')
    expect(reply.statusCode).toBe(401)
    expect(target.upstreamCalls()).toEqual([])
  })

  it('lets the key path through without auth configured, and keeps /healthz open with it', async () => {
    expect((await post(start(), '/rpc/key/anything-goes-here/ethereum')).statusCode).toBe(200)
    const target = start(auth)
    expect((await target.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200)
  })
})

describe('rate limit', () => {
  const limited = { config: { rateLimit: { max: 3, timeWindowMs: 60_000 } } }

  it('answers 429 with -32005 past the limit, without calling upstream', async () => {
    const target = start(limited)
    for (let i = 0; i < 3; i++) expect((await post(target, '/rpc/ethereum')).statusCode).toBe(200)
    const reply = await post(target, '/rpc/ethereum')
    expect(reply.statusCode).toBe(429)
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(reply.headers['retry-after']).toBeDefined()
    expect(reply.json()).toMatchObject({ id: null, error: { code: -32005, data: { code: 'RATE_LIMITED' } } })
    expect(target.upstreamCalls()).toHaveLength(3)
  })

  it('counts each client address separately', async () => {
    const target = start(limited)
    for (let i = 0; i < 3; i++) await post(target, '/rpc/ethereum', { remoteAddress: '10.0.0.1' })
    expect((await post(target, '/rpc/ethereum', { remoteAddress: '10.0.0.1' })).statusCode).toBe(429)
    expect((await post(target, '/rpc/ethereum', { remoteAddress: '10.0.0.2' })).statusCode).toBe(200)
  })

  it('counts each API key separately, whichever way it is sent', async () => {
    const keyA = 'key-alpha-6f1c2b8e9d0a'
    const keyB = 'key-bravo-0a9d8e2b1c6f'
    const target = start({ config: { ...limited.config, auth: { apiKeys: [keyA, keyB] } } })
    await post(target, '/rpc/ethereum', { headers: { 'x-api-key': keyA } })
    await post(target, `/rpc/key/${keyA}/ethereum`)
    await post(target, '/rpc/ethereum', { headers: { 'x-api-key': keyA } })
    expect((await post(target, `/rpc/key/${keyA}/ethereum`)).statusCode).toBe(429)
    expect((await post(target, '/rpc/ethereum', { headers: { 'x-api-key': keyB } })).statusCode).toBe(200)
  })

  it('can be turned off', async () => {
    const target = start({ config: { rateLimit: false } })
    for (let i = 0; i < 150; i++) expect((await post(target, '/rpc/ethereum')).statusCode).toBe(200)
  })

  it('does not limit /healthz', async () => {
    const target = start(limited)
    for (let i = 0; i < 5; i++) await post(target, '/rpc/ethereum')
    expect((await target.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200)
  })
})

describe('redaction', () => {
  const providerKey = 'pk7f3e9a1b5c2d8e4f6a0b1c'
  const password = 'hunter2-basic-auth'
  const querySecret = 'qs-8c2e6a4f0b9d'
  const apiKey = 'client-key-5e7a9c1b3d'
  const urlOf = (host: string) =>
    `https://alice:${password}@${host}.example.com/v3/${providerKey}?apikey=${querySecret}`

  // An upstream that fails every way a real one can, each time echoing the URL (with its secrets) back.
  const fetchEchoingSecrets: FetchLike = async (url, init) => {
    const body = JSON.parse(String(init.body)) as { id: unknown; method: string }
    if (url.includes('unreachable')) throw new TypeError(`fetch failed: connect ECONNREFUSED ${url}`)
    if (url.includes('forbidden'))
      return new Response(`invalid key ${providerKey} for ${url}`, { status: 403 })
    if (body.method === 'eth_blockNumber') {
      return Response.json({ jsonrpc: '2.0', id: body.id, result: '0x1' })
    }
    return Response.json({
      jsonrpc: '2.0',
      id: body.id,
      error: { code: 3, message: `execution reverted: key ${providerKey} at ${url}`, data: { url } },
    })
  }

  it('never shows a provider URL secret or an API key in any log line or response', async () => {
    const urls = [urlOf('unreachable'), urlOf('forbidden'), urlOf('echoing')]
    const target = start({
      providers: [
        { id: 'unreachable', chain: 'ethereum', httpUrl: urls[0]!, priority: 3 },
        { id: 'forbidden', chain: 'ethereum', httpUrl: urls[1]!, priority: 2 },
        { id: 'echoing', chain: 'ethereum', httpUrl: urls[2]!, priority: 1 },
        { id: 'down-only', chain: 'polygon', httpUrl: urlOf('unreachable') },
      ],
      pool: { fetch: fetchEchoingSecrets },
      config: { auth: { apiKeys: [apiKey] }, logLevel: 'trace' },
      secrets: urls.flatMap(urlSecrets),
    })
    const replies = [
      await post(target, `/rpc/key/${apiKey}/ethereum`),
      await post(target, '/rpc/ethereum', { headers: { 'x-api-key': apiKey } }),
      await post(target, `/rpc/key/${apiKey}/provider/unreachable/ethereum`),
      await post(target, `/rpc/key/${apiKey}/provider/forbidden/ethereum`),
      await post(target, `/rpc/key/${apiKey}/polygon`),
      await post(target, `/rpc/key/${apiKey}x/ethereum`),
      await post(target, `/rpc/key/${apiKey}/nowhere`),
      await target.app.inject({ method: 'GET', url: '/healthz' }),
    ]
    // The calls did reach the upstreams and fail in the planned ways.
    expect(replies[0]!.json().error.code).toBe(3)
    expect(replies[2]!.json().error.data.failures).toEqual([
      { providerId: 'unreachable', code: 'UPSTREAM_UNAVAILABLE' },
    ])
    expect(replies[3]!.json().error.data.failures).toEqual([
      { providerId: 'forbidden', code: 'UPSTREAM_HTTP_ERROR' },
    ])
    expect(target.logs.length).toBeGreaterThan(10)

    const everything = [
      ...target.logs,
      ...replies.flatMap((reply) => [reply.body, JSON.stringify(reply.headers)]),
    ]
    for (const secret of [providerKey, password, querySecret, apiKey]) {
      const leaks = everything.filter((text) => text.includes(secret))
      expect(leaks, `"${secret}" leaked`).toEqual([])
    }
  })

  it('keeps the rest of an upstream error intact when masking a secret in it', async () => {
    const url = urlOf('echoing')
    const target = start({
      providers: [{ id: 'echoing', chain: 'ethereum', httpUrl: url }],
      pool: { fetch: fetchEchoingSecrets },
      secrets: urlSecrets(url),
    })
    const reply = await post(target, '/rpc/ethereum')
    expect(reply.json().error).toEqual({
      code: 3,
      message: 'execution reverted: key *** at https://echoing.example.com/***',
      data: { url: 'https://echoing.example.com/***' },
    })
  })
})

describe('buildServer', () => {
  it('rejects an invalid config naming each bad path, without echoing key values', () => {
    const { pool } = start()
    let thrown: unknown
    try {
      buildServer({
        pool,
        config: { rpc: { maxBatchSize: 0 }, auth: { apiKeys: ['short-secret'] }, bogus: 1 } as never,
        logger: false,
      })
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(ConfigError)
    const issues = (thrown as ConfigError).issues.map((issue) => issue.path)
    expect(issues).toEqual(expect.arrayContaining(['rpc.maxBatchSize', 'auth.apiKeys.0', '']))
    expect((thrown as ConfigError).message).not.toContain('short-secret')
  })

  it('writes no log lines with logging off', async () => {
    const target = start({ config: { logLevel: 'silent' } })
    await post(target, '/rpc/ethereum')
    expect(target.logs).toEqual([])
  })
})

describe('shutdown', () => {
  it('cuts a request stuck on a hanging upstream once drainTimeoutMs has passed', async () => {
    const clock = createFakeClock()
    let called: () => void = () => {}
    const upstreamCalled = new Promise<void>((resolve) => {
      called = resolve
    })
    const hanging = {
      request: () => {
        called()
        return new Promise<JsonRpcResponse>(() => {})
      },
      close() {},
    }
    const pool = createProviderPool({
      chains: [{ name: 'ethereum', chainId: 1 }],
      providers: [{ id: 'hanging', chain: 'ethereum', upstream: hanging }],
      racing: false,
      // The one call that hangs is the client's: a probe would be another one.
      healthCheck: false,
      clock,
    })
    const app = buildServer({ pool, logger: false, clock, drainTimeoutMs: 5_000 })
    const origin = await app.listen({ port: 0, host: '127.0.0.1' })
    const answer = fetch(`${origin}/rpc/ethereum`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chainIdCall,
    }).then(
      () => 'answered',
      () => 'cut',
    )
    await upstreamCalled
    let closed = false
    const closing = app.close().then(() => {
      closed = true
    })
    for (let turn = 0; turn < 50; turn++) await new Promise((resolve) => setImmediate(resolve))
    expect(closed).toBe(false)
    clock.advance(5_000)
    await closing
    expect(await answer).toBe('cut')
    await pool.close()
  })

  it('closes at once a connection that never sent a request (a preconnect), rather than at the cutoff', async () => {
    // On the fake clock the cutoff never fires: without this, close() would wait forever.
    const clock = createFakeClock()
    const pool = createProviderPool({
      chains: [{ name: 'ethereum', chainId: 1 }],
      providers: [
        { id: 'idle', chain: 'ethereum', upstream: { request: () => new Promise(() => {}), close() {} } },
      ],
      racing: false,
      clock,
    })
    const app = buildServer({ pool, logger: false, clock, drainTimeoutMs: 5_000 })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.server.address() as { port: number }
    const preconnect = connect(port, '127.0.0.1')
    await once(preconnect, 'connect')
    const preconnectClosed = once(preconnect, 'close')
    // Let the server accept it before close() starts.
    const accepted = () =>
      new Promise<number>((resolve) => app.server.getConnections((_, count) => resolve(count)))
    while ((await accepted()) === 0) await new Promise((resolve) => setImmediate(resolve))

    await app.close()

    await preconnectClosed
    await pool.close()
    // The cutoff timer was cleared too.
    expect(clock.pendingTimers()).toBe(0)
  })

  it('answers in-flight requests with connection: close, so keep-alive clients do not hold close()', async () => {
    let release: () => void = () => {}
    let called: () => void = () => {}
    const upstreamCalled = new Promise<void>((resolve) => {
      called = resolve
    })
    // An upstream that answers only when the test says so: the request is in flight when close() starts.
    const gated = {
      request: () => {
        called()
        return new Promise<JsonRpcResponse>((resolve) => {
          release = () => resolve({ jsonrpc: '2.0', id: 1, result: '0x1' })
        })
      },
      close() {},
    }
    const target = start({
      chains: [{ name: 'ethereum', chainId: 1 }],
      providers: [{ id: 'gated', chain: 'ethereum', upstream: gated }],
    })
    const origin = await target.app.listen({ port: 0, host: '127.0.0.1' })
    const agent = new Agent({ keepAlive: true })
    const answer = new Promise<{ connection: string | undefined; body: string; socketClosed: Promise<void> }>(
      (resolve, reject) => {
        const request = httpRequest(
          `${origin}/rpc/ethereum`,
          { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
          (response) => {
            let body = ''
            response.on('data', (chunk) => {
              body += chunk
            })
            const socketClosed = new Promise<void>((closed) => response.socket.once('close', () => closed()))
            response.on('end', () => resolve({ connection: response.headers.connection, body, socketClosed }))
          },
        )
        request.on('error', reject)
        request.end(chainIdCall)
      },
    )
    await upstreamCalled
    const closed = target.app.close()
    // close() has begun once the server stops listening (after the preClose hooks).
    for (let turn = 0; turn < 1_000 && target.app.server.listening; turn++)
      await new Promise((resolve) => setImmediate(resolve))
    expect(target.app.server.listening).toBe(false)
    release()
    const { connection, body, socketClosed } = await answer
    expect(JSON.parse(body)).toEqual({ jsonrpc: '2.0', id: 1, result: '0x1' })
    expect(connection).toBe('close')
    // Without the header the idle keep-alive socket would hold close() for Node's 72 s keepAliveTimeout.
    await socketClosed
    await closed
    agent.destroy()
  })
})
