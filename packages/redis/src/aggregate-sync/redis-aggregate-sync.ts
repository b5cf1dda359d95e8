import { randomUUID } from 'node:crypto'
import {
  type BenchmarkStore,
  type Clock,
  createBenchmarkStore,
  type MergeBenchmarkSnapshotsOptions,
  mergeBenchmarkSnapshots,
  type ScoreFunction,
  systemClock,
} from '@chainpulse/core'
import * as z from 'zod/mini'
import { connect, disconnect } from '../connection/connect.js'
import { parseOptions } from '../options/parse-options.js'
import { callbackSchema, type RedisTarget, redisTargetSchema } from '../options/schemas.js'
import { decodeShared, encodeShared, type SharedAggregates, shareable } from './shared-snapshot.js'
import { exchange, syncKeys } from './sync-script.js'

/** What the cluster view answers: the all-history reads of a {@link BenchmarkStore}. */
export type AggregateView = Pick<
  BenchmarkStore,
  'leaderboard' | 'raceStats' | 'raceStatsByEventType' | 'marginStats' | 'rpcStats' | 'chains'
>

/** Options of {@link createRedisAggregateSync}. */
export interface RedisAggregateSyncOptions {
  /**
   * Where Redis is: a `redis://` URL, or an ioredis client whose settings (host, credentials, TLS,
   * database) are copied into the sync's own connection. The client itself is left alone.
   */
  redis: RedisTarget
  /** This instance's id, unique in the cluster: two live instances with one id hide each other. */
  instanceId: string
  /** This instance's own store (`pool.store`): what it shares. Only `snapshot({ maxEntries: 0 })` is called. */
  store: Pick<BenchmarkStore, 'snapshot'>
  /**
   * Ranks the cluster leaderboard: pass the local store's `score` option if it has one, so both rank
   * alike. @default defaultScore
   */
  score?: ScoreFunction
  /** How often this instance shares its aggregates and reads the others'. @default 2000 */
  intervalMs?: number
  /**
   * How long an instance's aggregates outlive its last sync: an instance that stops (or loses Redis)
   * drops out of the others' views after this. More than `intervalMs`. @default 5 × intervalMs
   */
  ttlMs?: number
  /** Prefix of every key the sync writes, so one Redis can hold other data (and other clusters). @default "chainpulse:aggregates:" */
  keyPrefix?: string
  /** Longest wait for one sync's Redis round trip; past it the sync counts as failed. @default 1000 */
  timeoutMs?: number
  /** Drives the sync timer and stamps `lastSyncAt`. @default systemClock */
  clock?: Clock
  /** Receives sync errors, once per distinct error until a sync succeeds. @default logs with `console.warn` */
  onError?: (error: unknown) => void
}

/** What a {@link RedisAggregateSync} has done so far. */
export interface RedisAggregateSyncStatus {
  /** Both connections to Redis are up (the one that syncs, and the one that hears the others' syncs). */
  connected: boolean
  /**
   * `cluster`: the last sync succeeded and the view holds every live instance. `local`: it failed (or
   * none has run yet), so the view holds this instance's figures only.
   */
  scope: 'cluster' | 'local'
  /** Other instances in the view (from the last successful sync, and what they published since). */
  others: number
  /** Their ids, sorted. */
  peers: string[]
  /** Syncs that wrote and read Redis. */
  syncs: number
  /** Syncs that failed or timed out (Redis down, slow, or the connection not ready). */
  failures: number
  /** Other instances' values merged as they published them, between this instance's own syncs. */
  peerUpdates: number
  /** Stored values of other instances that were not valid aggregates; left out of the view. */
  malformed: number
  /** Bytes of the value this instance wrote last (deflated JSON). */
  sharedBytes: number
  /** Clock time of the last successful sync. */
  lastSyncAt: number | undefined
  /** The last failed sync's error message and clock time (kept after later successes). */
  lastError: { message: string; at: number } | undefined
}

