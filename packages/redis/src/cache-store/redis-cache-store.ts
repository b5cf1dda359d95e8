import type { CacheEntry, CacheStore } from '@chainpulse/core'
import * as z from 'zod/mini'
import { connect, disconnect } from '../connection/connect.js'
import { parseOptions } from '../options/parse-options.js'
import { type RedisTarget, redisTargetSchema } from '../options/schemas.js'
import { decodeEntry, encodeEntry } from './entry-codec.js'

/** How long Redis keeps an entry, by what the entry is valid for (seconds). */
export interface CacheTtlSeconds {
  /** Entries tied to the head (`latest` answers): stale after the next block anyway. @default 60 */
  head?: number
  /** Entries tied to a block hash: kept while the block may still be reorged away, and a while after. @default 86400 (1 day) */
  block?: number
  /** Entries tied to nothing (final blocks, `eth_chainId`): they never change. @default 604800 (7 days) */
  immutable?: number
}

/** Options of {@link createRedisCacheStore}. */
export interface RedisCacheStoreOptions {
  /**
   * Where Redis is: a `redis://` URL, or an ioredis client whose settings (host, credentials, TLS,
   * database) are copied into the store's own connection. The client itself is left alone.
   */
  redis: RedisTarget
  /** Prefix of every key the store writes, so one Redis can hold other data too. @default "chainpulse:cache:" */
  keyPrefix?: string
  /** Expiry of each entry by its shape; Redis's own eviction policy still applies on top. */
  ttlSeconds?: CacheTtlSeconds
  /**
   * Longest wait for one Redis command; past it a read is a miss and a write is given up, so a hung
   * Redis cannot hold a request. @default 100
   */
  timeoutMs?: number
  /**
   * Most commands waiting for Redis at once; past it reads miss and writes are skipped at once, so a hung
   * Redis costs bounded memory. @default 1000
   */
  maxPendingCommands?: number
}

/** Counters of a {@link RedisCacheStore} since it was created. */
export interface RedisCacheStoreStatus {
  /** The connection to Redis is up. */
  connected: boolean
  /** Reads that found an entry. */
  hits: number
  /** Reads that found nothing (or something that was not an entry, counted in `malformed` too). */
  misses: number
  /** Commands that failed, timed out or were not sent (Redis down, too many pending): reads among them missed. */
  failures: number
  /** Stored values that were not an entry; treated as misses. */
  malformed: number
  /** Commands sent and not yet answered by Redis (at most `maxPendingCommands`). */
  pending: number
}

/** A {@link CacheStore} in Redis, shared by every instance that uses the same Redis and prefix. */
export interface RedisCacheStore extends CacheStore {
  get(key: string): Promise<CacheEntry | undefined>
  set(key: string, entry: CacheEntry): Promise<void>
  delete(key: string): Promise<void>
  /** What the store has done so far, and whether it is connected now. */
  status(): RedisCacheStoreStatus
  /** Closes the connection; later reads miss and writes are skipped. Never rejects. */
  close(): Promise<void>
}

const seconds = z.number().check(z.int(), z.positive(), z.lte(365 * 86_400))
const optionsSchema = z.strictObject({
  redis: redisTargetSchema,
  keyPrefix: z._default(z.string(), 'chainpulse:cache:'),
  ttlSeconds: z._default(
    z.strictObject({
      head: z._default(seconds, 60),
      block: z._default(seconds, 86_400),
      immutable: z._default(seconds, 7 * 86_400),
    }),
    { head: 60, block: 86_400, immutable: 7 * 86_400 },
  ),
  timeoutMs: z._default(z.number().check(z.int(), z.positive(), z.lte(60_000)), 100),
  maxPendingCommands: z._default(z.number().check(z.int(), z.positive(), z.lte(1_000_000)), 1_000),
})

/**
 * Creates a {@link CacheStore} in Redis, for a response cache shared by the instances of a cluster (pass
 * it as `createResponseCache({ store })`). Each entry expires by its shape: head-scoped ones soon,
 * block-scoped ones later, the rest (final, immutable answers) last. Redis failing never fails a
 * request: a read that cannot be answered within `timeoutMs` is a miss, a write is given up, both
 * counted in `status()`. Sharing cannot serve a stale answer: the cache checks every entry it reads
 * against its own view of the chain.
 *
 * @throws {ConfigError} when an option is invalid.
 * @example
 * const store = createRedisCacheStore({ redis: 'redis://127.0.0.1:6379' })
 * const cache = createResponseCache({ store })
 * // on shutdown
 * await store.close()
 */
export function createRedisCacheStore(options: RedisCacheStoreOptions): RedisCacheStore {
  const config = parseOptions(optionsSchema, options, 'Redis cache store options')
  const { keyPrefix, ttlSeconds, timeoutMs, maxPendingCommands } = config
  const connection = connect(config.redis, 'chainpulse:cache')
  const counts = { hits: 0, misses: 0, failures: 0, malformed: 0, pending: 0 }
  let closed = false

  // Errors are counted where they reach a command; without a listener ioredis would log each one.
  connection.on('error', () => {})

  /**
   * Runs one command within `timeoutMs`; resolves `undefined` (and counts a failure) when it fails, times
   * out or is not sent. `pending` counts the command until Redis answers or the connection drops, not
   * until the timeout: a command that timed out still holds memory in ioredis until then.
   */
  function run<T>(send: () => Promise<T>): Promise<T | undefined> {
    if (closed || connection.status !== 'ready' || counts.pending >= maxPendingCommands) {
      counts.failures++
      return Promise.resolve(undefined)
    }
    let sent: Promise<T>
    try {
      sent = send()
    } catch {
      // An entry that cannot be encoded (say, a bigint smuggled into `block`): a failed write, not a throw.
      counts.failures++
      return Promise.resolve(undefined)
    }
    counts.pending++
    const answer = sent.then(
      (value) => ({ value }),
      () => undefined,
    )
    answer.then(() => {
      counts.pending--
    })
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(resolve, timeoutMs, undefined)
    })
    return Promise.race([answer, timeout]).then((outcome) => {
      clearTimeout(timer)
      if (outcome === undefined) counts.failures++
      return outcome?.value
    })
  }

  function ttlOf(entry: CacheEntry): number {
    if (entry.head) return ttlSeconds.head
    if (entry.block) return ttlSeconds.block
    return ttlSeconds.immutable
  }

  return {
    async get(key) {
      // `null` is Redis's "no such key", `undefined` a failure: both a miss.
      const text = await run(() => connection.get(keyPrefix + key))
      if (typeof text !== 'string') {
        counts.misses++
        return undefined
      }
      const entry = decodeEntry(text)
      if (!entry) {
        counts.malformed++
        counts.misses++
        return undefined
      }
      counts.hits++
      return entry
    },
    async set(key, entry) {
      await run(() => connection.set(keyPrefix + key, encodeEntry(entry), 'EX', ttlOf(entry)))
    },
    async delete(key) {
      await run(() => connection.del(keyPrefix + key))
    },
    status() {
      return { connected: !closed && connection.status === 'ready', ...counts }
    },
    async close() {
      if (closed) return
      closed = true
      await disconnect(connection)
    },
  }
}
