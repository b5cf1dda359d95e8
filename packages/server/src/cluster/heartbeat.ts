import type { Clock, TimerHandle } from '@chainpulse/core'
import type { RedisConnection } from '@chainpulse/redis'

/** What one instance says about itself in its heartbeat, and `GET /api/cluster` shows. */
export interface InstanceHeartbeat {
  instanceId: string
  /** Unix epoch ms the instance started. */
  startedAt: number
  /** Unix epoch ms of this heartbeat. */
  lastSeenAt: number
  /** Its `@chainpulse/server` version. */
  version: string
  /** Client calls it answered per second, over the last 10 s (its own, not the cluster's). */
  requestsPerSecond: number
  /** Its providers in rotation, as its own pool judges them. */
  providers: { healthy: number; total: number }
}

/** The cluster's instances as last read from Redis. */
export interface ClusterMembers {
  /** Every instance with a live heartbeat, this one first, then by id. */
  instances: (InstanceHeartbeat & { self: boolean })[]
  /**
   * True when the last read failed (Redis down or slow): `instances` is the last list read, this
   * instance's own entry excepted (always current).
   */
  stale: boolean
  /** Unix epoch ms of the last successful read; null before the first. */
  readAt: number | null
}

/** Options of {@link startHeartbeat}. */
export interface HeartbeatOptions {
  /** A connection of the instance's own (its commands must not wait behind a subscriber's). */
  redis: Pick<RedisConnection['client'], 'set' | 'sadd' | 'pexpire' | 'smembers' | 'srem' | 'mget'>
  /** Heartbeat keys are `<keyPrefix>instance:<instanceId>`, listed in the set `<keyPrefix>instances`. */
  keyPrefix: string
  instanceId: string
  intervalMs: number
  /** This instance's current figures (called once per beat). */
  report(): Omit<InstanceHeartbeat, 'lastSeenAt' | 'instanceId'>
  clock: Clock
  /** Wall-clock time for `lastSeenAt` (instances compare it). @default Date.now */
  now?: () => number
}

/** A running heartbeat. */
export interface Heartbeat {
  /** The instances as last read, with this one's entry current. */
  members(): ClusterMembers
  /** Writes this instance's heartbeat and reads everyone's now (the timer does it every interval). */
  beat(): Promise<void>
  /** Stops the timer; the key expires by itself (three intervals), so nothing is deleted on the way out. */
  stop(): void
}

/** Keys expire after this many missed beats, so a crashed instance leaves the list by itself. */
const TTL_BEATS = 3

/**
 * Starts the instance's heartbeat: every `intervalMs` it writes its figures under its own key, with a TTL
 * of three intervals, adds its id to the cluster's index set, and reads the key of every id listed there;
 * an id whose key has expired (the instance stopped beating) is taken out of the index. The index, not a
 * SCAN of the keyspace, so a beat costs the same however many entries the shared cache holds. A beat that fails (Redis down, slow) changes
 * nothing but `stale`: the last list read stays, and the next beat tries again — there is nothing to
 * reconnect here, the connection does that by itself.
 *
 * @example
 * const heartbeat = startHeartbeat({ redis, keyPrefix: 'chainpulse:', instanceId, intervalMs: 2_000, report, clock })
 * heartbeat.members().instances.length // instances alive in the cluster
 */
export function startHeartbeat(options: HeartbeatOptions): Heartbeat {
  const { redis, instanceId, intervalMs, clock } = options
  const now = options.now ?? Date.now
  const pattern = `${options.keyPrefix}instance:`
  const ownKey = `${pattern}${instanceId}`
  const index = `${options.keyPrefix}instances`
  let others: InstanceHeartbeat[] = []
  let stale = true
  let readAt: number | null = null
  let timer: TimerHandle | undefined
  let inFlight: Promise<void> | undefined
  let stopped = false

  const current = (): InstanceHeartbeat => ({ instanceId, ...options.report(), lastSeenAt: now() })

  async function readAll(): Promise<InstanceHeartbeat[]> {
    const ids = await redis.smembers(index)
    if (ids.length === 0) return []
    const values = await redis.mget(...ids.map((id) => `${pattern}${id}`))
    const gone = ids.filter((_id, at) => values[at] === null)
    // An instance that beats again adds itself back at its next beat.
    if (gone.length) await redis.srem(index, ...gone)
    return values.flatMap((value) => {
      const heartbeat = value === null ? undefined : decode(value)
      return heartbeat ? [heartbeat] : []
    })
  }

  async function beat(): Promise<void> {
    try {
      const ttl = intervalMs * TTL_BEATS
      await redis.set(ownKey, JSON.stringify(current()), 'PX', ttl)
      await redis.sadd(index, instanceId)
      // The index outlives the last instance that beats by a TTL, no longer.
      await redis.pexpire(index, ttl)
      others = (await readAll()).filter((heartbeat) => heartbeat.instanceId !== instanceId)
      stale = false
      readAt = now()
    } catch {
      // Redis down or slow: keep the last list, say it is stale; the next beat tries again.
      stale = true
    }
  }

  function schedule(): void {
    if (stopped) return
    timer = clock.setTimeout(() => {
      inFlight = beat().finally(() => {
        inFlight = undefined
        schedule()
      })
    }, intervalMs)
  }
  inFlight = beat().finally(() => {
    inFlight = undefined
    schedule()
  })

  return {
    members() {
      const sorted = [...others].sort((a, b) => a.instanceId.localeCompare(b.instanceId))
      return {
        instances: [{ ...current(), self: true }, ...sorted.map((other) => ({ ...other, self: false }))],
        stale,
        readAt,
      }
    },
    beat: () => inFlight ?? beat(),
    stop() {
      stopped = true
      if (timer !== undefined) clock.clearTimeout(timer)
    },
  }
}

function decode(text: string): InstanceHeartbeat | undefined {
  try {
    const value = JSON.parse(text) as Partial<InstanceHeartbeat>
    if (typeof value.instanceId !== 'string' || typeof value.lastSeenAt !== 'number') return undefined
    return {
      instanceId: value.instanceId,
      startedAt: Number(value.startedAt) || 0,
      lastSeenAt: value.lastSeenAt,
      version: String(value.version ?? ''),
      requestsPerSecond: Number(value.requestsPerSecond) || 0,
      providers: {
        healthy: Number(value.providers?.healthy) || 0,
        total: Number(value.providers?.total) || 0,
      },
    }
  } catch {
    return undefined
  }
}
