import type { Redis } from 'ioredis'
import { createRedisConnection } from '../connection/create-redis-connection.js'
import { type RedisServer, type StartRedisServerOptions, startRedisServer } from './start-redis-server.js'
import { waitFor } from './wait-for.js'

/** A redis-server and a client of it, started by {@link startConnectedRedis}. */
export interface ConnectedRedis {
  readonly server: RedisServer
  /**
   * A client with this package's fail-fast settings (`createRedisConnection`), ready when returned. It
   * reconnects whenever the server comes back; its errors meanwhile are ignored, as a test that crashes
   * the server expects them.
   */
  readonly client: Redis
  /**
   * Brings the server back to an empty, answering state between tests: restarts it if a test killed or
   * stopped it, resumes it if a test paused it, waits for the client to reconnect, and deletes every key.
   */
  reset(): Promise<void>
  /** Closes the client, then stops the server. */
  stop(): Promise<void>
}

/**
 * Starts a redis-server and connects a client to it, for tests that read and write Redis themselves or
 * hand the client to the code under test. Resolves once the client is ready: it has no offline queue,
 * so a command sent before then would fail (and code that falls back on failure, such as a shared rate
 * limit counting locally, would take the fallback).
 *
 * @example
 * const redis = await startConnectedRedis()
 * await redis.client.set('key', 'value')
 * await redis.reset()
 * await redis.stop()
 */
export async function startConnectedRedis(options: StartRedisServerOptions = {}): Promise<ConnectedRedis> {
  const server = await startRedisServer(options)
  const connection = createRedisConnection(server.url, { name: 'test' })
  connection.client.on('error', () => {})
  const ready = () => waitFor(() => connection.connected(), { what: 'the test client to connect' })
  const stop = async () => {
    await connection.close()
    await server.stop()
  }
  try {
    await ready()
  } catch (error) {
    await stop()
    throw error
  }
  return {
    server,
    client: connection.client,
    async reset() {
      if (!server.running) await server.restart()
      server.resume()
      await ready()
      await connection.client.flushall()
    },
    stop,
  }
}
