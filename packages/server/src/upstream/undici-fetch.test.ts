import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createProviderPool, RateLimitedError, UpstreamUnavailableError } from '@chainpulse/core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createUndiciFetch } from './undici-fetch.js'

// The pool's HTTP transport over undici's request against a real loopback server: answers, 429 with
// Retry-After, and connection refused must be classified exactly as with the global fetch.
let server: Server
let url: string
const fetch = createUndiciFetch()

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk) => {
      body += chunk
    })
    request.on('end', () => {
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
  server.close()
  await fetch.close()
})

function pool(path: string) {
  return createProviderPool({
    chains: [{ name: 'ethereum', chainId: 1 }],
    providers: [{ id: 'node', chain: 'ethereum', httpUrl: `${url}${path}` }],
    racing: false,
    fetch,
  })
}

it('serves results, with the raw result text for exact pass-through', async () => {
  const ok = pool('/')
  const answer = await ok.request({ chain: 'ethereum', method: 'eth_chainId' })
  expect(answer.rawResult).toBe('{"b":1,"10":123456789012345678901234567890}')
  await ok.close()
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
    fetch,
  })
  const failure = await refused
    .request({ chain: 'ethereum', method: 'eth_chainId' })
    .catch((caught) => caught)
  expect((failure as Error & { cause?: unknown }).cause).toBeInstanceOf(UpstreamUnavailableError)
  await refused.close()
})
