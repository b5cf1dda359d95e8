import type { AddressInfo } from 'node:net'
import { createProviderPool, type ProviderPool } from '@chainpulse/core'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildServer } from '../app.js'
import { countingPool, type HeldUpstream, startHeldUpstream } from '../testing/held-upstream.js'

// Request coalescing through the proxy, with real sockets on both sides: clients over HTTP, an upstream
// that answers slowly enough for identical calls to overlap, and counts what reaches it.

let upstream: HeldUpstream
let pool: ProviderPool
let handed: () => number
let app: FastifyInstance
let proxyUrl: string

beforeAll(async () => {
  // Answers wait while held, so every client's call is in flight at once.
  upstream = await startHeldUpstream((_call, received) => `"0x${(received.length * 1_000).toString(16)}"`)
  pool = createProviderPool({
    chains: [{ name: 'ethereum', chainId: 1 }],
    providers: [{ id: 'node', chain: 'ethereum', httpUrl: upstream.url }],
    racing: false,
    healthCheck: false,
  })
  const counting = countingPool(pool)
  handed = counting.handed
  app = buildServer({ pool: counting.pool, logger: false, config: { rateLimit: false } })
  await app.listen({ port: 0, host: '127.0.0.1' })
  proxyUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/rpc/ethereum`
})
afterAll(async () => {
  await app.close()
  await pool.close()
  upstream.close()
})

async function post(body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(proxyUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as { id: unknown; result?: unknown },
  }
}

const balance = (id: unknown, address = '0x00000000000000000000000000000000000000aa') => ({
  jsonrpc: '2.0',
  id,
  method: 'eth_getBalance',
  params: [address, 'latest'],
})

describe('coalescing through the proxy', () => {
  it('answers 100 concurrent identical reads with one upstream call, each with its own id', async () => {
    upstream.received.length = 0
    const handedBefore = handed()
    upstream.hold()
    // Ids of every kind a client may use: numbers, strings, a large one.
    const ids = Array.from({ length: 100 }, (_, k) =>
      k % 3 === 0 ? `req-${k}` : k % 3 === 1 ? k : 2 ** 40 + k,
    )
    const replies = ids.map((id) => post(balance(id)))
    // Every call has reached the pool before the upstream answers.
    while (handed() - handedBefore < ids.length) await new Promise((resolve) => setTimeout(resolve, 5))
    upstream.release()
    const answers = await Promise.all(replies)
    expect(upstream.received).toHaveLength(1)
    expect(answers.map((answer) => answer.body.id)).toEqual(ids)
    expect(new Set(answers.map((answer) => answer.body.result))).toEqual(new Set(['0x3e8']))
    const cache = answers.map((answer) => answer.headers.get('x-chainpulse-cache'))
    expect(cache.filter((value) => value === 'coalesced')).toHaveLength(99)
    expect(cache.filter((value) => value === null)).toHaveLength(1)
  })

  it('never merges different params, and gives a client that says no-cache a call of its own', async () => {
    upstream.received.length = 0
    upstream.hold()
    const replies = [
      post(balance(1)),
      post(balance(2, '0x00000000000000000000000000000000000000bb')),
      post(balance(3), { 'cache-control': 'no-cache' }),
    ]
    while (upstream.received.length < 3) await new Promise((resolve) => setTimeout(resolve, 5))
    upstream.release()
    const answers = await Promise.all(replies)
    expect(upstream.received).toHaveLength(3)
    expect(answers[2]?.headers.get('x-chainpulse-cache')).toBe('bypass')
    const metrics = await (await fetch(proxyUrl.replace('/rpc/ethereum', '/metrics'))).text()
    expect(metrics).toContain('chainpulse_coalesced_requests_total{chain="ethereum"} 99')
  })
})
