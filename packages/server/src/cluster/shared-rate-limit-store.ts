import type { RedisConnection } from '@chainpulse/redis'
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit'

/** Counts of one client's window. */
interface Window {
  count: number
  resetAt: number
}

/** Clients whose local windows are kept at once while Redis is away; past it the oldest go. */
const MAX_LOCAL_CLIENTS = 10_000

// One round trip per request: count, start the window on its first request, say how long it has left.
const INCREMENT = `
local current = redis.call('INCR', KEYS[1])
if current == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { current, ttl }
`

/**
 * A `@fastify/rate-limit` store for a cluster: a fixed window per client counted in Redis, so every
 * instance draws on one budget. When Redis fails (down, or slower than the connection's command
 * timeout) the request is counted in this process instead: during an outage each instance limits on
 * its own (a client spread over N instances gets up to N budgets) rather than not at all, and no
 * request waits or fails for Redis. Redis keys are `keyPrefix` + the client key (hashed by the caller).
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

  function countLocally(key: string, timeWindow: number): { current: number; ttl: number } {
    const at = now()
    let window = local.get(key)
    if (window === undefined || window.resetAt <= at) {
      window = { count: 0, resetAt: at + timeWindow }
      local.delete(key)
      if (local.size >= MAX_LOCAL_CLIENTS) local.delete(local.keys().next().value as string)
      local.set(key, window)
    }
    window.count++
    return { current: window.count, ttl: window.resetAt - at }
  }

  const store: FastifyRateLimitStore = {
    incr(key, callback, timeWindow) {
      ;(redis.eval(INCREMENT, 1, `${keyPrefix}${key}`, timeWindow) as Promise<[number, number]>).then(
        ([current, ttl]) => callback(null, { current, ttl }),
        () => callback(null, countLocally(key, timeWindow)),
      )
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
