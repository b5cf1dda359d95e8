import { Redis, type RedisOptions } from 'ioredis'
import type { RedisTarget } from '../options/schemas.js'

/** Longest wait between two reconnection attempts, so a Redis that comes back is found within it. */
export const MAX_RECONNECT_DELAY_MS = 2_000

/**
 * Reconnects forever with a capped exponential backoff: 50 ms, 100 ms, 200 ms... up to
 * {@link MAX_RECONNECT_DELAY_MS}. Giving up would leave an instance cut off after a long Redis outage.
 */
export function reconnectDelay(attempt: number): number {
  return Math.min(50 * 2 ** Math.min(attempt - 1, 10), MAX_RECONNECT_DELAY_MS)
}

/**
 * Settings every connection of this package uses. Nothing waits for Redis: a command sent while it is
 * unreachable fails at once (no offline queue, which would grow without bound during an outage), and a
 * command in flight when the connection drops fails instead of being resent later, when it is stale.
 */
const failFast: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  // Subscriptions are renewed by the adapter on every `ready`, so a failed first SUBSCRIBE is retried too.
  autoResubscribe: false,
  retryStrategy: reconnectDelay,
  connectTimeout: 2_000,
}

/**
 * Opens a connection this package owns (and closes): from a URL, or a duplicate of the caller's client,
 * which keeps its host, credentials, TLS and database but none of its state. `name` shows in
 * `CLIENT LIST`, so an operator can tell ChainPulse's connections apart.
 */
export function connect(target: RedisTarget, name: string, extra: RedisOptions = {}): Redis {
  const options: RedisOptions = { ...failFast, ...extra, connectionName: name }
  return typeof target === 'string' ? new Redis(target, options) : target.duplicate(options)
}

/**
 * Closes a connection without waiting on Redis: QUIT when it is up (so Redis drops it cleanly), a
 * plain disconnect otherwise. Resolves once the socket is closed; never rejects.
 */
export async function disconnect(connection: Redis): Promise<void> {
  if (connection.status === 'end') return
  let timer: NodeJS.Timeout | undefined
  const closed = new Promise<void>((resolve) => {
    connection.once('end', () => resolve())
    // A QUIT that Redis never answers (a hung server) must not hold the caller's shutdown.
    timer = setTimeout(() => {
      connection.disconnect()
      resolve()
    }, 1_000)
  })
  if (connection.status === 'ready') connection.quit().catch(() => connection.disconnect())
  else connection.disconnect()
  await closed
  clearTimeout(timer)
}
