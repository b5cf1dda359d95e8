import { createProviderPool } from '@chainpulse/core'
import { createFakeClock, createMockChain, createMockProvider } from '@chainpulse/core/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { buildServer } from '../app.js'

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})

function setup() {
  const clock = createFakeClock()
  const chain = createMockChain({ clock })
  chain.mine(5)
  const primary = createMockProvider({ chain, clock, id: 'primary', subscriptions: false })
  const backup = createMockProvider({ chain, clock, id: 'backup', subscriptions: false })
  const pool = createProviderPool({
    chains: [{ name: 'ethereum', chainId: 1 }],
    providers: [
      { id: 'primary', chain: 'ethereum', upstream: primary, priority: 1 },
      { id: 'backup', chain: 'ethereum', upstream: backup, priority: 2 },
    ],
    strategy: 'priority',
    racing: false,
    // Failover as requests see it: no background probe takes the primary out first.
    healthCheck: false,
    clock,
  })
  const app = buildServer({ pool, logger: false })
  closers.push(async () => {
    await app.close()
    await pool.close()
  })
  const rpc = (body: unknown) =>
    app.inject({
      method: 'POST',
      url: '/rpc/ethereum',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  return { chain, primary, backup, rpc }
}

describe('the proxy over a pool of mock providers', () => {
  it('passes a block through exactly as the provider serves it', async () => {
    const { primary, rpc } = setup()
    const params = ['0x3', false]
    const direct = await primary.request('eth_getBlockByNumber', params, { timeoutMs: 1_000 })
    const reply = await rpc({ jsonrpc: '2.0', id: 'blk', method: 'eth_getBlockByNumber', params })
    expect(reply.body).toBe(
      `{"jsonrpc":"2.0","id":"blk","result":${JSON.stringify((direct as { result: unknown }).result)}}`,
    )
  })

  it('fails over to the backup when the primary is down, and says so in the headers', async () => {
    const { primary, rpc } = setup()
    primary.set({ mode: 'down' })
    const reply = await rpc({ jsonrpc: '2.0', id: 1, method: 'eth_chainId' })
    expect(reply.json()).toEqual({ jsonrpc: '2.0', id: 1, result: '0x1' })
    expect(reply.headers['x-chainpulse-provider']).toBe('backup')
    expect(reply.headers['x-chainpulse-attempts']).toBe('2')
  })

  it('returns a revert as the provider reported it, without trying the backup', async () => {
    const { chain, primary, backup, rpc } = setup()
    const to = '0x00000000000000000000000000000000000000aa'
    chain.setCall({ to }, { revert: '0x08c379a0', message: 'execution reverted: nope' })
    const params = [{ to, data: '0x' }, 'latest']
    const direct = (await primary.request('eth_call', params, { timeoutMs: 1_000 })) as { error: unknown }
    const callsBefore = backup.calls('eth_call')
    const reply = await rpc({ jsonrpc: '2.0', id: 2, method: 'eth_call', params })
    expect(reply.json()).toEqual({ jsonrpc: '2.0', id: 2, error: direct.error })
    expect(backup.calls('eth_call')).toBe(callsBefore)
  })
})
