import { describe, expect, it } from 'vitest'
import {
  describeResponse,
  envelopeCases,
  envelopeMaxBatchSize,
  envelopeMaxDepth,
  upstreamErrorObject,
} from '../testing/envelope-cases.js'
import { type TestServer, useTestServerPerTest } from '../testing/harness.js'

const start = useTestServerPerTest()

function post(target: TestServer, url: string, body: unknown, headers: Record<string, string> = {}) {
  return target.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

const call = (method: string, id: unknown = 1, params?: unknown) => ({
  jsonrpc: '2.0',
  id,
  method,
  ...(params === undefined ? {} : { params }),
})

describe('POST /rpc/:chain envelope rules', () => {
  it.each(envelopeCases)('$name', async ({ body, response }) => {
    const { app } = start({
      config: { rpc: { maxBatchSize: envelopeMaxBatchSize, maxJsonDepth: envelopeMaxDepth } },
    })
    const reply = await app.inject({
      method: 'POST',
      url: '/rpc/ethereum',
      headers: { 'content-type': 'application/json' },
      body,
    })
    expect(reply.statusCode).toBe(response === undefined ? 204 : 200)
    expect(describeResponse(reply.body)).toEqual(response)
    if (response !== undefined) expect(reply.headers['content-type']).toBe('application/json; charset=utf-8')
  })

  it('echoes an id beyond 2^53 byte for byte', async () => {
    const target = start()
    const reply = await post(
      target,
      '/rpc/ethereum',
      '{"jsonrpc":"2.0","id":18446744073709551617,"method":"eth_chainId"}',
    )
    expect(reply.body).toBe('{"jsonrpc":"2.0","id":18446744073709551617,"result":"eth_chainId"}')
  })

  it("passes the upstream's JSON-RPC error object through unchanged", async () => {
    const target = start()
    const reply = await post(target, '/rpc/ethereum', call('upstream_error', 'x'))
    expect(reply.json()).toEqual({ jsonrpc: '2.0', id: 'x', error: upstreamErrorObject })
  })

  it('sends the params of each call upstream as given', async () => {
    const target = start()
    await post(target, '/rpc/ethereum', [
      call('echo', 1, ['0xabc', { to: '0x1' }]),
      call('echo', 2, { a: 1 }),
    ])
    expect(target.upstreamCalls()).toEqual([
      { method: 'echo', params: ['0xabc', { to: '0x1' }] },
      { method: 'echo', params: { a: 1 } },
    ])
  })
})

describe('routing headers', () => {
  it('names the provider, strategy and attempts of a single call', async () => {
    const target = start()
    const reply = await post(target, '/rpc/ethereum', call('eth_chainId'))
    const [served] = Object.values(target.upstreams).filter((upstream) => upstream.calls.length > 0)
    expect(reply.headers['x-chainpulse-provider']).toBe(served!.id)
    expect(reply.headers['x-chainpulse-strategy']).toBe('priority')
    expect(reply.headers['x-chainpulse-attempts']).toBe('1')
  })

  it('counts failover attempts and names the provider that answered', async () => {
    const target = start()
    target.upstreams.b!.failing = true
    const reply = await post(target, '/rpc/ethereum', call('eth_chainId'))
    expect(reply.json()).toMatchObject({ result: 'eth_chainId' })
    expect(reply.headers['x-chainpulse-provider']).toBe('a')
    expect(reply.headers['x-chainpulse-attempts']).toBe('2')
  })

  it('lists one entry per response object in a batch, "-" where no provider was involved', async () => {
    const target = start()
    const reply = await post(target, '/rpc/ethereum', [
      call('eth_chainId', 1),
      { jsonrpc: '2.0', id: 2 },
      { jsonrpc: '2.0', method: 'eth_chainId' },
      call('upstream_error', 3),
    ])
    expect(reply.json()).toHaveLength(3)
    expect(reply.headers['x-chainpulse-provider']).toBe('b,-,b')
    expect(reply.headers['x-chainpulse-strategy']).toBe('priority,-,priority')
    expect(reply.headers['x-chainpulse-attempts']).toBe('1,-,1')
  })

  it('sends no routing headers when no call reached a provider', async () => {
    const target = start()
    const reply = await post(target, '/rpc/ethereum', '{"jsonrpc":"2.0","id":1}')
    expect(reply.headers['x-chainpulse-provider']).toBeUndefined()
  })
})

describe('chain, strategy and provider routes', () => {
  it('accepts a chain id in place of the name', async () => {
    const target = start()
    const reply = await post(target, '/rpc/137', call('eth_chainId'))
    expect(reply.headers['x-chainpulse-provider']).toBe('c')
    expect(target.upstreams.c!.calls.map((c) => c.method)).toContain('eth_chainId')
  })

  it('answers an unknown chain with 404 and the known chains, without calling upstream', async () => {
    const target = start()
    const reply = await post(target, '/rpc/solana', call('eth_chainId'))
    expect(reply.statusCode).toBe(404)
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8')
    const body = reply.json()
    expect(body).toMatchObject({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32001, data: { code: 'UNKNOWN_CHAIN' } },
    })
    expect(body.error.message).toContain('ethereum (1), polygon (137)')
    expect(body.error.data.knownChains).toEqual([
      { name: 'ethereum', chainId: 1 },
      { name: 'polygon', chainId: 137 },
    ])
    expect(target.upstreamCalls()).toEqual([])
  })

  it('routes with the strategy named in the path', async () => {
    const target = start()
    const reply = await post(target, '/rpc/round-robin/ethereum', call('eth_chainId'))
    expect(reply.statusCode).toBe(200)
    expect(reply.headers['x-chainpulse-strategy']).toBe('round-robin')
  })

  it('answers an unknown strategy with 404 and the known strategies', async () => {
    const target = start()
    const reply = await post(target, '/rpc/fastest-ever/ethereum', call('eth_chainId'))
    expect(reply.statusCode).toBe(404)
    expect(reply.json().error).toMatchObject({ code: -32001, data: { code: 'UNKNOWN_STRATEGY' } })
    expect(reply.json().error.data.knownStrategies).toContain('leaderboard')
    expect(target.upstreamCalls()).toEqual([])
  })

  it.each(['provider', 'key'])('never treats the reserved segment "%s" as a strategy', async (segment) => {
    const target = start()
    const reply = await post(target, `/rpc/${segment}/ethereum`, call('eth_chainId'))
    expect(reply.statusCode).toBe(404)
    expect(reply.json().error.data.code).toBe('RESERVED_SEGMENT')
  })

  it('pins a call to the provider named in the path', async () => {
    const target = start()
    const reply = await post(target, '/rpc/provider/a/ethereum', call('eth_chainId'))
    expect(reply.headers['x-chainpulse-provider']).toBe('a')
    expect(target.upstreams.b!.calls).toEqual([])
  })

  it('does not fail over from a pinned provider', async () => {
    const target = start()
    target.upstreams.a!.failing = true
    const reply = await post(target, '/rpc/provider/a/1', call('eth_chainId'))
    expect(reply.json().error).toMatchObject({ code: -32603, data: { code: 'ALL_PROVIDERS_FAILED' } })
    expect(target.upstreams.b!.calls).toEqual([])
  })

  it('answers a provider of another chain with 404 and the chain’s providers', async () => {
    const target = start()
    const reply = await post(target, '/rpc/provider/c/ethereum', call('eth_chainId'))
    expect(reply.statusCode).toBe(404)
    expect(reply.json().error.data).toEqual({ code: 'UNKNOWN_PROVIDER', knownProviders: ['a', 'b'] })
  })

  it('answers other paths under /rpc with a JSON-RPC 404, and other HTTP methods with a 405', async () => {
    const target = start()
    const notFound = await post(target, '/rpc/a/b/c/d/e', call('eth_chainId'))
    expect(notFound.statusCode).toBe(404)
    expect(notFound.json().error.data.code).toBe('NOT_FOUND')
    const wrongMethod = await target.app.inject({ method: 'GET', url: '/rpc/ethereum' })
    expect(wrongMethod.statusCode).toBe(405)
    expect(wrongMethod.headers.allow).toBe('POST, OPTIONS')
    expect(wrongMethod.json().error.data.code).toBe('HTTP_METHOD_NOT_ALLOWED')
  })
})

