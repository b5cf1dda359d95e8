import { createProviderPool, createResponseCache, type ProviderPool } from '@chainpulse/core'
import { createMockChain, createMockProvider, type MockProvider } from '@chainpulse/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ConnectedRedis, startConnectedRedis } from '../testing/start-connected-redis.js'
import { waitFor } from '../testing/wait-for.js'
import { createRedisCacheStore, type RedisCacheStore } from './redis-cache-store.js'

// Two pools ("instances") on one mock chain, each with its own provider and a response cache whose
// store is one Redis: an answer one instance fetched is a hit on the other, and Redis going down costs
// hits, never answers. Real clock: Redis answers in real time.

let redis: ConnectedRedis
const pools: ProviderPool[] = []
const stores: RedisCacheStore[] = []

beforeAll(async () => {
  redis = await startConnectedRedis()
})
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.close()))
  await Promise.all(stores.map((store) => store.close()))
  await redis?.stop()
})

function instance(chain: ReturnType<typeof createMockChain>, id: string) {
  const provider: MockProvider = createMockProvider({ chain, id })
  const store = createRedisCacheStore({ redis: redis.server.url })
  const pool = createProviderPool({
    chains: [{ name: 'ethereum', chainId: 1 }],
    providers: [{ id, chain: 'ethereum', upstream: provider }],
    racing: false,
    healthCheck: false,
    cache: createResponseCache({ finalityDepth: 6, store }),
  })
  pools.push(pool)
  stores.push(store)
  return { provider, store, pool }
}

const block = (number: number) => ({
  chain: 'ethereum',
  method: 'eth_getBlockByNumber',
  params: [`0x${number.toString(16)}`, false],
})

describe('a response cache shared through Redis', () => {
  it("serves one instance's answer to another, and answers from upstream while Redis is down", async () => {
    const chain = createMockChain({ chainId: 1 })
    chain.mine(20)
    const a = instance(chain, 'a')
    const b = instance(chain, 'b')
    await waitFor(() => a.store.status().connected && b.store.status().connected, { what: 'the stores' })

    // Block 3 is final once a's follower has a head: until then the answer is not kept.
    await waitFor(
      async () => {
        await a.pool.request(block(3))
        return (await redis.client.keys('chainpulse:cache:*')).some((key) =>
          key.includes('eth_getBlockByNumber'),
        )
      },
      { what: "a's answer in Redis" },
    )
    const fromA = await a.pool.request(block(3))

    // b never asked for block 3 before: its hit can only come from a's entry in Redis.
    const fromB = await b.pool.request(block(3))
    expect(fromB).toMatchObject({ cache: 'hit', providerId: 'chainpulse' })
    expect(fromB.result).toEqual(fromA.result)
    expect(b.store.status().hits).toBeGreaterThan(0)

    await redis.server.kill()
    await waitFor(() => !b.store.status().connected, { what: 'b to see Redis gone' })
    const withoutRedis = await b.pool.request(block(4))
    expect(withoutRedis).toMatchObject({ cache: 'miss', providerId: 'b' })
    expect((withoutRedis.result as { number: string }).number).toBe('0x4')
    expect(b.store.status().failures).toBeGreaterThan(0)
  })
})
