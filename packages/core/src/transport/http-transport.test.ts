import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createCancellation } from '../abort/cancellation.js'
import { createFakeClock } from '../clock/fake-clock.js'
import {
  AbortedError,
  ConfigError,
  MalformedResponseError,
  RateLimitedError,
  UpstreamError,
  UpstreamHttpError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../errors/errors.js'
import {
  createHttpTransport,
  type FetchInit,
  type FetchLike,
  type HttpTransportOptions,
} from './http-transport.js'
import type { JsonRpcRequest } from './json-rpc.js'

// A real loopback server whose behaviour each test scripts through `respond`.
type Handler = (request: IncomingMessage, response: ServerResponse, body: string) => void
interface Received {
  method: string | undefined
  url: string | undefined
  headers: IncomingMessage['headers']
  body: string
}

let server: Server
let baseUrl: string
let respond: Handler
const received: Received[] = []
const arrivals: Array<() => void> = []

/** Resolves when the server has read the next request (no sleeping: it waits for the event). */
function nextArrival(): Promise<void> {
  return new Promise((resolve) => arrivals.push(resolve))
}

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = ''
    request.setEncoding('utf8')
    request.on('data', (chunk: string) => {
      body += chunk
    })
    request.on('end', () => {
      received.push({ method: request.method, url: request.url, headers: request.headers, body })
      respond(request, response, body)
      arrivals.shift()?.()
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterEach(() => {
  received.length = 0
  arrivals.length = 0
  // No closeAllConnections here: fetch keeps sockets alive between tests, and killing them under it would
  // turn the next request into a spurious network error. Hung calls are aborted, which closes their sockets.
})

afterAll(async () => {
  server.closeAllConnections()
  server.close()
  await once(server, 'close')
})

function json(status: number, body: unknown, headers: Record<string, string> = {}): Handler {
  return (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers })
    response.end(typeof body === 'string' ? body : JSON.stringify(body))
  }
}

/** Answers each request of the call with `result`, echoing its id. */
const echoResult =
  (result: unknown): Handler =>
  (_request, response, body) => {
    const call = JSON.parse(body) as JsonRpcRequest
    json(200, { jsonrpc: '2.0', id: call.id, result })(_request, response, body)
  }

const call = (id: number | string = 1, method = 'eth_blockNumber'): JsonRpcRequest => ({
  jsonrpc: '2.0',
  id,
  method,
  params: [],
})

function transport(overrides: Partial<HttpTransportOptions> = {}) {
  return createHttpTransport({ url: `${baseUrl}/rpc`, timeoutMs: 1_000, providerId: 'alpha', ...overrides })
}

/** A loopback port nothing listens on (just closed), so connecting to it is refused. */
async function refusedPort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as AddressInfo).port
  server.close()
  await once(server, 'close')
  return port
}

async function rejection(promise: Promise<unknown>): Promise<UpstreamError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(UpstreamError)
    return error as UpstreamError
  }
  throw new Error('expected the call to reject')
}