describe('pool failures', () => {
  it('answers -32603 ALL_PROVIDERS_FAILED with provider ids and codes when every provider fails', async () => {
    const target = start()
    target.upstreams.a!.failing = true
    target.upstreams.b!.failing = true
    const reply = await post(target, '/rpc/ethereum', call('eth_chainId'))
    expect(reply.statusCode).toBe(200)
    // Each answered 503, so each was asked once more.
    expect(reply.json().error).toEqual({
      code: -32603,
      message: 'All 4 attempt(s) on chain "ethereum" failed.',
      data: {
        code: 'ALL_PROVIDERS_FAILED',
        attempts: 4,
        failures: [
          { providerId: 'b', code: 'UPSTREAM_HTTP_ERROR' },
          { providerId: 'a', code: 'UPSTREAM_HTTP_ERROR' },
          { providerId: 'b', code: 'UPSTREAM_HTTP_ERROR' },
          { providerId: 'a', code: 'UPSTREAM_HTTP_ERROR' },
        ],
      },
    })
    expect(reply.headers['x-chainpulse-attempts']).toBe('4')
  })

  it('answers -32603 NO_PROVIDER_AVAILABLE with the reasons when every provider is circuit-open', async () => {
    const target = start({ pool: { breaker: { failureThreshold: 1, halfOpenAfterMs: 60_000 } } })
    target.upstreams.a!.failing = true
    target.upstreams.b!.failing = true
    await post(target, '/rpc/ethereum', call('eth_chainId'))
    const calls = target.upstreamCalls().length
    const reply = await post(target, '/rpc/ethereum', call('eth_chainId'))
    expect(reply.json().error).toMatchObject({
      code: -32603,
      data: { code: 'NO_PROVIDER_AVAILABLE', reasons: { a: 'circuit open', b: 'circuit open' } },
    })
    expect(target.upstreamCalls()).toHaveLength(calls)
  })

  it('still answers while every provider is cooling down: throttles slow a request, they do not fail it', async () => {
    const target = start()
    target.pool.cooldown('a', 60_000)
    target.pool.cooldown('b', 60_000)
    const reply = await post(target, '/rpc/ethereum', call('eth_chainId'))
    // The wait would pass the request's deadline: the least recently throttled provider is tried at once.
    expect(reply.json()).toEqual({ jsonrpc: '2.0', id: 1, result: 'eth_chainId' })
    expect(reply.headers['x-chainpulse-provider']).toBe('a')
  })
})

