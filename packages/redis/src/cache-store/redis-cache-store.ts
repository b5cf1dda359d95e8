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
 * against its own view of the chain. Commands go to Redis in batches, one command each: each key's
 * last write (a store and a delete of one key in a batch send only the delete), then the reads, all in
 * one script call (reads alone: one MGET). A read has its batch sent at the end of the event-loop turn; writes wait up to 10 ms for one.
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
  connection.defineCommand('chainpulseCacheBatch', { lua: BATCH_SCRIPT })
  const counts = { hits: 0, misses: 0, failures: 0, malformed: 0, pending: 0 }
  let closed = false
  let next: Batch | undefined

  // Errors are counted where they reach a command; without a listener ioredis would log each one.
  connection.on('error', () => {})

  /**
   * The batch the next command joins, or `undefined` (a failure, counted) when it cannot be sent. A read
   * has the batch sent at the end of this turn of the event loop; writes alone wait up to
   * {@link WRITE_DELAY_MS} for a read to go with (no request waits on a write), so under load they cost
   * no socket write of their own. `pending` counts a command from here until Redis answers or the
   * connection drops, not until the timeout: a command that timed out still holds memory in ioredis
   * until then.
   */
  function join(read: boolean): Batch | undefined {
    if (closed || connection.status !== 'ready' || counts.pending >= maxPendingCommands) {
      counts.failures++
      return undefined
    }
    counts.pending++
    next ??= { commands: 0, reads: [], writes: new Map(), settle: [], sending: undefined }
    if (read && next.sending !== 'now') {
      clearTimeout(next.sending)
      next.sending = 'now'
      setImmediate(flush)
    } else if (next.sending === undefined) {
      next.sending = setTimeout(flush, WRITE_DELAY_MS)
    }
    next.commands++
    return next
  }

  /**
   * Sends every command of this turn of the event loop as one command: the writes (a key's last write
   * only: a store deleted in the same turn is never sent) and then the reads in one script call, or the
   * reads alone as one MGET. One timer bounds the whole batch; past it reads miss and writes are given up.
   */
  function flush(): void {
    const batch = next
    if (batch === undefined) return
    next = undefined
    if (batch.sending !== 'now') clearTimeout(batch.sending)
    let answered = false
    const finish = (outcome: Outcome | undefined) => {
      if (answered) return
      answered = true
      clearTimeout(timer)
      if (outcome === undefined) counts.failures += batch.commands
      else counts.failures += outcome.failedWrites + (outcome.values ? 0 : batch.reads.length)
      for (const [index, read] of batch.reads.entries()) read.resolve(outcome?.values?.[index])
      for (const settle of batch.settle) settle()
    }
    const timer = setTimeout(finish, timeoutMs, undefined)
    const answer = closed ? Promise.reject(new Error('closed')) : send(batch)
    answer.then(
      (outcome) => {
        counts.pending -= batch.commands
        finish(outcome)
      },
      () => {
        counts.pending -= batch.commands
        finish(undefined)
      },
    )
  }

  async function send(batch: Batch): Promise<Outcome> {
    const keys = batch.reads.map((read) => read.key)
    if (batch.writes.size === 0) return { values: await connection.mget(keys), failedWrites: 0 }
    // The whole batch as one script call, however many entries the turn stored and read: one command
    // for ioredis to build and Redis to answer (a pipeline of two costs ioredis more than the request).
    const args: (string | number)[] = [batch.writes.size + keys.length, ...batch.writes.keys(), ...keys]
    args.push(batch.writes.size)
    for (const write of batch.writes.values())
      args.push(write.value ?? '', write.value === undefined ? 0 : write.ttl)
    try {
      const values = await (connection as unknown as BatchWriter).chainpulseCacheBatch(...args)
      return { values: Array.isArray(values) ? values : undefined, failedWrites: 0 }
    } catch {
      return { values: undefined, failedWrites: writeCalls(batch) }
    }
  }

  /** Queues a write of `key`: a SET of `value` for `ttl` seconds, or a DEL without a value. */
  function write(key: string, value?: string, ttl = 0): Promise<void> {
    const batch = join(false)
    if (!batch) return Promise.resolve()
    const calls = (batch.writes.get(keyPrefix + key)?.calls ?? 0) + 1
    // Deleting re-inserts, so a key's last write goes last; a store and a delete of one key in a turn
    // leave only the delete.
    batch.writes.delete(keyPrefix + key)
    batch.writes.set(keyPrefix + key, { value, ttl, calls })
    return new Promise((resolve) => batch.settle.push(resolve))
  }

  function ttlOf(entry: CacheEntry): number {
    if (entry.head) return ttlSeconds.head
    if (entry.block) return ttlSeconds.block
    return ttlSeconds.immutable
  }

  return {
    async get(key) {
      const batch = join(true)
      // `null` is Redis's "no such key", `undefined` a failure: both a miss.
      const text = batch
        ? await new Promise<unknown>((resolve) => batch.reads.push({ key: keyPrefix + key, resolve }))
        : undefined
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
    set(key, entry) {
      let text: string
      try {
        text = encodeEntry(entry)
      } catch {
        // An entry that cannot be encoded (say, a bigint smuggled into `block`): a failed write, not a throw.
        counts.failures++
        return Promise.resolve()
      }
      return write(key, text, ttlOf(entry))
    },
    delete(key) {
      return write(key)
    },
    status() {
      return { connected: !closed && connection.status === 'ready', ...counts }
    },
    async close() {
      if (closed) return
      // Writes waiting for a read go now, ahead of the QUIT.
      flush()
      closed = true
      await disconnect(connection)
    },
  }
}

