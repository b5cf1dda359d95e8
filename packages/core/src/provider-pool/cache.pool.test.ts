import { afterEach, describe, expect, it } from 'vitest'
import { createFakeClock } from '../clock/fake-clock.js'
import type { RoutingDecisionEvent } from '../pubsub/topics.js'
import { createMockChain } from '../testing/mock-chain.js'
import { createMockProvider } from '../testing/mock-provider.js'
import { advanceInSteps, settleOnClock } from '../testing/run-clock.js'
import { type CacheEntry, type CacheStore, createMemoryCacheStore } from './cache/cache-store.js'
import { createResponseCache } from './cache/response-cache.js'
import { createProviderPool } from './provider-pool.js'
import type { PoolRequest, ProviderPool } from './types.js'

// The response cache through the pool, over two mock providers that push `newHeads` (so the pool's
// follower sees every block and reorg) on a fake clock. The chain starts at block 16 with blocks 11 to 16
// seen by the follower; finality depth 6: block 10 and below are final.

const ADDRESS = '0x00000000000000000000000000000000000000aa'
let pool: ProviderPool | undefined
afterEach(async () => {
  await pool?.close()
  pool = undefined
})

async function setup(store?: CacheStore) {
  const clock = createFakeClock()
  const chain = createMockChain({ clock, chainId: 1 })
  chain.mine(10)
  const providers = {
    a: createMockProvider({ chain, clock, id: 'a', latencyMs: 5 }),
    b: createMockProvider({ chain, clock, id: 'b', latencyMs: 5 }),
  }
  pool = createProviderPool({
    chains: [{ name: 'ethereum', chainId: 1 }],
    providers: (['a', 'b'] as const).map((id, priority) => ({
      id,
      chain: 'ethereum',
      upstream: providers[id],
      priority,
    })),
    strategy: 'priority',
    clock,
    racing: false,
    healthCheck: false,
    headPollIntervalMs: 60_000,
    // With a store of the test's, the cache keeps nothing in memory in front of it: the store answers.
    cache: createResponseCache({ finalityDepth: 6, ...(store ? { store, maxBytes: 0 } : {}) }),
  })
  const decisions: RoutingDecisionEvent[] = []
  pool.pubsub.subscribe('routing:decisions', (decision) => decisions.push(decision))
  const current = pool
  const ask = (call: Omit<PoolRequest, 'chain'>, options = {}) =>
    settleOnClock(clock, current.request({ chain: 'ethereum', ...call }, options))
  const upstream = (method: string) => providers.a.calls(method) + providers.b.calls(method)
  /** Lets pushed heads reach the follower. */
  const settle = () => advanceInSteps(clock, 50)
  // The first cacheable call gives the follower its head (the cache asks it to anchor).
  await ask({ method: 'eth_chainId' })
  await settle()
  chain.mine(6)
  await settle()
  for (const provider of Object.values(providers)) provider.resetCalls()
  return { clock, chain, pool: current, providers, decisions, ask, upstream, settle }
}

const hex = (number: number) => `0x${number.toString(16)}`

