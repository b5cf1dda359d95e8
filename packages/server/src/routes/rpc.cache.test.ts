import { createProviderPool, createResponseCache } from '@chainpulse/core'
import {
  advanceInSteps,
  createFakeClock,
  createMockChain,
  createMockProvider,
} from '@chainpulse/core/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { buildServer } from '../app.js'

// The response cache as proxy clients see it: `x-chainpulse-cache` says hit, miss, coalesced or bypass,
// `Cache-Control: no-cache` opts out, and /metrics counts hits. Over a mock chain whose provider pushes
// heads, so the pool's follower sees each block (the cache's own rules are tested in core).

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})

async function setup() {
  const clock = createFakeClock()
  const chain = createMockChain({ clock })
  chain.mine(20)
  const node = createMockProvider({ chain, clock, id: 'node' })
  const pool = createProviderPool({
    chains: [{ name: 'ethereum', chainId: 1 }],
    providers: [{ id: 'node', chain: 'ethereum', upstream: node }],
    racing: false,
    healthCheck: false,
    clock,
    cache: createResponseCache({ finalityDepth: 4 }),
  })
  const app = buildServer({ pool, logger: false, config: { rateLimit: false } })
  closers.push(async () => {
    await app.close()
    await pool.close()
  })
  const rpc = (body: unknown, headers: Record<string, string> = {}) =>
    app.inject({
      method: 'POST',
      url: '/rpc/ethereum',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    })
  // The first cacheable call gives the pool's follower its head; a mined block gives the node's head.
  await rpc({ jsonrpc: '2.0', id: 0, method: 'eth_chainId' })
  chain.mine(1)
  await advanceInSteps(clock, 50)
  return { app, chain, node, rpc, clock }
}

const call = (id: number, method: string, params: unknown[] = []) => ({ jsonrpc: '2.0', id, method, params })

describe('the proxy with a response cache', () => {
  it('says miss, then hit, for the same read, with the same answer and no second upstream call', async () => {
    const { rpc, node } = await setup()
    const block = call(1, 'eth_getBlockByNumber', ['0x3', false])
    const first = await rpc(block)
    const second = await rpc(block)
    expect(first.headers['x-chainpulse-cache']).toBe('miss')
    expect(second.headers['x-chainpulse-cache']).toBe('hit')
    expect(second.headers['x-chainpulse-provider']).toBe('chainpulse')
    expect(second.body).toBe(first.body)
    expect(node.calls('eth_getBlockByNumber')).toBe(2) // the follower's anchor, then this read once
  })

  it('lets Cache-Control: no-cache go upstream, and names each call of a batch', async () => {
    const { rpc, node } = await setup()
    const balance = call(1, 'eth_getBalance', ['0x00000000000000000000000000000000000000aa', 'latest'])
    await rpc(balance)
    const bypass = await rpc(balance, { 'cache-control': 'no-cache' })
    expect(bypass.headers['x-chainpulse-cache']).toBe('bypass')
    expect(node.calls('eth_getBalance')).toBe(2)
    const batch = await rpc([balance, call(2, 'eth_blockNumber'), call(3, 'eth_sendRawTransaction', ['0x'])])
    expect(batch.headers['x-chainpulse-cache']).toBe('hit,miss,-')
  })

  it('counts hits per chain on /metrics', async () => {
    const { rpc, app } = await setup()
    const chainId = call(1, 'eth_chainId')
    await rpc(chainId)
    await rpc(chainId)
    const metrics = await app.inject({ method: 'GET', url: '/metrics' })
    // The setup's eth_chainId was the first (a miss); these two are hits.
    expect(metrics.body).toContain('chainpulse_cache_hits_total{chain="ethereum"} 2')
  })
})
