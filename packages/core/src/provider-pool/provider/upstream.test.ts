import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'
import { createFakeClock } from '../../clock/fake-clock.js'
import { UpstreamHttpError } from '../../errors/errors.js'
import type { WebSocketConstructor } from '../../transport/ws-transport.js'
import { createUrlUpstream, type Upstream, type UpstreamConnectionState } from './upstream.js'

// createUrlUpstream against real loopback servers: which channel each call takes, and the raw text of
// answers kept for byte-for-byte relaying.

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/**
 * An HTTP JSON-RPC endpoint answering every call with `member` (the text of its `result` or `error`
 * member, sent as is) and `status`; `member` undefined sends `busy`, not JSON.
 */
async function httpEndpoint(member: string | undefined, status = 200) {
  const calls: string[] = []
  const server: Server = createServer((request, response) => {
    let text = ''
    request.on('data', (chunk) => (text += chunk))
    request.on('end', () => {
      const { id, method } = JSON.parse(text) as { id: number; method: string }
      calls.push(method)
      const body = member === undefined ? 'busy' : `{"jsonrpc":"2.0","id":${id},${member}}`
      response.writeHead(status, { 'content-type': 'application/json' }).end(body)
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  cleanups.push(() => new Promise((resolve) => server.close(resolve)))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls }
}

/** A WebSocket JSON-RPC endpoint answering every call with `0x1` and confirming subscriptions. */
async function wsEndpoint() {
  const calls: string[] = []
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' })
  await once(server, 'listening')
  server.on('connection', (socket) =>
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { id: number; method: string }
      calls.push(message.method)
      socket.send(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: '0x1' }))
    }),
  )
  cleanups.push(() => {
    for (const client of server.clients) client.terminate()
    return new Promise((resolve) => server.close(resolve))
  })
  return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`, calls }
}

function upstreamOf(urls: { httpUrl?: string; wsUrl?: string }): Upstream {
  const upstream = createUrlUpstream({
    providerId: 'a',
    clock: createFakeClock(),
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    ...urls,
  })
  cleanups.push(() => upstream.close())
  return upstream
}

const options = { timeoutMs: 5_000 }

describe('createUrlUpstream', () => {
  it('keeps the exact text of a result and of an error, for relaying byte for byte', async () => {
    // An integer past 2^53 and integer-like keys: JSON.parse then JSON.stringify would change both.
    const result = '{"2":"b","1":"a","big":123456789012345678901234567890}'
    const ok = await httpEndpoint(`"result":${result}`)
    expect((await upstreamOf({ httpUrl: ok.url }).request('eth_call', [], options)).raw).toBe(result)

    const error = '{"code":3,"message":"execution reverted","data":"0x08c379a0"}'
    const failed = await httpEndpoint(`"error":${error}`)
    const answer = await upstreamOf({ httpUrl: failed.url }).request('eth_call', [], options)
    expect(answer).toMatchObject({ error: { code: 3 }, raw: error })
  })

  it('rejects a transport failure with an UpstreamError naming the provider', async () => {
    const broken = await httpEndpoint(undefined, 503)
    const failure = await upstreamOf({ httpUrl: broken.url })
      .request('eth_blockNumber', [], options)
      .catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(UpstreamHttpError)
    expect(failure).toMatchObject({ providerId: 'a', status: 503 })
  })

  it('sends calls over HTTP when it has both URLs, over the WebSocket when that is all it has', async () => {
    const http = await httpEndpoint('"result":"0x2"')
    const ws = await wsEndpoint()
    const both = upstreamOf({ httpUrl: http.url, wsUrl: ws.url })
    expect(await both.request('eth_blockNumber', [], options)).toMatchObject({ result: '0x2' })
    expect([http.calls, ws.calls]).toEqual([['eth_blockNumber'], []])

    const wsOnly = upstreamOf({ wsUrl: ws.url })
    expect(await wsOnly.request('eth_chainId', [], options)).toMatchObject({ result: '0x1' })
    expect(ws.calls).toEqual(['eth_chainId'])
  })

  it('can subscribe and report its connection only with a WebSocket URL', async () => {
    const http = await httpEndpoint('"result":"0x2"')
    const httpOnly = upstreamOf({ httpUrl: http.url })
    expect(httpOnly.subscribe).toBeUndefined()
    expect(httpOnly.onConnectionChange).toBeUndefined()

    const ws = await wsEndpoint()
    const pushing = upstreamOf({ wsUrl: ws.url })
    const states: UpstreamConnectionState[] = []
    pushing.onConnectionChange!((state) => states.push(state))
    await pushing.subscribe!(['newHeads'], () => {}, {})
    expect(ws.calls).toEqual(['eth_subscribe'])
    expect(states).toContain('connected')
  })
})