describe('the response cache in the pool', () => {
  it('answers a final block from the cache, without routing, and says so', async () => {
    const { ask, upstream, decisions } = await setup()
    const call = { method: 'eth_getBlockByNumber', params: ['0x3', false] }
    const first = await ask(call)
    const second = await ask(call)
    expect(first.cache).toBe('miss')
    expect(second).toMatchObject({ cache: 'hit', providerId: 'chainpulse', strategy: 'cache', attempts: 0 })
    expect(second.result).toEqual(first.result)
    expect(upstream('eth_getBlockByNumber')).toBe(1)
    expect(decisions.at(-1)).toMatchObject({ cached: true, providerId: 'chainpulse', attempts: 0 })
  })

  it('asks upstream when a shared store hands back text that does not parse, as for a miss', async () => {
    const memory = createMemoryCacheStore({ maxBytes: 1_000_000 })
    const mangling: CacheStore = {
      get: (key) => {
        // The memory store answers synchronously.
        const entry = memory.get(key) as CacheEntry | undefined
        return entry && { ...entry, json: entry.json.slice(0, 3) }
      },
      set: (key, entry) => memory.set(key, entry),
      delete: (key) => memory.delete(key),
    }
    const { ask, upstream } = await setup(mangling)
    const call = { method: 'eth_getBlockByNumber', params: ['0x3', false] }
    const first = await ask(call)
    const second = await ask(call)
    expect(second).toMatchObject({ cache: 'miss' })
    expect(second.result).toEqual(first.result)
    expect(upstream('eth_getBlockByNumber')).toBe(2)
  })

  it('keeps a latest answer until the next head, and no longer', async () => {
    const { ask, upstream, chain, settle } = await setup()
    const balance = { method: 'eth_getBalance', params: [ADDRESS, 'latest'] }
    chain.setBalance(ADDRESS, 1n)
    expect((await ask(balance)).result).toBe('0x1')
    expect((await ask(balance)).cache).toBe('hit')
    chain.setBalance(ADDRESS, 2n)
    chain.mine(1)
    await settle()
    expect(await ask(balance)).toMatchObject({ result: '0x2', cache: 'miss' })
    expect(upstream('eth_getBalance')).toBe(2)
  })

  it('drops a block that is not final the moment a reorg orphans it', async () => {
    const { ask, chain, settle, upstream } = await setup()
    const call = { method: 'eth_getBlockByNumber', params: [hex(15), false] }
    const before = (await ask(call)).result as { hash: string }
    expect((await ask(call)).cache).toBe('hit')
    chain.reorg(2)
    await settle()
    const after = await ask(call)
    expect(after.cache).toBe('miss')
    expect((after.result as { hash: string }).hash).toBe(chain.blockByNumber(15)?.hash)
    expect((after.result as { hash: string }).hash).not.toBe(before.hash)
    expect(upstream('eth_getBlockByNumber')).toBeGreaterThanOrEqual(2)
  })

  it('ties logs over a range to its highest block, and a block hash to that block', async () => {
    const { ask, chain, settle } = await setup()
    const range = { method: 'eth_getLogs', params: [{ fromBlock: hex(12), toBlock: hex(14) }] }
    const byHash = { method: 'eth_getLogs', params: [{ blockHash: chain.blockByNumber(14)?.hash }] }
    await ask(range)
    await ask(byHash)
    expect((await ask(range)).cache).toBe('hit')
    expect((await ask(byHash)).cache).toBe('hit')
    // A reorg from block 14: the range's highest block and the hashed one are orphaned.
    chain.reorg(3)
    await settle()
    expect((await ask(range)).cache).toBe('miss')
    expect((await ask(byHash)).cache).toBe('miss')
  })

  it('never keeps null, errors or writes, and leaves out calls that opt out or are pinned', async () => {
    const { ask, upstream, chain, providers } = await setup()
    const above = { method: 'eth_getBlockByNumber', params: [hex(50), false] }
    expect((await ask(above)).result).toBeNull()
    expect((await ask(above)).cache).toBe('miss')
    chain.setCall({ to: ADDRESS }, { revert: '0x' })
    const reverting = { method: 'eth_call', params: [{ to: ADDRESS, data: '0x' }, hex(2)] }
    await expect(ask(reverting)).rejects.toMatchObject({ code: 'UPSTREAM_RPC_ERROR' })
    await expect(ask(reverting)).rejects.toMatchObject({ code: 'UPSTREAM_RPC_ERROR' })
    expect(upstream('eth_call')).toBe(2)
    for (const provider of Object.values(providers))
      provider.handle('eth_sendRawTransaction', () => ({ result: `0x${'ab'.repeat(32)}` }))
    const send = await ask({ method: 'eth_sendRawTransaction', params: ['0x02f8'] })
    expect(send.cache).toBeUndefined()
    const final = { method: 'eth_getBlockByNumber', params: ['0x2', false] }
    expect((await ask(final, { cache: false })).cache).toBeUndefined()
    expect((await ask(final)).cache).toBe('miss')
    expect((await ask(final, { cache: false })).cache).toBeUndefined()
    expect((await ask(final, { providerId: 'b' })).providerId).toBe('b')
    expect((await ask(final)).cache).toBe('hit')
  })

  it('keeps eth_chainId for good and a block number until the next head', async () => {
    const { ask, chain, settle } = await setup()
    expect((await ask({ method: 'eth_chainId' })).cache).toBe('hit')
    expect((await ask({ method: 'eth_blockNumber' })).result).toBe(hex(16))
    expect((await ask({ method: 'eth_blockNumber' })).cache).toBe('hit')
    chain.mine(1)
    await settle()
    expect(await ask({ method: 'eth_blockNumber' })).toMatchObject({ result: hex(17), cache: 'miss' })
    expect((await ask({ method: 'eth_chainId' })).cache).toBe('hit')
  })

  it('anchors the follower without handing its block to head subscribers: they get only new heads', async () => {
    const clock = createFakeClock()
    const chain = createMockChain({ clock, chainId: 1 })
    chain.mine(4)
    const provider = createMockProvider({ chain, clock, id: 'a', latencyMs: 5 })
    pool = createProviderPool({
      chains: [{ name: 'ethereum', chainId: 1 }],
      providers: [{ id: 'a', chain: 'ethereum', upstream: provider }],
      clock,
      racing: false,
      healthCheck: false,
      headPollIntervalMs: 60_000,
      cache: createResponseCache(),
    })
    const heads: string[] = []
    // Subscribed before anything else: as a client that resubscribes to a freshly restarted server.
    pool.subscribe('ethereum', 'newHeads', (block) => heads.push(block.number))
    // The first cacheable read anchors the follower at the current head (block 4).
    await settleOnClock(
      clock,
      pool.request({ chain: 'ethereum', method: 'eth_getBalance', params: [ADDRESS, 'latest'] }),
    )
    await advanceInSteps(clock, 100)
    expect(heads).toEqual([])
    chain.mine(1)
    await settleOnClock(
      clock,
      pool.request({ chain: 'ethereum', method: 'eth_blockNumber' }, { cache: false }),
    )
    await advanceInSteps(clock, 100)
    expect(heads).toEqual(['0x5'])
  })
})
