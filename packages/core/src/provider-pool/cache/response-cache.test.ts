import { describe, expect, it } from 'vitest'
import type { Clock } from '../../clock/clock.js'
import { createFakeClock } from '../../clock/fake-clock.js'
import type { BlockHeader } from '../../subscriptions/block-header.js'
import { type CacheEntry, type CacheStore, createMemoryCacheStore } from './cache-store.js'
import { type CacheChainSource, type CacheLookup, createResponseCache } from './response-cache.js'

// The cache bound to a hand-driven follower: blocks are delivered by `deliver`, provider heads set by
// hand. Finality depth 3.

const hashOf = (number: number, branch = 0) =>
  `0x${branch.toString(16)}${number.toString(16).padStart(63, '0')}`
const header = (number: number, branch = 0, parentBranch = branch): BlockHeader => ({
  number: `0x${number.toString(16)}`,
  hash: hashOf(number, branch),
  parentHash: hashOf(number - 1, parentBranch),
})

/** A cache over `store` alone (nothing in memory in front of it) unless `maxBytes` says otherwise. */
function setup(
  store?: CacheStore,
  clock?: Clock,
  anchoredAt?: BlockHeader,
  maxBytes = store ? 0 : undefined,
) {
  let listener: ((block: BlockHeader) => void) | undefined
  let best: number | undefined
  let anchors = 0
  const source: CacheChainSource = {
    subscribeHeads(next) {
      listener = next
      return () => {
        listener = undefined
      }
    },
    anchor: async () => {
      anchors++
      // The providers report their heads whether or not the follower delivered the block.
      if (anchoredAt) best = Math.max(best ?? 0, Number(anchoredAt.number))
      return anchoredAt
    },
    bestHead: () => best,
    providerHead: () => best,
  }
  const cache = createResponseCache({
    finalityDepth: 3,
    ...(store ? { store } : {}),
    ...(maxBytes === undefined ? {} : { maxBytes }),
    ...(clock ? { clock, storeTimeoutMs: 100 } : {}),
  })
  cache.follow('ethereum', source)
  const deliver = (...blocks: BlockHeader[]) => {
    for (const block of blocks) {
      listener?.(block)
      best = Math.max(best ?? 0, Number(block.number))
    }
  }
  const lookup = async (method: string, params: unknown[]) =>
    (await cache.lookup('ethereum', method, params)) as CacheLookup
  /** Looks a call up and, on a miss, stores `result` as provider `p`'s answer. */
  const ask = async (method: string, params: unknown[], result: unknown) => {
    const found = await lookup(method, params)
    if (!found.hit) found.store({ result, providerId: 'p' })
    return found.hit ? 'hit' : 'miss'
  }
  return { cache, deliver, lookup, ask, anchors: () => anchors }
}

const balance = (block: string): [string, unknown[]] => ['eth_getBalance', ['0xaa', block]]

