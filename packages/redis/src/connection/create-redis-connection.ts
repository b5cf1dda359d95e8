import type { Redis } from 'ioredis'
import type { RedisTarget } from '../options/schemas.js'
import { connect, disconnect } from './connect.js'

/** Options of {@link createRedisConnection}. */
export interface RedisConnectionOptions {
  /** Shown in Redis's `CLIENT LIST`, so an operator can tell ChainPulse's connections apart. */
  name: string
  /**
   * Longest wait for one command's answer (ms); past it the command rejects. Without it a command sent
   * to a hung Redis (connected, not answering) waits until the connection drops. @default none
   */
  commandTimeoutMs?: number
}

/** An ioredis connection with this package's fail-fast settings, and a way to close it. */
export interface RedisConnection {
  /** The ioredis client, for APIs that take one (e.g. `@fastify/rate-limit`'s `redis`). */
  readonly client: Redis
  /** The connection is up and answering commands. */
  connected(): boolean
  /** Closes the connection (QUIT when up, else at once). Resolves once closed; never rejects. */
  close(): Promise<void>
}

/**
 * Opens a connection with the same settings as the adapters of this package: no offline queue (a
 * command while Redis is away fails at once, nothing piles up), no resending of stale commands, and
 * reconnection forever with a backoff capped at 2 s. For an application's own small uses of the same
 * Redis (a cluster's heartbeats, a shared rate limit); errors are the caller's to listen for.
 *
 * @example
 * const connection = createRedisConnection('redis://127.0.0.1:6379', { name: 'chainpulse:server:proxy-1', commandTimeoutMs: 200 })
 * connection.client.on('error', () => {}) // ioredis emits one per failed reconnection
 * await connection.client.set('key', 'value', 'PX', 6_000)
 * await connection.close()
 */
export function createRedisConnection(target: RedisTarget, options: RedisConnectionOptions): RedisConnection {
  const client = connect(target, options.name, {
    ...(options.commandTimeoutMs === undefined ? {} : { commandTimeout: options.commandTimeoutMs }),
  })
  return {
    client,
    connected: () => client.status === 'ready',
    close: () => disconnect(client),
  }
}