/** Shares a store's aggregates through Redis and merges every instance's into one view. */
export interface RedisAggregateSync {
  /**
   * The cluster's figures: this instance's live store merged with every other live instance's latest
   * shared aggregates (this instance's alone while Redis is unreachable). Rebuilt at most once per sync
   * and once per value another instance publishes; between them the same view is returned. `recent()`
   * is not part of it: routing is per instance.
   */
  clusterStore(): AggregateView
  /** Ids of the instances in the view: this one first, then the others sorted. */
  instances(): string[]
  /** Shares and reads now, as the timer does; resolves when done. Never rejects. */
  syncNow(): Promise<void>
  status(): RedisAggregateSyncStatus
  /**
   * Stops the timer and closes the connection; this instance's figures stay in Redis until their TTL.
   * Never rejects.
   */
  close(): Promise<void>
}

const clockSchema = z.custom<Clock>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Clock).now === 'function' &&
    typeof (value as Clock).setTimeout === 'function' &&
    typeof (value as Clock).clearTimeout === 'function',
  'expected a Clock (now, setTimeout and clearTimeout functions)',
)
const milliseconds = z.number().check(z.int(), z.positive(), z.lte(86_400_000))
const optionsSchema = z
  .strictObject({
    redis: redisTargetSchema,
    instanceId: z.string().check(z.minLength(1, 'expected a non-empty instance id')),
    store: z.custom<Pick<BenchmarkStore, 'snapshot'>>(
      (value) =>
        typeof value === 'object' &&
        value !== null &&
        typeof (value as BenchmarkStore).snapshot === 'function',
      'expected a BenchmarkStore (a snapshot function)',
    ),
    score: callbackSchema<ScoreFunction>(),
    intervalMs: z._default(milliseconds, 2_000),
    ttlMs: z.optional(milliseconds),
    keyPrefix: z._default(z.string(), 'chainpulse:aggregates:'),
    timeoutMs: z._default(milliseconds, 1_000),
    clock: z.optional(clockSchema),
    onError: callbackSchema<(error: unknown) => void>(),
  })
  .check(
    z.refine((options) => options.ttlMs === undefined || options.ttlMs > options.intervalMs, {
      message: 'ttlMs must be more than intervalMs, or every instance drops out between syncs',
      path: ['ttlMs'],
    }),
  )

/**
 * The view's limits: the largest a store allows, so N instances' names (each instance bounded by its
 * own store's limits) fit without being folded into 'other'.
 */
const VIEW_LIMITS = {
  maxEntriesPerChain: 10,
  maxChains: 1_000,
  maxProvidersPerChain: 1_000,
  maxMethodsPerChain: 1_000,
  maxStrategiesPerChain: 1_000,
  maxEventTypesPerChain: 1_000,
} satisfies MergeBenchmarkSnapshotsOptions

function logError(error: unknown): void {
  console.warn('ChainPulse: Redis aggregate sync:', error)
}

/**
 * Shares race and RPC aggregates between the instances of a cluster, so `leaderboard`, `rpcStats` and
 * `marginStats` on any instance cover all of them within one interval. Every `intervalMs` the instance
 * overwrites its own key with its store's cumulative aggregates (a TTL of `ttlMs`), publishes them on
 * the sync channel and reads the others' latest; every instance subscribed to the channel merges a
 * published value as it arrives, so a record shows on every instance once its own instance has synced
 * (within one interval, plus a Redis round trip), not at the reader's next sync.
 * {@link RedisAggregateSync.clusterStore} merges the others' latest with its own live store. Counts
 * cannot double: each instance's figures enter the view once, as its latest whole value (a newer one
 * replaces it, an older one arriving late is ignored), never as increments, and its own come from the
 * live store, never from Redis.
 *
 * Redis failing never reaches the caller: a failed sync is counted, and the view falls back to this
 * instance's figures (`status().scope === 'local'`) until a sync succeeds again.
 *
 * @throws {ConfigError} when an option is invalid.
 * @example
 * const sync = createRedisAggregateSync({ redis: 'redis://127.0.0.1:6379', instanceId: 'proxy-1', store: pool.store })
 * sync.clusterStore().leaderboard('ethereum') // every instance's races
 * // on shutdown
 * await sync.close()
 */
