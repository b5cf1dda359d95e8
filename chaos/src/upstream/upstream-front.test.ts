import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRunClock } from '../record/clock.js'
import type { UpstreamEvent } from '../record/history.js'
import { WRONG_CHAIN_ID } from './hostile-faults.js'
import { recognise, startUpstreamFront, type UpstreamFront } from './upstream-front.js'

// The front over a stand-in provider on loopback that answers every request with `0x1` and a 429 for
// `eth_gasPrice`, so recognition of a devnet fault is seen through the front too.
let target: Server
let front: UpstreamFront
const recorded: UpstreamEvent[] = []

beforeAll(async () => {
  target = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => {
      body += chunk
    })
    req.on('end', () => {
      const { id, method } = JSON.parse(body) as { id: number; method: string }
      if (method === 'eth_gasPrice') {
        res.writeHead(429, { 'retry-after': '3', 'content-type': 'application/json' })
        res.end(JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32005, message: 'Too many requests' } }))
        return
      }
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ jsonrpc: '2.0', id, result: '0x1' }))
    })
  })
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve))
  front = await startUpstreamFront({
    id: 'alpha',
    target: `http://127.0.0.1:${(target.address() as AddressInfo).port}`,
    clock: startRunClock(),
    record: (event) => recorded.push(event),
  })
})

afterAll(async () => {
  await front?.close()
  await new Promise((resolve) => target?.close(resolve))
})

const call = (method: string) =>
  fetch(front.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 9, method, params: [] }),
    redirect: 'manual',
  })

describe('upstream front', () => {
  it('forwards and records each request with what it was answered', async () => {
    front.setFault(undefined)
    recorded.length = 0
    expect(await (await call('eth_blockNumber')).json()).toEqual({ jsonrpc: '2.0', id: 9, result: '0x1' })
    const limited = await call('eth_gasPrice')
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBe('3')
    expect(recorded.map((event) => event.kind === 'received' && [event.method, event.fault])).toEqual([
      ['eth_blockNumber', 'none'],
      ['eth_gasPrice', 'rateLimit'],
    ])
  })

  it('injects each hostile fault', async () => {
    front.setFault({ fault: 'nonJson200', rate: 1 })
    const html = await call('eth_blockNumber')
    expect([html.status, html.headers.get('content-type'), (await html.text()).startsWith('<html>')]).toEqual(
      [200, 'text/html', true],
    )
    front.setFault({ fault: 'empty200', rate: 1 })
    const empty = await call('eth_blockNumber')
    expect([empty.status, await empty.text()]).toEqual([200, ''])
    front.setFault({ fault: 'redirect', rate: 1 })
    const moved = await call('eth_blockNumber')
    expect(moved.status).toBe(302)
    expect(moved.headers.get('location')).toBe(`${front.url}/moved`)
    front.setFault({ fault: 'wrongChainId', rate: 1 })
    expect(await (await call('eth_chainId')).json()).toEqual({
      jsonrpc: '2.0',
      id: 9,
      result: WRONG_CHAIN_ID,
    })
    // Only the chain id lies; the rest is forwarded.
    expect(await (await call('eth_blockNumber')).json()).toEqual({ jsonrpc: '2.0', id: 9, result: '0x1' })
    front.setFault(undefined)
  })

  it('recognises the devnet’s faults in an answer', () => {
    expect(recognise(503, 'Service unavailable')).toBe('serverError')
    expect(recognise(429, '{}')).toBe('rateLimit')
    expect(recognise(200, '{"jsonrpc":"2.0","id":1,"res')).toBe('malformed')
    expect(
      recognise(200, '{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"Internal error"}}'),
    ).toBe('rpcError')
    expect(recognise(200, '{"jsonrpc":"2.0","id":1,"result":"0x1"}')).toBe('none')
  })
})