/**
 * Stores (or deletes) every key a batch writes, then reads the keys it reads, in one call. KEYS: the
 * keys written, then the keys read; ARGV: how many keys are written, then each written key's value and
 * TTL in seconds, in order, a TTL of 0 deleting the key. Answers the values read, in order (nil for a
 * missing key). Writes go first, so a read of a key written in the same batch sees that write; the reads
 * go as MGETs of at most 1,000 keys (Lua's `unpack` has a limit). Keys are declared, so Redis Cluster
 * would only need them in one slot. Sent as EVALSHA once Redis has seen it (ioredis resends it as EVAL
 * on NOSCRIPT).
 */
const BATCH_SCRIPT = `
local writes = tonumber(ARGV[1])
for i = 1, writes do
  local ttl = ARGV[2 * i + 1]
  if ttl == '0' then redis.call('DEL', KEYS[i]) else redis.call('SET', KEYS[i], ARGV[2 * i], 'EX', ttl) end
end
local values = {}
for first = writes + 1, #KEYS, 1000 do
  for _, value in ipairs(redis.call('MGET', unpack(KEYS, first, math.min(first + 999, #KEYS)))) do
    values[#values + 1] = value
  end
end
return values
`

/** The connection with {@link BATCH_SCRIPT} defined on it (ioredis adds the method at run time). */
interface BatchWriter {
  chainpulseCacheBatch(...args: (string | number)[]): Promise<unknown>
}

/** How many stores and deletes a batch's writes stand for (a key written twice counts twice). */
function writeCalls(batch: Batch): number {
  let calls = 0
  for (const write of batch.writes.values()) calls += write.calls
  return calls
}

/** Longest wait of writes for a read to share a socket write with (ms): how late another instance may see them. */
const WRITE_DELAY_MS = 10

/** What Redis answered a batch: the reads' values in order (`undefined` if the MGET failed), failed writes. */
interface Outcome {
  values: readonly unknown[] | undefined
  failedWrites: number
}

/** The commands one turn of the event loop issued, sent together. */
interface Batch {
  /** Commands joined (each read, each write, a key written twice counts twice). */
  commands: number
  /** Each read, resolved with what MGET found at its place (`undefined` when it failed). */
  reads: { key: string; resolve: (value: unknown) => void }[]
  /** Each key's last write (a DEL without a `value`), in the order of their last writes. */
  writes: Map<string, { value: string | undefined; ttl: number; calls: number }>
  settle: (() => void)[]
  /** `now` once a read has the batch sent at the end of this turn; the timer of writes waiting for one. */
  sending: 'now' | NodeJS.Timeout | undefined
}