describe('request limits and content types', () => {
  it('answers a body over the limit with 413 and a JSON-RPC error, without calling upstream', async () => {
    const target = start({ config: { rpc: { bodyLimitBytes: 1_000 } } })
    const reply = await post(target, '/rpc/ethereum', call('echo', 1, ['x'.repeat(2_000)]))
    expect(reply.statusCode).toBe(413)
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(reply.json()).toMatchObject({
      id: null,
      error: { code: -32041, data: { code: 'PAYLOAD_TOO_LARGE', limitBytes: 1_000 } },
    })
    expect(target.upstreamCalls()).toEqual([])
  })

  it('accepts a body just under the limit', async () => {
    const target = start({ config: { rpc: { bodyLimitBytes: 1_000 } } })
    const reply = await post(target, '/rpc/ethereum', call('echo', 1, ['x'.repeat(900)]))
    expect(reply.statusCode).toBe(200)
  })

  it.each([
    ['text/plain', 'a browser simple request'],
    ['application/x-www-form-urlencoded', "curl -d's default"],
    ['application/json; charset=iso-8859-1', 'a charset other than UTF-8'],
  ])('answers %s (%s) with 415', async (contentType) => {
    const target = start()
    const reply = await post(target, '/rpc/ethereum', call('eth_chainId'), { 'content-type': contentType })
    expect(reply.statusCode).toBe(415)
    expect(reply.json().error).toMatchObject({ code: -32042, data: { code: 'UNSUPPORTED_MEDIA_TYPE' } })
    expect(target.upstreamCalls()).toEqual([])
  })

  it('answers a body without a content type with 415', async () => {
    const target = start()
    const reply = await target.app.inject({
      method: 'POST',
      url: '/rpc/ethereum',
      body: JSON.stringify(call('x')),
    })
    expect(reply.statusCode).toBe(415)
  })

  it.each(['application/json; charset=UTF-8', 'application/json-rpc', 'Application/JSON'])(
    'accepts %s',
    async (contentType) => {
      const target = start()
      const reply = await post(target, '/rpc/ethereum', call('eth_chainId'), { 'content-type': contentType })
      expect(reply.statusCode).toBe(200)
    },
  )

  it('answers an empty application/json body with a parse error', async () => {
    const target = start()
    const reply = await post(target, '/rpc/ethereum', '')
    expect(reply.statusCode).toBe(200)
    expect(reply.json().error.code).toBe(-32700)
  })
})

