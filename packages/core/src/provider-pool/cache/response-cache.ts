import { systemClock } from '../../clock/clock.js'
import { type BlockHeader, hexToNumber } from '../../subscriptions/block-header.js'
import { parseOptions } from '../../validation/parse-options.js'
import * as v from '../../validation/schema.js'
import { clockSchema, implementsSchema } from '../../validation/schemas.js'
import { canonicalParams } from '../request/coalescing.js'
import { type CacheChainView, type CacheValidity, cachePolicy, isCacheable } from './cache-policy.js'
import { type CacheEntry, type CacheStore, createMemoryCacheStore } from './cache-store.js'

/** Default byte budget of the in-memory store: 64 MiB. */
export const DEFAULT_CACHE_MAX_BYTES = 64 * 1024 * 1024
/**
 * Default finality depth: blocks this far below the head are taken as final. 64 is two Ethereum epochs,
 * about where its `finalized` tag sits; chains that reorganise deeper (or finalize sooner) set their own.
 */
export const DEFAULT_FINALITY_DEPTH = 64

const depth = v.number().check(v.int(), v.nonnegative())
const policy = v.union([v.literal('never'), v.literal('final-only'), v.literal('immutable')])

const optionsSchema = v.strictObject({
  /**
   * Most bytes the in-memory store holds; least recently used answers go first. With a `store`, this
   * memory sits in front of it (0 keeps nothing here). @default 67_108_864 (64 MiB)
   */
  maxBytes: v._default(v.number().check(v.int(), v.nonnegative()), DEFAULT_CACHE_MAX_BYTES),
  /** Blocks below the head taken as final: answers about them are kept until evicted. @default 64 */
  finalityDepth: v._default(depth, DEFAULT_FINALITY_DEPTH),
  /** Per-chain finality depth, by chain name, overriding `finalityDepth`. */
  finalityDepths: v.optional(v.record(v.string(), depth)),
  /** Per-method overrides of the rules (see docs/cache.md): `never`, `final-only` or `immutable`. */
  methods: v.optional(v.record(v.string(), policy)),
  /**
   * A store shared with other processes (Redis), behind the in-memory one: a read that misses in memory
   * asks it, and what it finds is kept in memory too; writes and deletes go to both.
   */
  store: v.optional(implementsSchema<CacheStore>(['get', 'set', 'delete'], 'expected a CacheStore')),
  /**
   * How long a lookup waits for a store that answers with a promise (one in another process) before
   * taking it as a miss: a hung store slows calls by this much at most, never holds them. @default 250
   */
  storeTimeoutMs: v._default(v.number().check(v.int(), v.positive()), 250),
  /** Times `storeTimeoutMs`. @default systemClock */
  clock: v.optional(clockSchema),
})

/** Options of {@link createResponseCache}. */
export type ResponseCacheOptions = v.input<typeof optionsSchema>

/** What the cache needs of one chain of the pool: its canonical blocks and its providers' heads. */
export interface CacheChainSource {
  /** Delivers each canonical block once, in order (a reorg's new branch after the blocks it replaces). */
  subscribeHeads(listener: (block: BlockHeader) => void): () => void
  /**
   * Makes the follower fetch the head now when it has none yet (it then follows from there, without
   * delivering that block to `subscribeHeads`); resolves with the block it follows from.
   */
  anchor(): Promise<BlockHeader | undefined>
  /** The highest head any provider reported. */
  bestHead(): number | undefined
  /** The head a provider last reported. */
  providerHead(providerId: string): number | undefined
}

/** An answer the cache may keep: the upstream's result, its exact text if known, and who gave it. */
export interface CacheableAnswer {
  result: unknown
  rawResult?: string | undefined
  providerId: string
}

/** What a look-up found: the answer's JSON text, or a miss whose answer `store` may keep. */
export type CacheLookup = { hit: true; json: string } | { hit: false; store(answer: CacheableAnswer): void }

/**
 * A response cache bound to the pool's canonical follower (see docs/cache.md). The pool calls `follow`
 * once per chain, then `lookup` before routing each call.
 */
export interface ResponseCache {
  /** Starts following a chain's canonical blocks; returns the function that stops it. */
  follow(chain: string, source: CacheChainSource): () => void
  /**
   * Looks a call up: `undefined` at once when the method is never cached, else a hit or a miss. An entry
   * is checked against the chain as followed now before it counts as a hit.
   */
  lookup(chain: string, method: string, params: unknown): Promise<CacheLookup> | undefined
}

