import type { ServerOptions } from 'node:http'
import type { ServerConfig } from '../config/server-config.js'

/** The Fastify options that set the Node HTTP server's timeouts. */
export interface HttpServerTimeouts {
  requestTimeout: number
  keepAliveTimeout: number
  /** Node-only settings: Fastify passes them to `http.createServer`. */
  http: Pick<ServerOptions, 'headersTimeout' | 'requestTimeout' | 'connectionsCheckingInterval'>
}

/** Node checks header and request deadlines on a sweep, not per socket; no slower than this. */
const MAX_CHECKING_INTERVAL_MS = 1_000

/**
 * Fastify options for the server's connection timeouts (`http` in the server config):
 *
 * - `headersTimeout` and `requestTimeout` bound how long a client may take to send a request (Node
 *   stops timing once the request is in, so a slow upstream answer is never cut);
 * - `keepAliveTimeout` bounds an idle keep-alive connection;
 * - `connectionsCheckingInterval` is how often Node sweeps for expired requests. Its default (30 s) would
 *   let a slowloris client outlive `headersTimeout` by up to 30 s, so it is a quarter of the shorter
 *   timeout, at most a second (the sweep walks only connections with a request in progress).
 *
 * The socket inactivity timeout (Fastify's `connectionTimeout`) stays off: a request legitimately waits
 * silently for the pool up to its deadline (`pool.requestDeadlineMs`, unbounded), and a client that never
 * reads its answer is bounded by the per-IP connection cap instead. None of them touches an open
 * WebSocket: Node stops watching a socket once it is upgraded, and `ws` turns its socket timeout off.
 *
 * @example
 * Fastify({ ...httpServerTimeouts(config.http) })
 */
export function httpServerTimeouts(config: ServerConfig['http']): HttpServerTimeouts {
  const { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs } = config
  return {
    requestTimeout: requestTimeoutMs,
    keepAliveTimeout: keepAliveTimeoutMs,
    http: {
      headersTimeout: headersTimeoutMs,
      // Node checks headersTimeout <= requestTimeout when the server is made, before Fastify sets its own.
      requestTimeout: requestTimeoutMs,
      connectionsCheckingInterval: Math.max(
        10,
        Math.min(MAX_CHECKING_INTERVAL_MS, Math.floor(Math.min(headersTimeoutMs, requestTimeoutMs) / 4)),
      ),
    },
  }
}