describe('createHttpTransport: answers', () => {
  it('POSTs the payload as JSON and returns the parsed response with the raw text verbatim', async () => {
    const raw = '{"jsonrpc":"2.0",  "id":1, "result":"0x10"}'
    respond = json(200, raw)
    const http = transport({ headers: { 'x-api-client': 'chainpulse' } })

    const result = await http.request(call(1))

    expect(result).toEqual({ response: { jsonrpc: '2.0', id: 1, result: '0x10' }, text: raw, status: 200 })
    expect(received).toHaveLength(1)
    expect(received[0]?.method).toBe('POST')
    expect(received[0]?.url).toBe('/rpc')
    expect(received[0]?.headers['content-type']).toBe('application/json')
    expect(received[0]?.headers['x-api-client']).toBe('chainpulse')
    expect(JSON.parse(received[0]?.body ?? '')).toEqual(call(1))
  })

  it('returns a JSON-RPC error response as data instead of throwing', async () => {
    const error = { code: 3, message: 'execution reverted: not owner', data: '0x08c379a0' }
    respond = json(200, { jsonrpc: '2.0', id: 7, error })

    const { response, status } = await transport().request(call(7, 'eth_call'))

    expect(status).toBe(200)
    expect(response).toEqual({ jsonrpc: '2.0', id: 7, error })
  })

  it('returns a JSON-RPC error carried by a 4xx as data, with the status', async () => {
    const error = { code: -32600, message: 'Monthly capacity limit exceeded.' }
    respond = json(403, { jsonrpc: '2.0', id: 1, error })

    const { response, status } = await transport().request(call(1))

    expect(status).toBe(403)
    expect(response).toEqual({ jsonrpc: '2.0', id: 1, error })
  })

  it('answers a batch with responses in any order', async () => {
    respond = json(200, [
      { jsonrpc: '2.0', id: 2, result: '0x2' },
      { jsonrpc: '2.0', id: 1, error: { code: -32601, message: 'method not found' } },
    ])

    const { response } = await transport().request([call(1), call(2)])

    expect(response).toEqual([
      { jsonrpc: '2.0', id: 2, result: '0x2' },
      { jsonrpc: '2.0', id: 1, error: { code: -32601, message: 'method not found' } },
    ])
  })

  it('returns a single error answering a whole batch', async () => {
    const whole = { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'batch size too large' } }
    respond = json(200, whole)

    const { response } = await transport().request([call(1), call(2)])

    expect(response).toEqual(whole)
  })

  it('sends URL credentials as a Basic authorization header, not in the URL', async () => {
    respond = echoResult('0x1')
    const url = `${baseUrl.replace('http://', 'http://user:p%40ss@')}/rpc`

    await transport({ url }).request(call())

    expect(received[0]?.headers.authorization).toBe(`Basic ${Buffer.from('user:p@ss').toString('base64')}`)
  })

  it('leaves no timer behind after an answer', async () => {
    const clock = createFakeClock()
    respond = echoResult('0x1')

    await transport({ clock }).request(call())

    expect(clock.pendingTimers()).toBe(0)
  })
})

