import { createHash } from 'node:crypto'
import type { RedisConnection } from '@chainpulse/redis'
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit'

/** Counts of one client's window. */
interface Window {
  count: number
  resetAt: number
}

/**
 * Slots of one client's shared window this instance holds: the window's requests numbered `next` to
 * `last` are this instance's to hand out, without asking Redis.
 */
interface Lease {
  /** The client's key in Redis: the prefix and a hash of its key, made once per lease, not per request. */
  redisKey: string
  next: number
  last: number
  resetAt: number
  /** Slots the next lease asks for: 1 at each window's start, doubled each time a lease is used up. */
  size: number
  /** Requests waiting for the lease Redis is asked for; none while no lease is being taken. */
  waiting: ((current: number, ttl: number) => void)[] | undefined
}

/** Clients whose local windows (and leases) are kept at once; past it the oldest go. */
const MAX_LOCAL_CLIENTS = 10_000

/** Most slots one lease holds, at any limit. */
export const MAX_LEASE = 256

/**
 * Most slots one lease holds for a limit of `max`: a thirty-second of it (at most {@link MAX_LEASE}),
 * so small limits (under 64) are counted request by request, exactly as without leases.
 */
export function leaseCap(max: number): number {
  return Math.max(1, Math.min(MAX_LEASE, Math.floor(max / 32)))
}

// One round trip per lease: take up to ARGV[1] slots of the window (fewer near the limit; one once it is
// spent, which the request sees as a count past max), start the window on its first slot, and say how
// long it has left. Returns the last slot taken, how many, and the window's time left.
const LEASE = `
local want = tonumber(ARGV[1])
local max = tonumber(ARGV[3])
local taken = tonumber(redis.call('GET', KEYS[1]) or '0')
if taken + want > max then want = math.max(max - taken, 1) end
local current = redis.call('INCRBY', KEYS[1], want)
if current == want then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return { current, want, ttl }
`

/**
 * A `@fastify/rate-limit` store for a cluster: a fixed window per client counted in Redis, so every
 * instance draws on one budget. Each request takes the next slot of the shared window; an instance
 * takes slots from Redis in leases and hands them out locally, so a busy client costs one round trip
 * per lease, not per request. A lease starts at one slot per window and doubles each time it is used
 * up, to at most {@link leaseCap} (a thirty-second of the limit, at most 256; one slot under a limit of
 * 64, so small limits are exact). Slots are numbered across the cluster, so a client is never let
 * through more than `max` times per window; it may be refused early by the slots other instances hold
 * and it no longer uses there: at most, per other instance, the smaller of the cap and what it sent
 * there in that window. Once a request is past the limit, the instance refuses the client until the
 * window ends without asking Redis again (the window only fills further).
 *
 * When Redis fails (down, or slower than the connection's command timeout) a request without a slot is
 * counted in this process instead: during an outage each instance limits on its own (a client spread
 * over N instances gets up to N budgets) rather than not at all, and no request waits or fails for
 * Redis. Redis keys are `keyPrefix` + the SHA-256 of the client key (base64url): a client's key is an
 * API key, and Redis never holds one. The hash is made when a client's lease is created, not per request.
 *
 * @example
 * await app.register(rateLimit, { max: 100, timeWindow: 1_000, store: sharedRateLimitStore(client, 'chainpulse:ratelimit:') })
 */
export function sharedRateLimitStore(
  redis: Pick<RedisConnection['client'], 'eval'>,
  keyPrefix: string,
  now: () => number = Date.now,
): FastifyRateLimitStoreCtor {
  const local = new Map<string, Window>()
  const leases = new Map<string, Lease>()

  /** Sets `key` in a map bounded by {@link MAX_LOCAL_CLIENTS}, dropping the oldest past it. */
  function keep<T>(map: Map<string, T>, key: string, value: T): T {
    map.delete(key)
    if (map.size >= MAX_LOCAL_CLIENTS) map.delete(map.keys().next().value as string)
    map.set(key, value)
    return value
  }

  function countLocally(key: string, timeWindow: number): { current: number; ttl: number } {
    const at = now()
    let window = local.get(key)
    if (window === undefined || window.resetAt <= at)
      window = keep(local, key, { count: 0, resetAt: at + timeWindow })
    window.count++
    return { current: window.count, ttl: window.resetAt - at }
  }

  /** Asks Redis for the lease's next slots, then hands them to the waiting requests in order. */
  function take(key: string, lease: Lease, timeWindow: number, max: number): void {
    ;(redis.eval(LEASE, 1, lease.redisKey, lease.size, timeWindow, max) as Promise<number[]>).then(
      ([current, taken, ttl]) => {
        const at = now()
        lease.next = current! - taken! + 1
        // Past the limit, the window only fills further: refuse the rest of it here, without Redis.
        lease.last = current! > max ? Number.POSITIVE_INFINITY : current!
        lease.resetAt = at + ttl!
        if (lease.size === taken) lease.size = Math.min(lease.size * 2, leaseCap(max))
        const waiting = lease.waiting!
        let served = 0
        while (served < waiting.length && lease.next <= lease.last) waiting[served++]!(lease.next++, ttl!)
        lease.waiting = served < waiting.length ? waiting.slice(served) : undefined
        if (lease.waiting) take(key, lease, timeWindow, max)
      },
      () => {
        const waiting = lease.waiting!
        lease.waiting = undefined
        for (const serve of waiting) {
          const { current, ttl } = countLocally(key, timeWindow)
          serve(current, ttl)
        }
      },
    )
  }

  const store: FastifyRateLimitStore = {
    incr(key, callback, timeWindow, max) {
      const at = now()
      let lease = leases.get(key)
      if (lease === undefined || (lease.resetAt <= at && lease.waiting === undefined))
        lease = keep(leases, key, {
          redisKey: lease?.redisKey ?? `${keyPrefix}${createHash('sha256').update(key).digest('base64url')}`,
          next: 1,
          last: 0,
          resetAt: at,
          size: 1,
          waiting: undefined,
        })
      if (lease.waiting === undefined && lease.next <= lease.last && at < lease.resetAt) {
        callback(null, { current: lease.next++, ttl: lease.resetAt - at })
        return
      }
      const serve = (current: number, ttl: number) => callback(null, { current, ttl })
      if (lease.waiting) {
        lease.waiting.push(serve)
        return
      }
      lease.waiting = [serve]
      take(key, lease, timeWindow, max)
    },
    // The proxy's limit is global (one budget per client across routes): no per-route stores.
    child: () => store,
  }
  return class {
    constructor() {
      // biome-ignore lint/correctness/noConstructorReturn: the plugin constructs the store; all share one
      return store
    }
  } as unknown as FastifyRateLimitStoreCtor
}
