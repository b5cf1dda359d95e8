import { describe, expect, it } from 'vitest'
import type { Log } from '../../subscriptions/log-filter.js'
import { advanceInSteps, settleOnClock } from '../../testing/run-clock.js'
import { setup } from '../mock-pool-setup.js'
import { createServedFilters } from './filter-registry.js'

// Filters through the pool: ids of ChainPulse's own, served from the canonical follower, over mock
// providers that fail and a chain that reorganises.

const TOKEN = '0x00000000000000000000000000000000000000aa'
const TRANSFER = `0x${'dd'.repeat(32)}`

function filterPool() {
  // No streams (HTTP-like providers): the follower polls for new blocks every 100 ms of fake time.
  return setup({ headPollIntervalMs: 100, healthCheck: false, servedFilters: createServedFilters() })
}

describe('filters served by the pool', () => {
  it('gives every new block hash once, across a failover, under an id no provider knows', async () => {
    const { clock, pool, chain, providers, decisions } = filterPool()
    const call = (method: string, params: unknown[] = []) =>
      settleOnClock(clock, pool.request({ chain: 'ethereum', method, params }))
    const { result: id, providerId } = await call('eth_newBlockFilter')
    expect(providerId).toBe('chainpulse')
    expect(id).toMatch(/^0x[0-9a-f]{32}$/)
    // No provider was asked to create it.
    expect(providers.a.calls('eth_newBlockFilter') + providers.b.calls('eth_newBlockFilter')).toBe(0)
    const mined = chain.mine(3)
    await advanceInSteps(clock, 300)
    expect((await call('eth_getFilterChanges', [id])).result).toEqual(mined.map((block) => block.hash))
    providers.a.set({ mode: 'down' })
    const later = chain.mine(2)
    await advanceInSteps(clock, 300)
    expect((await call('eth_getFilterChanges', [id])).result).toEqual(later.map((block) => block.hash))
    expect((await call('eth_getFilterChanges', [id])).result).toEqual([])
    expect(
      decisions
        .filter((decision) => decision.method === 'eth_getFilterChanges')
        .every((decision) => decision.strategy === 'filters'),
    ).toBe(true)
  })

  it('gives each matching log once, and the replaced ones again with removed: true after a reorg', async () => {
    const { clock, pool, chain } = filterPool()
    const call = (method: string, params: unknown[] = []) =>
      settleOnClock(clock, pool.request({ chain: 'ethereum', method, params }))
    const { result: id } = await call('eth_newFilter', [{ address: TOKEN, topics: [TRANSFER] }])
    chain.mine({ logs: [{ address: TOKEN, topics: [TRANSFER], data: '0x01' }] })
    chain.mine({
      logs: [{ address: '0x00000000000000000000000000000000000000bb', topics: [TRANSFER], data: '0x02' }],
    })
    await advanceInSteps(clock, 300)
    const first = (await call('eth_getFilterChanges', [id])).result as Log[]
    expect(first.map((log) => [log.data, log.removed ?? false])).toEqual([['0x01', false]])
    chain.reorg(2, { logs: [[], [{ address: TOKEN, topics: [TRANSFER], data: '0x03' }]] })
    await advanceInSteps(clock, 300)
    const after = (await call('eth_getFilterChanges', [id])).result as Log[]
    expect(after.map((log) => [log.data, log.removed ?? false])).toEqual([
      ['0x01', true],
      ['0x03', false],
    ])
  })

  it('keeps filters per client', async () => {
    const { clock, pool } = filterPool()
    const { result: id } = await settleOnClock(
      clock,
      pool.request({ chain: 'ethereum', method: 'eth_newBlockFilter' }, { clientId: 'alice' }),
    )
    const error = await settleOnClock(
      clock,
      pool.request({ chain: 'ethereum', method: 'eth_getFilterChanges', params: [id] }, { clientId: 'bob' }),
    ).catch((caught) => caught)
    expect(error).toMatchObject({
      code: 'FILTER_NOT_FOUND',
      rpcError: { code: -32000, message: 'filter not found' },
    })
  })

  it('is an add-on: without it, filter calls are routed upstream like any other call', async () => {
    const { clock, pool, providers } = setup({ headPollIntervalMs: 100, healthCheck: false })
    await settleOnClock(clock, pool.request({ chain: 'ethereum', method: 'eth_newBlockFilter' })).catch(
      () => {},
    )
    expect(providers.a.calls('eth_newBlockFilter')).toBe(1)
  })
})