describe('createResponseCache', () => {
  it('answers undefined at once for methods it never caches', () => {
    const { cache } = setup()
    expect(cache.lookup('ethereum', 'eth_sendRawTransaction', ['0x'])).toBeUndefined()
    expect(cache.lookup('other-chain', 'eth_chainId', [])).toBeUndefined()
  })

  it('asks the follower for a head on the first look-up without one, and keeps nothing tied until then', async () => {
    const { ask, anchors, deliver } = setup()
    expect(await ask(...balance('latest'), '0x1')).toBe('miss')
    expect(anchors()).toBe(1)
    expect(await ask(...balance('latest'), '0x1')).toBe('miss')
    deliver(header(10))
    expect(await ask(...balance('latest'), '0x1')).toBe('miss')
    expect(await ask(...balance('latest'), '0x1')).toBe('hit')
  })

  it('follows from the block the follower was anchored at, which is not delivered as a head', async () => {
    const { ask, deliver } = setup(undefined, undefined, header(10))
    // Anchored before the answer came: it is kept, tied to the anchor's block, until the next head.
    expect(await ask(...balance('latest'), '0x1')).toBe('miss')
    expect(await ask(...balance('latest'), '0x1')).toBe('hit')
    deliver(header(11))
    expect(await ask(...balance('latest'), '0x1')).toBe('miss')
  })

  it('forgets what it remembered when a block does not link to the one before', async () => {
    const { ask, deliver } = setup()
    deliver(header(10), header(11), header(12))
    expect(await ask(...balance('0xb'), '0x1')).toBe('miss')
    expect(await ask(...balance('0xb'), '0x1')).toBe('hit')
    // Block 13 of another branch, whose parent the follower never delivered (it restarted past a gap).
    deliver(header(13, 1))
    expect(await ask(...balance('0xb'), '0x2')).toBe('miss')
  })

  it('drops a block and everything above it when a reorg delivers another block at its height', async () => {
    const { ask, deliver } = setup()
    deliver(header(10), header(11), header(12))
    await ask(...balance('0xb'), '0x1')
    await ask(...balance('0xa'), '0x1')
    deliver(header(11, 1, 0), header(12, 1))
    expect(await ask(...balance('0xb'), '0x2')).toBe('miss')
    expect(await ask(...balance('0xa'), '0x1')).toBe('hit')
  })

  it('does not keep an answer to a call that was out while the chain moved', async () => {
    const { lookup, ask, deliver } = setup()
    deliver(header(10))
    const found = await lookup(...balance('latest'))
    deliver(header(11))
    if (!found.hit) found.store({ result: '0x1', providerId: 'p' })
    expect(await ask(...balance('latest'), '0x2')).toBe('miss')
  })

  it('treats a store that fails as a miss, never as a failed call', async () => {
    const failing: CacheStore = {
      get: () => Promise.reject(new Error('redis down')),
      set: () => Promise.reject(new Error('redis down')),
      delete: () => Promise.reject(new Error('redis down')),
    }
    const { ask, deliver } = setup(failing)
    deliver(header(10))
    expect(await ask('eth_chainId', [], '0x1')).toBe('miss')
    expect(await ask('eth_chainId', [], '0x1')).toBe('miss')
  })

  it('treats a store that throws synchronously as a miss too', async () => {
    const throwing: CacheStore = {
      get: () => {
        throw new Error('not connected')
      },
      set: () => {
        throw new Error('not connected')
      },
      delete: () => {
        throw new Error('not connected')
      },
    }
    const { ask, deliver } = setup(throwing)
    deliver(header(10))
    expect(await ask('eth_chainId', [], '0x1')).toBe('miss')
    // A reorg makes the cache delete what it indexed: that throws too, and must not reach the follower.
    expect(await ask('eth_getBlockByNumber', ['0xa', false], { number: '0xa' })).toBe('miss')
    expect(() => deliver(header(10, 1, 0))).not.toThrow()
  })

  it('takes a store that does not answer within storeTimeoutMs as a miss', async () => {
    const clock = createFakeClock()
    const hung: CacheStore = {
      get: () => new Promise(() => {}),
      set: () => {},
      delete: () => {},
    }
    const { lookup, deliver } = setup(hung, clock)
    deliver(header(10))
    let settled: CacheLookup | undefined
    void lookup('eth_chainId', []).then((found) => {
      settled = found
    })
    const flush = () => new Promise((resolve) => setImmediate(resolve))
    clock.advance(99)
    await flush()
    expect(settled).toBeUndefined()
    clock.advance(1)
    await flush()
    expect(settled?.hit).toBe(false)
    expect(clock.pendingTimers()).toBe(0)
  })

  describe('with memory in front of a shared store', () => {
    /** A shared store whose reads, writes and deletes are counted. */
    function countedStore() {
      const entries = createMemoryCacheStore({ maxBytes: 1_000_000 })
      const calls = { get: 0, set: 0, delete: 0 }
      const store: CacheStore = {
        get: async (key) => {
          calls.get++
          return entries.get(key)
        },
        set: (key, entry) => {
          calls.set++
          entries.set(key, entry)
        },
        delete: (key) => {
          calls.delete++
          entries.delete(key)
        },
      }
      return { store, calls, entries }
    }

    it('answers a hit from memory without asking the shared store, and writes to both', async () => {
      const { store, calls } = countedStore()
      const { ask, deliver } = setup(store, undefined, undefined, 1_000_000)
      deliver(header(10))
      expect(await ask('eth_chainId', [], '0x1')).toBe('miss')
      expect(calls).toEqual({ get: 1, set: 1, delete: 0 })
      expect(await ask('eth_chainId', [], '0x1')).toBe('hit')
      expect(calls.get).toBe(1)
    })

    it('keeps what another process stored once read, so it is asked for once', async () => {
      const { store, calls, entries } = countedStore()
      const { ask, deliver } = setup(store, undefined, undefined, 1_000_000)
      deliver(header(10))
      entries.set('ethereum\neth_chainId\n[]', { json: '"0x1"' })
      expect(await ask('eth_chainId', [], '0x1')).toBe('hit')
      expect(await ask('eth_chainId', [], '0x1')).toBe('hit')
      expect(calls).toEqual({ get: 1, set: 0, delete: 0 })
    })

    it('drops an orphaned entry from both, and from memory what the shared store holds when a reorg orphans it', async () => {
      const { store, entries } = countedStore()
      const { ask, deliver } = setup(store, undefined, undefined, 1_000_000)
      deliver(header(10), header(11))
      expect(await ask(...balance('0xb'), '0x1')).toBe('miss')
      expect(entries.size).toBe(1)
      // Block 11 is replaced: the answer about it goes from memory and from the shared store.
      deliver(header(11, 1, 0))
      expect(entries.size).toBe(0)
      expect(await ask(...balance('0xb'), '0x2')).toBe('miss')
    })

    it('leaves in the shared store an entry about a block this process has not seen yet, and drops one it knows is orphaned', async () => {
      const { store, calls, entries } = countedStore()
      const { ask, deliver } = setup(store, undefined, undefined, 1_000_000)
      deliver(header(10))
      // Another process, a block ahead, stored an answer about block 11: it is not this process's to judge.
      const ahead: CacheEntry = { json: '"0x5"', block: [11, hashOf(11)] }
      const key = 'ethereum\neth_getBalance\n["0xaa","0xb"]'
      entries.set(key, ahead)
      expect(await ask(...balance('0xb'), '0x5')).toBe('miss')
      expect(calls.delete).toBe(0)
      // Once this process follows block 11 on another branch, that entry is wrong for everyone.
      entries.set(key, ahead)
      deliver(header(11, 1, 0))
      expect(await ask(...balance('0xb'), '0x6')).toBe('miss')
      expect(calls.delete).toBe(1)
    })
  })
})
