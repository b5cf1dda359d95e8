import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  AbortedError,
  createCancellation,
  createHttpTransport,
  createProviderPool,
  MalformedResponseError,
  RateLimitedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '@chainpulse/core'
import { createFakeClock } from '@chainpulse/core/testing'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createUndiciFetch } from './undici-fetch.js'

// The pool's HTTP transport over undici's request against a real loopback server: answers, 429 with
// Retry-After, and connection refused must be classified exactly as with the global fetch.
let server: Server
let url: string
const fetch = createUndiciFetch()
const arrivals: Array<(request: IncomingMessage) => void> = []
/** The path of every request the server has read. */
const seen: string[] = []

/** Resolves with the next request once the server has read its body. */
function nextArrival(): Promise<IncomingMessage> {
  return new Promise((resolve) => arrivals.push(resolve))
}

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk) => {
      body += chunk
    })
    request.on('end', () => {
      seen.push(request.url ?? '')
      arrivals.shift()?.(request)
      if (request.url === '/hang') return // never answers
      if (request.url === '/stall') {
        // Headers and the start of the body, then nothing: the deadline must cover the body read too.
        response.writeHead(200, { 'content-type': 'application/json' })
        response.write('{"jsonrpc":"2.0",')
        return
      }
      if (request.url === '/pieces') {
        // A BOM, then "é" (bytes 37–38) split between two writes, then "…" (39–41) split twice.
        response.writeHead(200, { 'content-type': 'application/json', 'x-repeat': ['a', 'b'] })
        const text = Buffer.from('\ufeff{"jsonrpc":"2.0","id":1,"result":"é…"}')
        const cuts = [38, 40, 41]
        response.write(text.subarray(0, cuts[0]))
        setTimeout(() => {
          response.write(text.subarray(cuts[0], cuts[1]))
          response.write(text.subarray(cuts[1], cuts[2]))
          response.end(text.subarray(cuts[2]))
        }, 5)
        return
      }
      if (request.url === '/processing') {
        // An informational 102 first: the answer is the one after it.
        response.writeProcessing()
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end('{"jsonrpc":"2.0","id":1,"result":"0x1"}')
        return
      }
      if (request.url === '/cut') {
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' })
        response.write('{"jsonrpc":"2.0",')
        setTimeout(() => response.socket?.destroy(), 5)
        return
      }
      if (request.url === '/limited') {
        response.writeHead(429, { 'retry-after': '3' }).end('slow down')
        return
      }
      const { id } = JSON.parse(body) as { id: number }
      response.setHeader('content-type', 'application/json')
      response.end(`{"jsonrpc":"2.0","id":${id},"result":{"b":1,"10":123456789012345678901234567890}}`)
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  server.close()
  await fetch.close()
})

function pool(path: string) {
  return createProviderPool({
    chains: [{ name: 'ethereum', chainId: 1 }],
    providers: [{ id: 'node', chain: 'ethereum', httpUrl: `${url}${path}` }],
    racing: false,
    // Only the calls made here reach the server (it records paths and answers).
    healthCheck: false,
    fetch,
  })
}

it('serves results, with the raw result text for exact pass-through', async () => {
  const ok = pool('/')
  const answer = await ok.request({ chain: 'ethereum', method: 'eth_chainId' })
  expect(answer.rawResult).toBe('{"b":1,"10":123456789012345678901234567890}')
  await ok.close()
})

it('sends each URL’s path and query as given, to the same origin, call after call', async () => {
  const keyed = pool('/v3/0123abcd?network=mainnet')
  for (let call = 0; call < 2; call++) {
    const arrived = nextArrival()
    await keyed.request({ chain: 'ethereum', method: 'eth_chainId' })
    expect((await arrived).url).toBe('/v3/0123abcd?network=mainnet')
  }
  await keyed.close()
})

it('decodes a body that arrives in pieces as UTF-8, a BOM skipped, and joins a repeated header', async () => {
  const response = await fetch(`${url}/pieces`, { method: 'POST', body: '{}' })
  expect(response.status).toBe(200)
  expect(response.ok).toBe(true)
  expect(response.headers.get('X-Repeat')).toBe('a, b')
  expect(response.headers.get('retry-after')).toBeNull()
  expect(await response.text()).toBe('{"jsonrpc":"2.0","id":1,"result":"é…"}')
})

it('answers with the final response after an informational one', async () => {
  const response = await fetch(`${url}/processing`, { method: 'POST', body: '{}' })
  expect(response.status).toBe(200)
  expect(await response.text()).toBe('{"jsonrpc":"2.0","id":1,"result":"0x1"}')
})

it('classifies a connection lost in the middle of the body as a truncated body', async () => {
  const cut = pool('/cut')
  const error = await cut.request({ chain: 'ethereum', method: 'eth_chainId' }).catch((caught) => caught)
  expect((error as Error & { cause?: unknown }).cause).toBeInstanceOf(MalformedResponseError)
  expect(String((error as Error & { cause: Error }).cause.message)).toContain('body truncated')
  await cut.close()
})

it('refuses a URL that is not http(s)', async () => {
  await expect(fetch('ftp://127.0.0.1/', { method: 'POST', body: '{}' })).rejects.toThrow(
    'not an http(s) URL: ftp:',
  )
})