describe('createHttpTransport: failures', () => {
  it('maps 429 with Retry-After seconds to RATE_LIMITED', async () => {
    respond = json(429, { error: 'slow down' }, { 'retry-after': '2' })

    const error = await rejection(transport().request(call()))

    expect(error).toBeInstanceOf(RateLimitedError)
    expect(error).toMatchObject({
      code: 'RATE_LIMITED',
      retryAfterMs: 2_000,
      status: 429,
      providerId: 'alpha',
    })
  })

  it('maps 429 with an HTTP-date Retry-After to the delay until that date', async () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0)
    respond = json(429, '', { 'retry-after': new Date(now + 30_000).toUTCString() })

    const error = await rejection(transport({ dateNow: () => now }).request(call()))

    expect(error).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 30_000 })
  })

  it("falls back to Infura's backoff_seconds, then to the default, when Retry-After is missing", async () => {
    respond = json(429, {
      jsonrpc: '2.0',
      id: 1,
      error: {
        code: -32005,
        message: 'daily request count exceeded, request rate limited',
        data: { rate: { allowed_rps: 1, backoff_seconds: 30, current_rps: 1.3 } },
      },
    })
    expect(await rejection(transport().request(call()))).toMatchObject({ retryAfterMs: 30_000 })

    // Nothing says how long: no figure of its own (the pool applies its defaultCooldownMs).
    respond = json(429, 'Too Many Requests')
    expect(await rejection(transport().request(call()))).toMatchObject({ retryAfterMs: undefined })
  })

  it('maps 5xx to a retriable UPSTREAM_HTTP_ERROR with the start of the body', async () => {
    respond = json(503, '<html><body>upstream connect error</body></html>')

    const error = await rejection(transport().request(call()))

    expect(error).toBeInstanceOf(UpstreamHttpError)
    expect(error).toMatchObject({ code: 'UPSTREAM_HTTP_ERROR', status: 503, retriable: true })
    expect(error.message).toContain('upstream connect error')
  })

  it('marks request-shaped 4xx as not retriable and provider-shaped 4xx as retriable', async () => {
    respond = json(400, 'Bad Request')
    expect(await rejection(transport().request(call()))).toMatchObject({ status: 400, retriable: false })

    respond = json(401, 'invalid project id')
    expect(await rejection(transport().request(call()))).toMatchObject({ status: 401, retriable: true })
  })

  it.each([
    ['an HTML page', '<!DOCTYPE html><html><title>Just a moment...</title></html>', 'body is not JSON'],
    ['a body cut mid-JSON', '{"jsonrpc":"2.0","id":1,"res', 'body is not JSON'],
    ['an empty body', '', 'empty body'],
    ['JSON of the wrong shape', '{"ok":true}', 'not a JSON-RPC 2.0 response'],
    [
      'an answer to another id',
      '{"jsonrpc":"2.0","id":99,"result":"0x1"}',
      'response id 99 does not match request id',
    ],
  ])('maps %s on 200 to MALFORMED_RESPONSE', async (_name, body, reason) => {
    respond = json(200, body)

    const error = await rejection(transport().request(call(1)))

    expect(error).toBeInstanceOf(MalformedResponseError)
    expect(error).toMatchObject({ code: 'MALFORMED_RESPONSE', reason, retriable: true })
  })

  it('maps a batch answer that misses a request to MALFORMED_RESPONSE', async () => {
    respond = json(200, [{ jsonrpc: '2.0', id: 1, result: '0x1' }])

    const error = await rejection(transport().request([call(1), call(2)]))

    expect(error).toMatchObject({
      code: 'MALFORMED_RESPONSE',
      reason: 'batch response answers 1 of 2 requests',
    })
  })

  it('maps a body truncated by a dropped connection to MALFORMED_RESPONSE', async () => {
    respond = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' })
      response.write('{"jsonrpc":"2.0","id":1,"result":"0x', () => response.socket?.destroy())
    }

    const error = await rejection(transport().request(call(1)))

    expect(error).toMatchObject({
      code: 'MALFORMED_RESPONSE',
      reason: 'body truncated (connection lost while reading)',
    })
  })

  it('maps a hanging upstream to UPSTREAM_TIMEOUT when the clock passes timeoutMs', async () => {
    const clock = createFakeClock()
    respond = () => {} // never answers
    const arrived = nextArrival()

    const pending = transport({ clock, timeoutMs: 5_000 }).request(call())
    await arrived
    clock.advance(4_999)
    expect(clock.pendingTimers()).toBe(1)
    clock.advance(1)

    const error = await rejection(pending)
    expect(error).toBeInstanceOf(UpstreamTimeoutError)
    expect(error).toMatchObject({ code: 'UPSTREAM_TIMEOUT', timeoutMs: 5_000, retriable: true })
    expect(clock.pendingTimers()).toBe(0)
  })

  it('uses the per-call timeout over the transport default', async () => {
    const clock = createFakeClock()
    respond = () => {}
    const arrived = nextArrival()

    const pending = transport({ clock, timeoutMs: 5_000 }).request(call(), { timeoutMs: 100 })
    await arrived
    clock.advance(100)

    expect(await rejection(pending)).toMatchObject({ code: 'UPSTREAM_TIMEOUT', timeoutMs: 100 })
  })

  it('maps a refused connection to UPSTREAM_UNAVAILABLE', async () => {
    const port = await refusedPort()

    const error = await rejection(transport({ url: `http://127.0.0.1:${port}/` }).request(call()))

    expect(error).toBeInstanceOf(UpstreamUnavailableError)
    expect(error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retriable: true })
    expect((error as UpstreamUnavailableError).reason).toContain('ECONNREFUSED')
  })

  it('rejects with ABORTED without calling the upstream when the signal is already aborted', async () => {
    respond = echoResult('0x1')
    const controller = new AbortController()
    controller.abort(new Error('user left'))

    const error = await rejection(transport().request(call(), { signal: controller.signal }))

    expect(error).toBeInstanceOf(AbortedError)
    expect(error.cause).toBe(controller.signal.reason)
    expect(received).toHaveLength(0)
  })

  it('rejects with ABORTED when the caller aborts mid-flight, and clears its timer', async () => {
    const clock = createFakeClock()
    respond = () => {}
    const controller = new AbortController()
    const arrived = nextArrival()

    const pending = transport({ clock }).request(call(), { signal: controller.signal })
    await arrived
    controller.abort(new Error('navigated away'))

    const error = await rejection(pending)
    expect(error).toMatchObject({ code: 'ABORTED', retriable: false })
    expect((error.cause as Error).message).toBe('navigated away')
    expect(clock.pendingTimers()).toBe(0)
  })

  it('rejects invalid options with CONFIG_INVALID naming the field', () => {
    expect(() => createHttpTransport({ url: 'ws://127.0.0.1/', timeoutMs: 0 })).toThrow(ConfigError)
    expect(() => createHttpTransport({ url: 'ws://127.0.0.1/' })).toThrow(
      /url: expected a http:\/\/ or https:\/\//,
    )
  })
})