describe('method allow and deny lists', () => {
  it('blocks a denied single call with -32601 and no upstream call', async () => {
    const target = start({ config: { rpc: { methods: { deny: ['eth_sendRawTransaction', 'debug_*'] } } } })
    for (const method of ['eth_sendRawTransaction', 'debug_traceTransaction']) {
      const reply = await post(target, '/rpc/ethereum', call(method, 'q'))
      expect(reply.json()).toMatchObject({
        id: 'q',
        error: { code: -32601, data: { code: 'METHOD_NOT_ALLOWED' } },
      })
    }
    expect(target.upstreamCalls()).toEqual([])
  })

  it('blocks denied calls inside a batch one by one, notifications included', async () => {
    const target = start({ config: { rpc: { methods: { deny: ['debug_*'] } } } })
    const reply = await post(target, '/rpc/ethereum', [
      call('eth_chainId', 1),
      call('debug_traceCall', 2),
      { jsonrpc: '2.0', method: 'debug_setHead' },
      call('eth_getBalance', 3),
    ])
    expect(describeResponse(reply.body)).toEqual({
      batch: [
        { id: '1', result: 'eth_chainId' },
        { id: '2', error: -32601, dataCode: 'METHOD_NOT_ALLOWED' },
        { id: '3', result: 'eth_getBalance' },
      ],
    })
    expect(target.upstreamCalls().map((c) => c.method)).toEqual(['eth_chainId', 'eth_getBalance'])
    expect(reply.headers['x-chainpulse-provider']).toBe('b,-,b')
  })

  it('serves only allowed methods when an allow list is set, and deny still wins', async () => {
    const target = start({ config: { rpc: { methods: { allow: ['eth_*'], deny: ['eth_sign'] } } } })
    const reply = await post(target, '/rpc/ethereum', [
      call('eth_call', 1),
      call('net_version', 2),
      call('eth_sign', 3),
    ])
    expect(describeResponse(reply.body)).toEqual({
      batch: [
        { id: '1', result: 'eth_call' },
        { id: '2', error: -32601, dataCode: 'METHOD_NOT_ALLOWED' },
        { id: '3', error: -32601, dataCode: 'METHOD_NOT_ALLOWED' },
      ],
    })
  })

  it('denies node administration and signing namespaces by default', async () => {
    const target = start()
    const reply = await post(target, '/rpc/ethereum', [call('admin_peers', 1), call('personal_sign', 2)])
    expect(reply.json().map((answer: { error: { code: number } }) => answer.error.code)).toEqual([
      -32601, -32601,
    ])
    expect(target.upstreamCalls()).toEqual([])
  })
})

describe('GET /healthz', () => {
  it('reports each chain and its healthy providers', async () => {
    const target = start()
    const reply = await target.app.inject({ method: 'GET', url: '/healthz' })
    expect(reply.statusCode).toBe(200)
    expect(reply.json()).toEqual({
      status: 'ok',
      chains: [
        { name: 'ethereum', chainId: 1, providers: 2, healthyProviders: 2, usableProviders: 2 },
        { name: 'polygon', chainId: 137, providers: 1, healthyProviders: 1, usableProviders: 1 },
      ],
    })
  })

  it('says degraded, still with HTTP 200, when a provider is not healthy but every chain can be served', async () => {
    const target = start()
    target.pool.cooldown('c', 60_000)
    const reply = await target.app.inject({ method: 'GET', url: '/healthz' })
    expect(reply.statusCode).toBe(200)
    expect(reply.json().status).toBe('degraded')
  })

  it('says down with HTTP 503 when a chain has no provider left to route to', async () => {
    const target = start({ pool: { breaker: { failureThreshold: 1, halfOpenAfterMs: 60_000 } } })
    target.upstreams.c!.failing = true
    await post(target, '/rpc/polygon', call('eth_chainId'))
    const reply = await target.app.inject({ method: 'GET', url: '/healthz' })
    expect(reply.statusCode).toBe(503)
    expect(reply.json()).toMatchObject({
      status: 'down',
      chains: [
        { name: 'ethereum', usableProviders: 2 },
        { name: 'polygon', healthyProviders: 0, usableProviders: 0 },
      ],
    })
  })
})