it('classifies HTTP 429 with its Retry-After and a refused connection like the global fetch does', async () => {
  const limited = pool('/limited')
  const error = await limited.request({ chain: 'ethereum', method: 'eth_chainId' }).catch((caught) => caught)
  expect((error as Error & { cause?: unknown }).cause).toBeInstanceOf(RateLimitedError)
  expect((error as Error & { cause: RateLimitedError }).cause.retryAfterMs).toBe(3_000)
  await limited.close()

  const refused = createProviderPool({
    chains: [{ name: 'ethereum', chainId: 1 }],
    providers: [{ id: 'gone', chain: 'ethereum', httpUrl: 'http://127.0.0.1:1' }],
    racing: false,
    healthCheck: false,
    fetch,
  })
  const failure = await refused
    .request({ chain: 'ethereum', method: 'eth_chainId' })
    .catch((caught) => caught)
  expect((failure as Error & { cause?: unknown }).cause).toBeInstanceOf(UpstreamUnavailableError)
  await refused.close()
})

it('keeps the transport’s deadline itself, for the headers and for the body, on the injected clock', async () => {
  const clock = createFakeClock()
  const timed = createUndiciFetch({ clock })
  expect(timed.enforcesTimeout).toBe(true)
  const transport = (path: string) =>
    createHttpTransport({ url: `${url}${path}`, fetch: timed, clock, timeoutMs: 5_000 })

  for (const path of ['/hang', '/stall']) {
    const arrived = nextArrival()
    const pending = transport(path)
      .request({ jsonrpc: '2.0', id: 1, method: 'eth_chainId' })
      .catch((caught) => caught)
    await arrived
    // One timer: the fetch's deadline (the transport starts none of its own with this fetch).
    expect(clock.pendingTimers()).toBe(1)
    clock.advance(4_999)
    clock.advance(1)
    const error = await pending
    expect(error, path).toBeInstanceOf(UpstreamTimeoutError)
    expect(error).toMatchObject({ timeoutMs: 5_000 })
    expect(clock.pendingTimers()).toBe(0)
  }

  // An answered call leaves no timer behind.
  const { response } = await transport('/').request({ jsonrpc: '2.0', id: 2, method: 'eth_chainId' })
  expect(response).toMatchObject({ id: 2 })
  expect(clock.pendingTimers()).toBe(0)
  await timed.close()
})

it('takes an answer that arrived while the event loop was blocked past the deadline, on the real clock', async () => {
  // A busy moment (a long synchronous task, a GC pause, a starved CPU) must not time out a call whose
  // answer is waiting unread in its socket; otherwise every call and probe in flight fails at once.
  const transport = createHttpTransport({ url, fetch, timeoutMs: 300 })
  const arrived = nextArrival()
  const pending = transport.request({ jsonrpc: '2.0', id: 7, method: 'eth_chainId' })
  await arrived // the server has the call and answers at once; this process now blocks for 3 deadlines
  const blockedUntil = performance.now() + 900
  while (performance.now() < blockedUntil) {
    // blocked: nothing is read, the deadline's timer falls due unseen
  }
  const { response } = await pending
  expect(response).toMatchObject({ id: 7 })
})

it.each([
  ['an AbortSignal', () => new AbortController()],
  ["the pool's light signal (a coalesced or hedged call's)", () => createCancellation()],
])('aborts the upstream call when the caller’s signal aborts: %s', async (_kind, makeSignal) => {
  const clock = createFakeClock()
  const timed = createUndiciFetch({ clock })
  const transport = createHttpTransport({ url: `${url}/hang`, fetch: timed, clock })
  const controller = makeSignal()
  const arrived = nextArrival()
  const pending = transport
    .request({ jsonrpc: '2.0', id: 1, method: 'eth_chainId' }, { signal: controller.signal })
    .catch((caught) => caught)
  const upstreamSocketClosed = once((await arrived).socket, 'close')
  controller.abort(new Error('client left'))

  expect(await pending).toBeInstanceOf(AbortedError)
  expect(clock.pendingTimers()).toBe(0)
  // undici cancelled the call: the hung request's connection is gone.
  await upstreamSocketClosed
  await timed.close()
})

it('a call whose deadline passes while it waits for a socket ends with TimeoutError, never sent', async () => {
  const clock = createFakeClock()
  // One socket: the second call waits in undici's queue behind the hung first.
  const single = createUndiciFetch({ clock, connectionsPerOrigin: 1 })
  const leave = new AbortController()
  const arrived = nextArrival()
  const first = single(`${url}/hang`, { method: 'POST', body: '{}', signal: leave.signal }).catch((e) => e)
  await arrived
  const second = single(`${url}/queued`, { method: 'POST', body: '{"id":2}', timeoutMs: 1_000 }).catch(
    (e) => e,
  )
  clock.advance(1_000)
  expect(clock.pendingTimers()).toBe(0)
  // The socket frees up: the waiting call is cancelled as it gets it, before a byte is sent.
  leave.abort(new Error('client left'))
  expect(await first).toMatchObject({ name: 'AbortError' })
  expect(await second).toMatchObject({ name: 'TimeoutError' })
  // Sent, it would have reached the server by the time a later call is answered.
  await fetch(`${url}/`, { method: 'POST', body: '{"id":3}' })
  expect(seen).not.toContain('/queued')
  await single.close()
})
