import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createProviderPool, type ProviderPool } from '@chainpulse/core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { buildServer } from '../app.js'

// A real HTTP upstream whose result JSON.parse + JSON.stringify would change: an integer beyond 2^53
// (rounded) and an integer-like key (moved to the front of the object).
const rawResult = '{"b":1,"10":123456789012345678901234567890,"a":[1.50,"x"]}'
// An error object as a node might write it: spacing, key order and a huge integer in `data`.
const rawError = '{ "message":"nonce has max value", "code": -32603 ,"data":{"nonce":18446744073709551615}}'
let upstream: Server
let pool: ProviderPool

beforeAll(async () => {
  upstream = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk) => {
      body += chunk
    })
    request.on('end', () => {
      const { id, method } = JSON.parse(body) as { id: number; method: string }
      response.setHeader('content-type', 'application/json')
      response.end(
        method === 'eth_simulateV1'
          ? `{"jsonrpc":"2.0","id":${id},"error":${rawError}}`
          : `{"jsonrpc":"2.0","id":${id},"result":${rawResult}}`,
      )
    })
  })
  upstream.listen(0, '127.0.0.1')
  await once(upstream, 'listening')
  const { port } = upstream.address() as AddressInfo
  pool = createProviderPool({
    chains: [{ name: 'ethereum', chainId: 1 }],
    providers: [{ id: 'node', chain: 'ethereum', httpUrl: `http://127.0.0.1:${port}` }],
    racing: false,
    // It answers every method with the same object, eth_chainId too: not a node a probe would accept.
    healthCheck: false,
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

it('relays an upstream error object byte for byte when every provider gives it', async () => {
  const app = buildServer({ pool, logger: false })
  const response = await app.inject({
    method: 'POST',
    url: '/rpc/ethereum',
    headers: { 'content-type': 'application/json' },
    body: '{"jsonrpc":"2.0","id":8,"method":"eth_simulateV1","params":[{},"latest"]}',
  })
  expect(response.body).toBe(`{"jsonrpc":"2.0","id":8,"error":${rawError}}`)
  expect(response.headers['x-chainpulse-provider']).toBe('node')
  await app.close()
})
