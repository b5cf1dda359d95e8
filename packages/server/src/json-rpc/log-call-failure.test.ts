import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createProviderPool, type ProviderPool, urlSecrets } from '@chainpulse/core'
import { createFakeClock } from '@chainpulse/core/testing'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { buildServer } from '../app.js'
import { openTestClient, type TestWsClient } from '../ws/test-client.js'

// Real loopback upstreams (one refuses connections, one answers 503), so the errors logged are the ones
// production sees: fetch failures with their causes and stacks, several kilobytes once serialised.

const KEY_DOWN = 'Dn4kEy0123456789abcdef'
const KEY_BROKEN = 'Br0kenKey9876543210fedc'

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

interface Setup {
  app: FastifyInstance
  pool: ProviderPool
  /** Every log line written, parsed. */
  logs: Record<string, unknown>[]
  /** The raw lines, as a log collector gets them. */
  lines: string[]
  ws: TestWsClient
}

async function setup(logLevel: 'warn' | 'debug'): Promise<Setup> {
  const broken = createServer((_request, response) => response.writeHead(503).end('overloaded'))
  const brokenPort = await listen(broken)
  closers.push(() => new Promise((resolve) => broken.close(() => resolve())))
  // A port nothing listens on: bound, then released.
  const gone = createServer()
  const downPort = await listen(gone)
  await new Promise((resolve) => gone.close(resolve))

  const urls = [
    `http://127.0.0.1:${downPort}/v3/${KEY_DOWN}`,
    `http://127.0.0.1:${brokenPort}/v3/${KEY_BROKEN}`,
  ]
  const pool = createProviderPool({
    chains: [{ name: 'ethereum', chainId: 1 }],
    providers: [
      { id: 'down', chain: 'ethereum', priority: 1, httpUrl: urls[0]! },
      { id: 'broken', chain: 'ethereum', priority: 2, httpUrl: urls[1]! },
    ],
    strategy: 'priority',
    racing: false,
    // Requests alone: a background probe would find these upstreams down before any request is logged.
    healthCheck: false,
    // Nothing here waits on time; the fake clock keeps head polling from running on its own.
    clock: createFakeClock(),
  })
  const lines: string[] = []
  const app = buildServer({
    pool,
    config: { logLevel, rateLimit: false },
    logger: { stream: { write: (line: string) => lines.push(line) } },
    secrets: urls.flatMap(urlSecrets),
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const ws = await openTestClient(
    `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/ws/rpc/ethereum`,
  )
  closers.push(async () => {
    await ws.close()
    await app.close()
    await pool.close()
  })
  return {
    app,
    pool,
    lines,
    ws,
    get logs() {
      return lines.map((line) => JSON.parse(line) as Record<string, unknown>)
    },
  }
}

/** One failed call over HTTP, one over WebSocket; returns their answers. */
async function failBoth(target: Setup) {
  const http = await target.app.inject({
    method: 'POST',
    url: '/rpc/ethereum',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber' }),
  })
  const ws = await target.ws.call('eth_blockNumber')
  return { http: JSON.parse(http.body) as { error?: { data?: { code?: string } } }, ws }
}

const failedUpstream = (target: Setup, level: number) =>
  target.logs.filter((line) => line.msg === 'call failed upstream' && line.level === level)

describe('logging a call that failed upstream', () => {
  it('writes one short warn line per call, HTTP and WebSocket alike, with no stack', async () => {
    const target = await setup('warn')
    const answers = await failBoth(target)
    expect(answers.http.error?.data?.code).toBe('ALL_PROVIDERS_FAILED')
    expect(answers.ws.error?.data?.code).toBe('ALL_PROVIDERS_FAILED')

    const warnings = failedUpstream(target, 40)
    expect(warnings).toHaveLength(2)
    for (const warning of warnings) {
      expect(warning).toMatchObject({
        chain: 'ethereum',
        method: 'eth_blockNumber',
        provider: 'broken',
        // broken answered 503: it is asked once more before the call gives up
        attempts: 3,
        code: 'ALL_PROVIDERS_FAILED',
        reason: 'Provider "broken" answered HTTP 503.',
        failures: 'down:UPSTREAM_UNAVAILABLE broken:UPSTREAM_HTTP_ERROR broken:UPSTREAM_HTTP_ERROR',
      })
      expect(warning).not.toHaveProperty('err')
    }
    // Nothing at debug is written at warn: no line carries a stack.
    for (const line of target.lines) {
      expect(Buffer.byteLength(line)).toBeLessThan(500)
      expect(line).not.toContain('stack')
      expect(line).not.toContain('    at ')
    }
    expect(failedUpstream(target, 20)).toHaveLength(0)
  })

  it('writes the full error with its stack on a debug line, keys redacted', async () => {
    const target = await setup('debug')
    await failBoth(target)

    expect(failedUpstream(target, 40)).toHaveLength(2)
    const details = failedUpstream(target, 20)
    expect(details).toHaveLength(2)
    for (const detail of details) {
      expect(detail.chain).toBe('ethereum')
      expect(detail.method).toBe('eth_blockNumber')
      const err = detail.err as { type: string; stack: string }
      expect(err.stack).toContain('    at ')
      expect(err.stack).toContain('All 3 attempt(s) on chain "ethereum" failed.')
    }
    for (const warning of failedUpstream(target, 40)) expect(JSON.stringify(warning)).not.toContain('stack')
    for (const line of target.lines) {
      expect(line).not.toContain(KEY_DOWN)
      expect(line).not.toContain(KEY_BROKEN)
    }
  })

  it('keeps the warn line short when the client sends a huge method name', async () => {
    const target = await setup('warn')
    await target.app.inject({
      method: 'POST',
      url: '/rpc/ethereum',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: `eth_${'x'.repeat(10_000)}` }),
    })
    const warnings = failedUpstream(target, 40)
    expect(warnings).toHaveLength(1)
    expect(String(warnings[0]!.method)).toMatch(/^eth_x{60}x*…$/)
    expect(String(warnings[0]!.method).length).toBeLessThan(70)
    for (const line of target.lines) expect(Buffer.byteLength(line)).toBeLessThan(500)
  })
})
