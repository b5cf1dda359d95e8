import { describe, expect, it } from 'vitest'
import { type TestServer, useTestServerPerTest } from '../testing/harness.js'

const start = useTestServerPerTest()

const dapp = 'https://dapp.example'

function preflight(target: TestServer, url: string, origin = dapp) {
  return target.app.inject({
    method: 'OPTIONS',
    url,
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type',
    },
  })
}

function call(target: TestServer, url: string, headers: Record<string, string> = {}) {
  return target.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId' }),
  })
}

describe('CORS on /rpc', () => {
  it('answers a preflight from any origin by default, without calling upstream', async () => {
    const target = start()
    const reply = await preflight(target, '/rpc/fastest/ethereum')
    expect(reply.statusCode).toBe(204)
    expect(reply.headers['access-control-allow-origin']).toBe('*')
    expect(reply.headers['access-control-allow-methods']).toBe('POST, OPTIONS')
    expect(reply.headers['access-control-allow-headers']).toBe(
      'content-type, x-api-key, x-chainpulse-session',
    )
    expect(reply.headers['access-control-max-age']).toBe('600')
    expect(target.upstreamCalls()).toEqual([])
  })

  it('lets the page read the answer and the x-chainpulse-* headers', async () => {
    const target = start()
    const reply = await call(target, '/rpc/ethereum', { origin: dapp })
    expect(reply.json()).toMatchObject({ id: 1, result: expect.any(String) })
    expect(reply.headers['access-control-allow-origin']).toBe('*')
    expect(reply.headers['access-control-expose-headers']).toBe(
      'x-chainpulse-provider, x-chainpulse-strategy, x-chainpulse-attempts, x-chainpulse-cache',
    )
  })

  it('marks error answers too, so the page can read the JSON-RPC error', async () => {
    const target = start()
    const reply = await call(target, '/rpc/no-such-chain', { origin: dapp })
    expect(reply.statusCode).toBe(404)
    expect(reply.headers['access-control-allow-origin']).toBe('*')
  })

  it('with a list, echoes a listed origin and gives an unlisted one no CORS headers', async () => {
    const target = start({ config: { cors: { origins: [dapp], maxAgeSeconds: 60 } } })
    const listed = await preflight(target, '/rpc/ethereum')
    expect(listed.headers['access-control-allow-origin']).toBe(dapp)
    expect(listed.headers['access-control-max-age']).toBe('60')
    expect(listed.headers.vary).toBe('origin')

    const unlisted = await preflight(target, '/rpc/ethereum', 'https://evil.example')
    expect(unlisted.statusCode).toBe(204)
    expect(unlisted.headers['access-control-allow-origin']).toBeUndefined()
    expect(unlisted.headers['access-control-allow-methods']).toBeUndefined()

    const answered = await call(target, '/rpc/ethereum', { origin: 'https://evil.example' })
    // Non-browser clients are unaffected: the call is served, only the browser would withhold it.
    expect(answered.json()).toMatchObject({ id: 1, result: expect.any(String) })
    expect(answered.headers['access-control-allow-origin']).toBeUndefined()
  })

  it('answers preflights without an API key when auth is on, and marks the 401 of a keyless call', async () => {
    const target = start({ config: { auth: { apiKeys: ['key-alpha-6f1c2b8e9d0a'] } } })
    expect((await preflight(target, '/rpc/ethereum')).statusCode).toBe(204)
    const refused = await call(target, '/rpc/ethereum', { origin: dapp })
    expect(refused.statusCode).toBe(401)
    expect(refused.headers['access-control-allow-origin']).toBe('*')
    expect(target.upstreamCalls()).toEqual([])
  })

  it('sends no CORS headers when turned off', async () => {
    const target = start({ config: { cors: false } })
    const reply = await call(target, '/rpc/ethereum', { origin: dapp })
    expect(reply.headers['access-control-allow-origin']).toBeUndefined()
    expect((await preflight(target, '/rpc/ethereum')).headers['access-control-allow-origin']).toBeUndefined()
  })

  it('keeps the rest of the server free of CORS headers', async () => {
    const target = start()
    const reply = await target.app.inject({ method: 'GET', url: '/healthz', headers: { origin: dapp } })
    expect(reply.headers['access-control-allow-origin']).toBeUndefined()
  })

  it('rejects an origin with a path in the config, naming the field', async () => {
    expect(() => start({ config: { cors: { origins: ['https://dapp.example/app'] } } })).toThrow(
      /cors\.origins\.0/,
    )
  })
})
