import { type Clock, systemClock } from '@chainpulse/core'

/** Options of {@link createUpgradeLimiter}. */
export interface UpgradeLimiterOptions {
  /** Connections open at once; upgrades past it are refused. */
  maxConnections: number
  /** Upgrade attempts per client IP per window; `false` turns the rate limit off. */
  rateLimit: false | { max: number; timeWindowMs: number }
  /** Times the rate-limit windows. @default systemClock */
  clock?: Clock
  /** Client IPs tracked in one window; attempts from further IPs are let through uncounted. @default 100000 */
  maxTrackedClients?: number
}

/** Why an upgrade is refused. */
export type UpgradeRefusal =
  | { reason: 'rate-limited'; max: number; timeWindowMs: number; retryAfterMs: number }
  | { reason: 'full'; limit: number }

/** Admission of WebSocket upgrades: a cap on open connections and a per-IP rate of attempts. */
export interface UpgradeLimiter {
  /** Counts one upgrade attempt from `ip`; `undefined` admits it, else why it is refused. */
  admit(ip: string): UpgradeRefusal | undefined
  /** Takes a place for a connection that has just opened; `false` (no place taken) when all are held. */
  open(): boolean
  /** Gives back the place of a connection that closed (an arrow function: pass it as a listener). */
  closed: () => void
  /** Connections holding a place. */
  openConnections(): number
}

/**
 * Limits WebSocket upgrades: at most `maxConnections` open at once and, per client IP, at most
 * `rateLimit.max` attempts per fixed window of `rateLimit.timeWindowMs` (windows aligned on the clock, so
 * one reset clears every IP and memory is bounded by the IPs of one window).
 *
 * `admit` only reads the connection count: the place is taken by `open` once the socket exists, so an
 * upgrade that fails its handshake holds nothing. Two upgrades admitted together may both pass `admit`
 * for the last place; `open` settles it, and the loser is closed with 1013.
 *
 * @example
 * const limiter = createUpgradeLimiter({ maxConnections: 10_000, rateLimit: { max: 60, timeWindowMs: 10_000 } })
 * const refusal = limiter.admit(request.ip) // before the handshake
 * if (limiter.open()) socket.once('close', limiter.closed) // once upgraded
 */
export function createUpgradeLimiter(options: UpgradeLimiterOptions): UpgradeLimiter {
  const { maxConnections, rateLimit } = options
  const clock = options.clock ?? systemClock
  const maxTracked = options.maxTrackedClients ?? 100_000
  const attempts = new Map<string, number>()
  let windowStart = Number.NEGATIVE_INFINITY
  let open = 0

  function rateLimited(ip: string): UpgradeRefusal | undefined {
    if (!rateLimit) return undefined
    const now = clock.now()
    if (now - windowStart >= rateLimit.timeWindowMs) {
      windowStart = now - (now % rateLimit.timeWindowMs)
      attempts.clear()
    }
    const count = (attempts.get(ip) ?? 0) + 1
    // A flood from more distinct IPs than this is not a per-IP problem; maxConnections still holds.
    if (count === 1 && attempts.size >= maxTracked) return undefined
    attempts.set(ip, count)
    if (count <= rateLimit.max) return undefined
    return {
      reason: 'rate-limited',
      max: rateLimit.max,
      timeWindowMs: rateLimit.timeWindowMs,
      retryAfterMs: Math.max(0, Math.ceil(windowStart + rateLimit.timeWindowMs - now)),
    }
  }

  return {
    admit(ip) {
      return (
        rateLimited(ip) ?? (open >= maxConnections ? { reason: 'full', limit: maxConnections } : undefined)
      )
    },
    open() {
      if (open >= maxConnections) return false
      open++
      return true
    },
    closed: () => {
      open = Math.max(0, open - 1)
    },
    openConnections: () => open,
  }
}