describe('createHttpTransport: a fetch that enforces the deadline itself', () => {
  // The fetch contract alone (no sockets): the server's createUndiciFetch is tested against a real
  // server in its own package.
  function deadlineFetch(behave: (init: FetchInit) => Promise<Response>, acceptsLightSignals = false) {
    const calls: FetchInit[] = []
    const fetch: FetchLike = Object.assign(
      (_url: string, init: FetchInit) => {
        calls.push(init)
        return behave(init)
      },
      { enforcesTimeout: true, acceptsLightSignals },
    )
    return { fetch, calls }
  }
  const answer = (text: () => Promise<string>) =>
    ({ status: 200, headers: { get: () => null }, text }) as unknown as Response
  const named = (name: string) => new DOMException('stopped', name)

  it('gets timeoutMs and the caller’s own signal, and the transport starts no timer of its own', async () => {
    const clock = createFakeClock()
    const controller = new AbortController()
    let timersDuringCall = -1
    const { fetch, calls } = deadlineFetch(async () => {
      timersDuringCall = clock.pendingTimers()
      return answer(async () => '{"jsonrpc":"2.0","id":1,"result":"0x1"}')
    })

    const { response } = await transport({ fetch, clock }).request(call(), {
      signal: controller.signal,
      timeoutMs: 250,
    })

    expect(response).toEqual({ jsonrpc: '2.0', id: 1, result: '0x1' })
    expect(calls[0]?.timeoutMs).toBe(250)
    expect(calls[0]?.signal).toBe(controller.signal)
    expect(timersDuringCall).toBe(0)
  })

  it("gets a pool's light signal as it is only when it says it accepts one, else a real AbortSignal tied to it", async () => {
    const ok = async () => answer(async () => '{"jsonrpc":"2.0","id":1,"result":"0x1"}')
    const light = deadlineFetch(ok, true)
    const strict = deadlineFetch(ok)
    const cancellation = createCancellation()

    await transport({ fetch: light.fetch }).request(call(), { signal: cancellation.signal })
    await transport({ fetch: strict.fetch }).request(call(), { signal: cancellation.signal })

    expect(light.calls[0]?.signal).toBe(cancellation.signal)
    const real = strict.calls[0]?.signal
    expect(real).toBeInstanceOf(AbortSignal)
    expect(real).not.toBe(cancellation.signal)
    cancellation.abort(new Error('client left'))
    expect(real?.aborted).toBe(true)
  })

  it('maps a TimeoutError, while connecting or while reading the body, to UPSTREAM_TIMEOUT', async () => {
    const early = deadlineFetch(() => Promise.reject(named('TimeoutError')))
    const late = deadlineFetch(async () => answer(() => Promise.reject(named('TimeoutError'))))

    for (const { fetch } of [early, late]) {
      const error = await rejection(transport({ fetch, timeoutMs: 700 }).request(call()))
      expect(error).toBeInstanceOf(UpstreamTimeoutError)
      expect(error).toMatchObject({ code: 'UPSTREAM_TIMEOUT', timeoutMs: 700 })
    }
  })

  it('maps a rejection after the caller aborted to ABORTED, and anything else to UPSTREAM_UNAVAILABLE', async () => {
    const controller = new AbortController()
    const aborting = deadlineFetch(async () => {
      controller.abort(new Error('client left'))
      throw named('AbortError')
    })
    const refused = deadlineFetch(() => Promise.reject(new TypeError('fetch failed')))

    const aborted = await rejection(
      transport({ fetch: aborting.fetch }).request(call(), { signal: controller.signal }),
    )
    const failed = await rejection(transport({ fetch: refused.fetch }).request(call()))

    expect(aborted).toBeInstanceOf(AbortedError)
    expect((aborted.cause as Error).message).toBe('client left')
    expect(failed).toBeInstanceOf(UpstreamUnavailableError)
  })
})