/** One followed chain: the canonical blocks of the last `finalityDepth + 1` heights, and an index. */
interface FollowedChain extends CacheChainView {
  source: CacheChainSource
  /** Keys of entries tied to a block hash, and of entries tied to a head hash, for dropping them at once. */
  byBlock: Map<string, Set<string>>
  byHead: Map<string, Set<string>>
  anchoring: boolean
  /** Follows one canonical block (a delivered head, or the block the follower was anchored at). */
  takeHead(block: BlockHeader): void
  /** Counts canonical blocks delivered: a call that saw it change was answered across a move. */
  moves: number
}

/**
 * Creates a response cache that is correct by construction: every entry says which block it depends on
 * (none, a block hash, or the head), and is served only while the pool's canonical follower still has
 * that block on the chain (or as head). Entries are also dropped the moment the follower moves past them.
 *
 * @throws {ConfigError} when an option is invalid.
 * @example
 * const pool = createProviderPool({ chains, providers, cache: createResponseCache({ maxBytes: 32 * 1024 * 1024 }) })
 */
export function createResponseCache(options: ResponseCacheOptions = {}): ResponseCache {
  const settings = parseOptions(optionsSchema, options, 'response cache options')
  // Memory answers first, so a hit costs no round trip to a shared store: every entry is checked against
  // this process's follower before it counts, so a copy kept here is as safe as the shared one.
  const near = createMemoryCacheStore({ maxBytes: settings.maxBytes })
  const far = settings.store
  const overrides = settings.methods ?? {}
  const clock = settings.clock ?? systemClock
  const chains = new Map<string, FollowedChain>()

  /**
   * Calls the store so that nothing it does reaches a call: a throw, sync or async, is `undefined` (a
   * miss, or a write that did not happen). A store in another process may fail; a failed delete only
   * leaves an entry that `valid` refuses.
   */
  const quietly = <T>(operation: () => T | Promise<T>): T | undefined | Promise<T | undefined> => {
    try {
      const result = operation()
      return result instanceof Promise ? result.catch(() => undefined) : result
    } catch {
      return undefined
    }
  }
  /** The shared store's answer, or `undefined` (a miss) if it has none within `storeTimeoutMs`. */
  const readFar = (
    store: CacheStore,
    key: string,
  ): CacheEntry | undefined | Promise<CacheEntry | undefined> => {
    const answer = quietly(() => store.get(key))
    if (!(answer instanceof Promise)) return answer
    return new Promise((resolve) => {
      const timer = clock.setTimeout(() => resolve(undefined), settings.storeTimeoutMs)
      void answer.then((entry) => {
        clock.clearTimeout(timer)
        resolve(entry)
      })
    })
  }
  /** An entry from memory at once, else from the shared store (then kept in memory too). */
  const read = (key: string): CacheEntry | undefined | Promise<CacheEntry | undefined> => {
    const entry = near.get(key)
    if (entry || !far) return entry
    const shared = readFar(far, key)
    if (!(shared instanceof Promise)) return keep(key, shared)
    return shared.then((found) => keep(key, found))
  }
  const keep = (key: string, entry: CacheEntry | undefined) => {
    if (entry) near.set(key, entry)
    return entry
  }
  const write = (key: string, entry: CacheEntry) => {
    near.set(key, entry)
    if (far) void quietly(() => far.set(key, entry))
  }
  /** Drops an entry here, and from the shared store unless `keepShared` (another process may still need it). */
  const remove = (key: string, keepShared = false) => {
    near.delete(key)
    if (far && !keepShared) void quietly(() => far.delete(key))
  }
  const drop = (index: Map<string, Set<string>>, hash: string) => {
    for (const key of index.get(hash) ?? []) remove(key)
    index.delete(hash)
  }
  const index = (map: Map<string, Set<string>>, hash: string, key: string) => {
    const keys = map.get(hash)
    if (keys) keys.add(key)
    else map.set(hash, new Set([key]))
  }

  function valid(chain: FollowedChain, entry: CacheEntry): boolean {
    if (entry.block) return chain.hashAt(entry.block[0]) === entry.block[1]
    if (entry.head)
      return chain.head?.hash === entry.head[1] && (chain.source.bestHead() ?? entry.head[0]) <= entry.head[0]
    return true
  }

  /**
   * Whether this process knows an entry it cannot serve is wrong, not merely ahead of it: a block (or
   * head) above the follower's head may be another process's newer view, still good for the others.
   */
  function outlived(chain: FollowedChain, entry: CacheEntry): boolean {
    const height = entry.block?.[0] ?? entry.head?.[0]
    return height === undefined || (chain.head !== undefined && height <= chain.head.number)
  }

  return {
    follow(name, source) {
      const finalityDepth = settings.finalityDepths?.[name] ?? settings.finalityDepth
      const hashes = new Map<number, string>()
      const numbers = new Map<string, number>()
      const chain: FollowedChain = {
        source,
        head: undefined,
        finalized: undefined,
        hashAt: (number) => hashes.get(number),
        numberOf: (hash) => numbers.get(hash),
        byBlock: new Map(),
        byHead: new Map(),
        moves: 0,
        anchoring: false,
        takeHead: () => {},
      }
      const forget = (number: number) => {
        const hash = hashes.get(number)
        if (hash === undefined) return
        hashes.delete(number)
        numbers.delete(hash)
        drop(chain.byBlock, hash)
        drop(chain.byHead, hash)
      }
      chains.set(name, chain)
      chain.takeHead = (block) => {
        const number = hexToNumber(block.number)
        const hash = block.hash.toLowerCase()
        // Not linked to what the follower delivered before (it restarted after a gap or a reorg deeper
        // than it remembers): which remembered blocks are still canonical is unknown, so none are.
        if (hashes.size && hashes.get(number - 1) !== block.parentHash.toLowerCase())
          for (const height of [...hashes.keys()]) forget(height)
        // A block at a height the follower already had: a reorg replaced it and everything above it.
        for (let height = chain.head?.number ?? -1; height >= number; height--) forget(height)
        if (chain.head) drop(chain.byHead, chain.head.hash)
        hashes.set(number, hash)
        numbers.set(hash, number)
        chain.head = { number, hash }
        chain.moves++
        chain.finalized = number - finalityDepth
        // Heights below the window are final: answers about them are stored for good, not tied.
        for (const height of hashes.keys()) if (height < chain.finalized) forget(height)
      }
      const stop = source.subscribeHeads(chain.takeHead)
      return () => {
        stop()
        chains.delete(name)
      }
    },

    lookup(name, method, params) {
      const override = overrides[method]
      const chain = chains.get(name)
      if (!chain || !isCacheable(method, override)) return undefined
      if (!chain.head && !chain.anchoring) {
        // Nothing tied to a block can be kept before the follower has a head: give it one now.
        chain.anchoring = true
        chain.source
          .anchor()
          // The block the follower starts from is not delivered as a head: take it as the first one.
          .then((head) => {
            if (head && !chain.head) chain.takeHead(head)
          })
          .catch(() => {})
          .finally(() => {
            chain.anchoring = false
          })
      }
      const key = `${name}\n${method}\n${canonicalParams(params ?? [])}`
      return (async (): Promise<CacheLookup> => {
        // A store that cannot answer (in time) is a miss, never a failed call.
        const entry = await read(key)
        if (entry && valid(chain, entry)) return { hit: true, json: entry.json }
        if (entry) remove(key, !outlived(chain, entry))
        const moves = chain.moves
        return {
          hit: false,
          store(answer) {
            const validity: CacheValidity | undefined = cachePolicy(
              method,
              params,
              answer.result,
              chain,
              override,
            )
            if (!validity) return
            const { block, head } = validity
            // The chain moved while the call was out: which side of the move the answer is from is unknown.
            if ((block || head) && chain.moves !== moves) return
            // A `latest` answer from a provider behind the head is that provider's past, not the head's.
            if (head && (chain.source.providerHead(answer.providerId) ?? -1) < head[0]) return
            const entry: CacheEntry = { json: answer.rawResult ?? JSON.stringify(answer.result) }
            if (block) {
              entry.block = block
              index(chain.byBlock, block[1], key)
            }
            if (head) {
              entry.head = head
              index(chain.byHead, head[1], key)
            }
            write(key, entry)
          },
        }
      })()
    },
  }
}
