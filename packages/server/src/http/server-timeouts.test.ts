import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { parseServerConfig, type ServerConfigInput } from '../config/server-config.js'
import { createTestUpstream, type TestServerOptions, useTestServerPerTest } from '../testing/harness.js'
import { openTestClient } from '../ws/test-client.js'
import { closesWithin, openRawConnection } from './raw-http-client.js'
import { httpServerTimeouts } from './server-timeouts.js'

const chainIdCall = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId' })

// Small timeouts keep the tests short; every wait on the server is bounded generously (closesWithin's
// 10 s), and only lower bounds are asserted on timing, which a busy machine can only make longer.
const SHORT = { headersTimeoutMs: 300, requestTimeoutMs: 600, keepAliveTimeoutMs: 300 }

describe('httpServerTimeouts', () => {
  it('maps the config onto Fastify and Node, sweeping for expired requests often enough', () => {
    expect(httpServerTimeouts(parseServerConfig().http)).toEqual({
      requestTimeout: 30_000,
      keepAliveTimeout: 72_000,
      http: { headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1_000 },
    })
    expect(httpServerTimeouts(parseServerConfig({ http: SHORT }).http).http.connectionsCheckingInterval).toBe(
      75,
    )
  })
})

describe('HTTP timeouts on a listening server', () => {
  const start = useTestServerPerTest()

  async function listening(config: ServerConfigInput, options: TestServerOptions = {}) {
    const server = start({ ...options, config: { rateLimit: false, logLevel: 'silent', ...config } })
    await server.app.listen({ port: 0, host: '127.0.0.1' })
    return { server, port: (server.app.server.address() as AddressInfo).port }
  }

  it('disconnects a slowloris client after the headers timeout while a normal client keeps being served', async () => {
    const { port } = await listening({ http: SHORT })
    const normal = await openRawConnection(port)
    const slowloris = await openRawConnection(port)
    const started = Date.now()
    const headers = 'GET /health HTTP/1.1\r\nhost: 127.0.0.1\r\nx-padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
    let sent = 0
    const trickle = setInterval(() => {
      if (!slowloris.isClosed()) slowloris.socket.write(headers[sent++ % headers.length] ?? 'a')
    }, 20)
    try {
      let answered = 0
      while (!slowloris.isClosed() && Date.now() - started < 10_000) {
        expect((await normal.post('/rpc/ethereum', chainIdCall)).status).toBe(200)
        answered++
        await sleep(20)
      }
      expect(await closesWithin(slowloris)).toBe(true)
      // The server cannot have timed it out sooner; it kept sending a byte every 20 ms all along.
      expect(Date.now() - started).toBeGreaterThanOrEqual(SHORT.headersTimeoutMs)
      expect(sent).toBeGreaterThan(5)
      expect(slowloris.received()).toMatch(/^HTTP\/1\.1 408 /)
      expect(answered).toBeGreaterThan(0)
      expect(normal.isClosed()).toBe(false)
      expect((await normal.post('/rpc/ethereum', chainIdCall)).status).toBe(200)
    } finally {
      clearInterval(trickle)
      await normal.close()
    }
  })

  it('closes a connection that never sends a byte after the headers timeout', async () => {
    const { port } = await listening({ http: SHORT })
    const silent = await openRawConnection(port)
    const started = Date.now()
    expect(await closesWithin(silent)).toBe(true)
    expect(Date.now() - started).toBeGreaterThanOrEqual(SHORT.headersTimeoutMs - 50)
  })

  it('closes an idle keep-alive connection after the keep-alive timeout', async () => {
    const { port } = await listening({ http: SHORT })
    const idle = await openRawConnection(port)
    expect((await idle.post('/rpc/ethereum', chainIdCall)).status).toBe(200)
    const answeredAt = Date.now()
    expect(await closesWithin(idle)).toBe(true)
    expect(Date.now() - answeredAt).toBeGreaterThanOrEqual(SHORT.keepAliveTimeoutMs - 50)
  })

  it('answers a request the pool takes longer than the request timeout to serve', async () => {
    const upstream = createTestUpstream('slow')
    const answer = upstream.request.bind(upstream)
    // Real time: the request timeout is Node's, on the wall clock.
    upstream.request = async (...args) => {
      await sleep(SHORT.requestTimeoutMs * 2)
      return answer(...args)
    }
    const { port } = await listening(
      { http: SHORT },
      { providers: [{ id: 'slow', chain: 'ethereum', upstream }] },
    )
    const client = await openRawConnection(port)
    const reply = await client.post('/rpc/ethereum', chainIdCall)
    expect(reply.status).toBe(200)
    expect(JSON.parse(reply.body)).toMatchObject({ result: 'eth_chainId' })
    await client.close()
  })

  it('keeps a WebSocket open and serving past every HTTP timeout', async () => {
    const { port } = await listening({ http: SHORT })
    const client = await openTestClient(`ws://127.0.0.1:${port}/ws/rpc/ethereum`)
    let closed = false
    void client.closed.then(() => {
      closed = true
    })
    // Several times the longest timeout (Node closes an idle keep-alive socket about 1 s after its
    // timeout), with Node's sweep (75 ms here) running all along.
    await sleep(5 * SHORT.requestTimeoutMs)
    expect(closed).toBe(false)
    expect((await client.call('eth_chainId')).result).toBe('eth_chainId')
    expect(closed).toBe(false)
    await client.close()
  })
})
