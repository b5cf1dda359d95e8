import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createProviderPool, type ProviderPool } from '@chainpulse/core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { buildServer } from '../app.js'

// A real HTTP upstream whose result JSON.parse + JSON.stringify would change: an integer beyond 2^53
// (rounded) and an integer-like key (moved to the front of the object).
const rawResult = '{"b":1,"10":123456789012345678901234567890,"a":[1.50,"x"]}'
let upstream: Server
let pool: ProviderPool

beforeAll(async () => {
  upstream = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk) => {
      body += chunk
    })
    request.on('end', () => {
      const { id } = JSON.parse(body) as { id: number }
      response.setHeader('content-type', 'application/json')
      response.end(`{"jsonrpc":"2.0","id":${id},"result":${rawResult}}`)
    })
  })
  upstream.listen(0, '127.0.0.1')
  await once(upstream, 'listening')
  const { port } = upstream.address() as AddressInfo
  pool = createProviderPool({
    chains: [{ name: 'ethereum', chainId: 1 }],
    providers: [{ id: 'node', chain: 'ethereum', httpUrl: `http://127.0.0.1:${port}` }],
    racing: false,
  })
})
afterAll(async () => {
  await pool.close()
  upstream.close()
})

it('passes an upstream result through byte for byte', async () => {
  const app = buildServer({ pool, logger: false })
  const response = await app.inject({
    method: 'POST',
    url: '/rpc/ethereum',
    headers: { 'content-type': 'application/json' },
    body: '{"jsonrpc":"2.0","id":7,"method":"eth_anything","params":[]}',
  })
  expect(response.body).toBe(`{"jsonrpc":"2.0","id":7,"result":${rawResult}}`)
  await app.close()
})