export function createRedisAggregateSync(options: RedisAggregateSyncOptions): RedisAggregateSync {
  const config = parseOptions(optionsSchema, options, 'Redis aggregate sync options')
  const { instanceId, store, intervalMs, timeoutMs } = config
  const ttlMs = config.ttlMs ?? 5 * intervalMs
  const clock = config.clock ?? systemClock
  const onError = config.onError ?? logError
  const keys = syncKeys(config.keyPrefix)
  const connection = connect(config.redis, `chainpulse:aggregates:${instanceId}`)
  // A connection in subscriber mode cannot send the sync's script, hence two.
  const subscriber = connect(config.redis, `chainpulse:aggregates-sub:${instanceId}`)
  // Failures are counted per sync; without a listener ioredis would log every reconnection attempt.
  connection.on('error', () => {})
  subscriber.on('error', () => {})

  /** How this instance's published values start (`<instance id>\n`), so it skips its own. */
  const ownPrefix = Buffer.from(`${instanceId}\n`)
  const run = randomUUID()
  let written = 0
  let subscribed = false
  const counts = { syncs: 0, failures: 0, malformed: 0, sharedBytes: 0, peerUpdates: 0 }
  let lastSyncAt: number | undefined
  let lastError: { message: string; at: number } | undefined
  let scope: 'cluster' | 'local' = 'local'
  /**
   * The other instances' latest aggregates, by id: as of the last successful sync, updated by what they
   * published since.
   */
  let others = new Map<string, SharedAggregates>()
  /** Ids whose value a published message brought while a sync was in flight (the sync's read may predate it). */
  const arrivedDuringSync = new Set<string>()
  let view: AggregateView | undefined
  let running: Promise<void> | undefined
  let timer: unknown
  let closed = false
  const reported = new Set<string>()

  function report(error: unknown): void {
    const key = error instanceof Error ? error.message : String(error)
    if (reported.has(key)) return
    reported.add(key)
    try {
      onError(error)
    } catch {
      // A throwing error handler must not stop the sync.
    }
  }

  /** Resolves with the others' stored values, or throws when Redis is not there in time. */
  async function roundTrip(value: Buffer): Promise<Buffer[]> {
    if (connection.status !== 'ready') throw new Error(`Redis connection is ${connection.status}`)
    let timeout: NodeJS.Timeout | undefined
    const late = new Promise<never>((_, reject) => {
      timeout = setTimeout(() => reject(new Error(`Redis did not answer within ${timeoutMs} ms`)), timeoutMs)
    })
    try {
      return await Promise.race([exchange(connection, keys, instanceId, value, ttlMs), late])
    } finally {
      clearTimeout(timeout)
    }
  }

  /** Decodes and checks another instance's value; `undefined` (counted) when it is not aggregates. */
  async function accept(stored: Buffer): Promise<SharedAggregates | undefined> {
    const shared = await decodeShared(stored)
    try {
      if (shared === undefined) throw new Error('not aggregates')
      // Checks the snapshot's layout once here, so the view's merge cannot fail on it.
      mergeBenchmarkSnapshots([shared.snapshot], VIEW_LIMITS)
      return shared
    } catch {
      counts.malformed++
      return undefined
    }
  }

  /** The later of two values of one instance: a value of the same run with a lower count is an old one. */
  function latest(held: SharedAggregates | undefined, incoming: SharedAggregates): SharedAggregates {
    return held !== undefined && held.run === incoming.run && held.seq > incoming.seq ? held : incoming
  }

  async function sync(): Promise<void> {
    arrivedDuringSync.clear()
    try {
      const snapshot = shareable(store.snapshot({ maxEntries: 0 }))
      const value = await encodeShared({ instanceId, run, seq: ++written, snapshot })
      counts.sharedBytes = value.length
      const read = new Map<string, SharedAggregates>()
      for (const stored of await roundTrip(value)) {
        const shared = await accept(stored)
        if (shared !== undefined && shared.instanceId !== instanceId) read.set(shared.instanceId, shared)
      }
      // What the read found replaces what was held, unless a value published during the round trip is newer.
      for (const id of arrivedDuringSync) {
        const held = others.get(id)
        if (held !== undefined) read.set(id, latest(read.get(id), held))
      }
      others = read
      scope = 'cluster'
      counts.syncs++
      lastSyncAt = clock.now()
      reported.clear()
    } catch (error) {
      // Stale figures of others would stay in the view forever: show this instance's own instead.
      others = new Map()
      scope = 'local'
      counts.failures++
      lastError = { message: error instanceof Error ? error.message : String(error), at: clock.now() }
      report(error)
    }
    arrivedDuringSync.clear()
    // The view is rebuilt on its next read, so local figures refresh once per sync even without Redis.
    view = undefined
  }

  /** Merges a value another instance just wrote, so it shows here without waiting for this one's sync. */
  async function received(message: Buffer): Promise<void> {
    if (message.subarray(0, ownPrefix.length).equals(ownPrefix)) return
    const newline = message.indexOf(10)
    const shared = newline === -1 ? undefined : await accept(message.subarray(newline + 1))
    // Until a sync succeeds the view is this instance's own (Redis away): a lone value would not change that.
    if (closed || shared === undefined || shared.instanceId === instanceId || scope !== 'cluster') return
    const next = latest(others.get(shared.instanceId), shared)
    if (next !== shared) return
    others.set(shared.instanceId, shared)
    if (running !== undefined) arrivedDuringSync.add(shared.instanceId)
    counts.peerUpdates++
    view = undefined
  }

  function syncNow(): Promise<void> {
    // One sync at a time: a caller during a sync waits for that one rather than starting another.
    running ??= sync().finally(() => {
      running = undefined
    })
    return running
  }

  function schedule(): void {
    if (closed) return
    timer = clock.setTimeout(() => {
      syncNow().then(schedule)
    }, intervalMs)
  }

  function build(): AggregateView {
    const merged = mergeBenchmarkSnapshots(
      [shareable(store.snapshot({ maxEntries: 0 })), ...[...others.values()].map((other) => other.snapshot)],
      VIEW_LIMITS,
    )
    const cluster = createBenchmarkStore(
      config.score === undefined ? VIEW_LIMITS : { ...VIEW_LIMITS, score: config.score },
    )
    cluster.restore(merged)
    return {
      leaderboard: (chain) => cluster.leaderboard(chain),
      raceStats: (chain, providerId, eventType) => cluster.raceStats(chain, providerId, eventType),
      raceStatsByEventType: (chain) => cluster.raceStatsByEventType(chain),
      marginStats: (chain, providerId, eventType) => cluster.marginStats(chain, providerId, eventType),
      rpcStats: (chain, groupBy) => cluster.rpcStats(chain, groupBy),
      chains: () => cluster.chains(),
    }
  }

  // First sync at once, so a new instance joins the others' views without waiting an interval.
  connection.once('ready', () => {
    if (!closed && lastSyncAt === undefined) void syncNow()
  })
  // Subscriptions are not renewed by ioredis here (see connect): subscribe on every (re)connection.
  subscriber.on('ready', () => {
    subscriber.subscribe(keys.channel).then(
      () => {
        subscribed = true
      },
      () => {},
    )
  })
  subscriber.on('close', () => {
    subscribed = false
  })
  subscriber.on('messageBuffer', (_channel: Buffer, message: Buffer) => {
    void received(message)
  })
  schedule()

  return {
    clusterStore() {
      view ??= build()
      return view
    },
    instances: () => [instanceId, ...[...others.keys()].sort()],
    syncNow,
    status: () => ({
      connected: !closed && connection.status === 'ready' && subscribed,
      scope,
      others: others.size,
      peers: [...others.keys()].sort(),
      ...counts,
      lastSyncAt,
      lastError,
    }),
    async close() {
      if (closed) return
      closed = true
      clock.clearTimeout(timer)
      await running
      await Promise.all([disconnect(connection), disconnect(subscriber)])
    },
  }
}