describe('createHttpTransport: secrets in the URL', () => {
  const key = 'c0ffee0123456789abcdef0123456789'
  const querySecret = 'qs-Secret-42'
  const password = 'hunter2hunter2'
  const secrets = [key, querySecret, password]
  let secretUrl: string

  beforeAll(() => {
    secretUrl = `${baseUrl.replace('http://', `http://ops:${password}@`)}/v3/${key}?apikey=${querySecret}&chain=1`
  })

  function expectNoSecret(error: UpstreamError) {
    const surfaces = [
      error.message,
      error.details ?? '',
      error.stack ?? '',
      String(error.url),
      JSON.stringify(error),
      String(error.cause),
      JSON.stringify(error.cause ?? null),
    ]
    for (const surface of surfaces) for (const secret of secrets) expect(surface).not.toContain(secret)
    expect(error.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\*\*\*$/)
  }

  it('keeps only the origin of the URL on the transport', () => {
    const http = createHttpTransport({ url: secretUrl })
    expect(http.url).toBe(`${baseUrl}/***`)
  })

  it.each([
    ['a 200', 200],
    ['a 403', 403],
  ])(
    'masks secrets that a JSON-RPC error in %s echoes, in the response and its text',
    async (_name, status) => {
      const shortKey = 'Qk8v2Lmz'
      const url = `${baseUrl}/v3/${shortKey}?x-api-key=${querySecret}`
      respond = (_request, response, body) => {
        const { id } = JSON.parse(body) as { id: number }
        json(status, {
          jsonrpc: '2.0',
          id,
          error: { code: -32002, message: `project ${shortKey} over quota`, data: { url, key: querySecret } },
        })(_request, response, body)
      }

      const { response, text } = await createHttpTransport({ url }).request(call())

      expect(response).toEqual({
        jsonrpc: '2.0',
        id: 1,
        error: {
          code: -32002,
          message: 'project *** over quota',
          data: { url: `${baseUrl}/***`, key: '***' },
        },
      })
      for (const secret of [shortKey, querySecret]) expect(text).not.toContain(secret)
    },
  )

  it('masks a key that the 200-character snippet would cut in two', async () => {
    respond = json(500, `${'x'.repeat(190)}${key}`)
    const error = await rejection(createHttpTransport({ url: secretUrl }).request(call()))
    expect(error.details).not.toContain(key.slice(0, 10))
    expect(error.details).toContain('***')
  })

  it.each<[string, Handler]>([
    [
      'an upstream that echoes the key in a 500 body',
      json(500, `internal error for key ${key} (${querySecret})`),
    ],
    ['an upstream that echoes the key in a 401 body', json(401, `invalid project id ${key}`)],
    ['an HTML page that echoes the key', json(200, `<html>${key} ${password}</html>`)],
    ['a wrongly shaped answer that echoes the key', json(200, { url: `/v3/${key}` })],
    ['a 429', json(429, '', { 'retry-after': '1' })],
  ])('never shows a secret in errors from %s', async (_name, handler) => {
    respond = handler
    expectNoSecret(await rejection(createHttpTransport({ url: secretUrl, providerId: 'p' }).request(call())))
  })

  it('never shows a secret in timeout, abort and network errors', async () => {
    const clock = createFakeClock()
    respond = () => {}
    let arrived = nextArrival()
    const timedOut = createHttpTransport({ url: secretUrl, clock, timeoutMs: 10 }).request(call())
    await arrived
    clock.advance(10)
    expectNoSecret(await rejection(timedOut))

    arrived = nextArrival()
    const controller = new AbortController()
    const aborted = createHttpTransport({ url: secretUrl }).request(call(), { signal: controller.signal })
    await arrived
    controller.abort()
    expectNoSecret(await rejection(aborted))

    const port = await refusedPort()
    const refusedUrl = `http://127.0.0.1:${port}/v3/${key}?apikey=${querySecret}`
    expectNoSecret(await rejection(createHttpTransport({ url: refusedUrl }).request(call())))
  })

  it('masks secrets that an injected fetch puts in its error', async () => {
    const leakyFetch = async (url: string): Promise<Response> => {
      throw new TypeError(`request to ${url} failed`, { cause: new Error(`bad key ${key}`) })
    }

    const error = await rejection(createHttpTransport({ url: secretUrl, fetch: leakyFetch }).request(call()))

    expect(error.code).toBe('UPSTREAM_UNAVAILABLE')
    expectNoSecret(error)
    expect(String(error.cause)).toContain('***')
  })

  it('does not echo the URL in option errors', () => {
    let message = ''
    try {
      createHttpTransport({ url: `ftp://x/v3/${key}` })
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toContain('url')
    expect(message).not.toContain(key)
  })
})
