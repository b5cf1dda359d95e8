import { randomBytes } from 'node:crypto'
import { type Clock, systemClock } from '@chainpulse/core'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { WebSocket } from 'ws'
import type { ServerConfig } from '../config/server-config.js'
import { proxyError, rpcErrorCodes, truncate } from '../json-rpc/rpc-errors.js'
import type { ProxyPool } from '../proxy-pool.js'
import { createApiKeyVerifier } from '../security/api-keys.js'
import { createMethodFilter } from '../security/method-filter.js'
import type { Redactor } from '../security/redaction.js'
import {
  createNotificationFrames,
  createSubscriptionIdPrefix,
  createSubscriptionIdSource,
} from '../ws/notification-frames.js'
import { serveWsRpcConnection, type WsRpcLimits, type WsRpcTarget } from '../ws/rpc-connection.js'
import { createUpgradeLimiter } from '../ws/upgrade-limiter.js'
import { wsCloseCodes } from '../ws/websocket-support.js'
import { refuseHttpMethod, sendRpcError as sendError } from './rpc-http-errors.js'
import { emptySegment, hasEmptySegment, type RpcPathParams, resolveRpcTarget } from './rpc-target.js'

/** Options of {@link wsRpcRoutes}. */
export interface WsRpcRoutesOptions {
  pool: ProxyPool
  config: ServerConfig
  redact: Redactor
  /**
   * Times the per-connection message rate limit and inbound byte budget, and the per-IP upgrade rate
   * limit. @default systemClock
   */
  clock?: Clock
}

/**
 * JSON-RPC 2.0 over WebSocket, registered under the `/ws/rpc` prefix (after
 * `registerWebSocketSupport`):
 *
 * - `GET /ws/rpc/:chain`, `GET /ws/rpc/:strategy/:chain`, `GET /ws/rpc/provider/:providerId/:chain`
 * - the same three under `/ws/rpc/key/:apiKey/...` for clients that cannot send an `x-api-key` header
 *   (browsers cannot set headers on a WebSocket).
 *
 * The upgrade is refused with an HTTP error and a JSON-RPC error body, before any pool call, when the
 * client IP opened too many upgrades in the window (429, `ws.upgradeRateLimit`), the server already
 * holds `ws.maxConnections` connections (503), the API key is missing or wrong (401) or the chain,
 * strategy or provider is unknown (404); a plain GET without an upgrade gets 426, another HTTP method
 * 405. A refused upgrade's socket is closed once the answer is written. Each connection is
 * announced on the pool's `connections` topic (`kind: 'client'`, `transport: 'ws'`) when it opens and
 * when it closes.
 */
export async function wsRpcRoutes(app: FastifyInstance, options: WsRpcRoutesOptions): Promise<void> {
  const { pool, config, redact } = options
  const clock = options.clock ?? systemClock
  const verifier = createApiKeyVerifier(config.auth?.apiKeys ?? [])
  const refuseMethod = createMethodFilter(config.rpc.methods)
  const frames = createNotificationFrames()
  // Drawn once per server: every connection counts from it, so their first subscriptions share an id.
  const subscriptionIdPrefix = createSubscriptionIdPrefix()
  const limiter = createUpgradeLimiter({
    maxConnections: config.ws.maxConnections,
    rateLimit: config.ws.upgradeRateLimit,
    clock,
  })
  const targets = new WeakMap<FastifyRequest, WsRpcTarget>()
  const limits: WsRpcLimits = {
    maxBatchSize: config.rpc.maxBatchSize,
    maxJsonDepth: config.rpc.maxJsonDepth,
    maxSubscriptionsPerConnection: config.ws.maxSubscriptionsPerConnection,
    maxBufferedBytes: config.ws.maxBufferedBytes,
    maxPendingMessages: config.ws.maxPendingMessages,
    rateLimit: config.ws.rateLimit,
    inboundByteRate: config.ws.inboundByteRate,
  }

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? ''
    if (hasEmptySegment(path)) return sendError(reply, 404, emptySegment('/ws/rpc'))
    return sendError(
      reply,
      404,
      proxyError(
        rpcErrorCodes.resourceNotFound,
        `No JSON-RPC WebSocket endpoint at ${redact(truncate(path, 200))}; use /ws/rpc/:chain, /ws/rpc/:strategy/:chain or /ws/rpc/provider/:providerId/:chain`,
        'NOT_FOUND',
      ),
    )
  })

  app.setErrorHandler((error, request, reply) => {
    request.log.error({ err: error }, 'unexpected error in the JSON-RPC WebSocket route')
    return sendError(reply, 500, proxyError(rpcErrorCodes.internalError, 'Internal error', 'INTERNAL_ERROR'))
  })

  async function admitUpgrade(request: FastifyRequest, reply: FastifyReply) {
    const refusal = limiter.admit(request.ip)
    if (refusal === undefined) return
    if (refusal.reason === 'rate-limited') {
      const { max, timeWindowMs } = refusal
      reply.header('retry-after', String(Math.max(1, Math.ceil(refusal.retryAfterMs / 1_000))))
      return sendError(
        reply,
        429,
        proxyError(
          rpcErrorCodes.limitExceeded,
          `Rate limit exceeded: at most ${max} WebSocket upgrades per ${timeWindowMs} ms from one client`,
          'RATE_LIMITED',
          { retryAfterMs: refusal.retryAfterMs },
        ),
      )
    }
    return sendError(
      reply,
      503,
      proxyError(
        rpcErrorCodes.limitExceeded,
        `Too many WebSocket connections: this server holds at most ${refusal.limit}; retry later`,
        'TOO_MANY_CONNECTIONS',
        { limit: refusal.limit },
      ),
    )
  }

  async function authenticate(request: FastifyRequest, reply: FastifyReply) {
    if (!verifier.required) return
    const header = request.headers['x-api-key']
    const presented = typeof header === 'string' ? header : (request.params as RpcPathParams).apiKey
    if (verifier.verify(presented) !== undefined) return
    return sendError(
      reply,
      401,
      proxyError(
        rpcErrorCodes.unauthorized,
        presented === undefined
          ? 'Unauthorized: this endpoint needs an API key (header "x-api-key" or /ws/rpc/key/<key>/...)'
          : 'Unauthorized: the API key is not valid',
        'UNAUTHORIZED',
      ),
    )
  }

  async function checkTarget(request: FastifyRequest, reply: FastifyReply) {
    const target = resolveRpcTarget(pool, request.params as RpcPathParams, '/ws/rpc')
    if ('code' in target) return sendError(reply, 404, target)
    targets.set(request, target)
  }

  function serve(socket: WebSocket, request: FastifyRequest): void {
    // Checked again now the socket exists: upgrades admitted together may have filled the last places.
    if (!limiter.open()) {
      socket.close(wsCloseCodes.tryAgainLater, 'too many connections')
      return
    }
    socket.once('close', limiter.closed)
    // checkTarget ran for this request; the fallback only satisfies the type.
    const target = targets.get(request) ?? {
      chain: pool.resolveChain((request.params as RpcPathParams).chain),
    }
    const id = `ws-${randomBytes(6).toString('hex')}`
    const log = request.log.child({ connection: id, chain: target.chain })
    const connection = serveWsRpcConnection({
      socket,
      pool,
      target,
      limits,
      refuseMethod,
      redact,
      log,
      clock,
      frames,
      nextSubscriptionId: createSubscriptionIdSource(subscriptionIdPrefix),
      clientId: id,
    })
    const announce = (state: 'connected' | 'disconnected') =>
      pool.pubsub.publish('connections', { kind: 'client', chain: target.chain, id, state, transport: 'ws' })
    announce('connected')
    log.debug('websocket client connected')
    socket.once('close', (code) => {
      connection.dispose()
      announce('disconnected')
      log.debug({ code }, 'websocket client disconnected')
    })
  }

  const upgradeRequired = (_request: FastifyRequest, reply: FastifyReply) =>
    sendError(
      reply,
      426,
      proxyError(
        rpcErrorCodes.invalidRequest,
        'Upgrade required: open a WebSocket to this URL, or POST JSON-RPC to /rpc/...',
        'UPGRADE_REQUIRED',
      ),
    )
  const route = {
    onRequest: [admitUpgrade, authenticate],
    preHandler: checkTarget,
    handler: upgradeRequired,
    wsHandler: serve,
  }
  const wrongMethod = refuseHttpMethod(
    'GET',
    'open a WebSocket (a GET upgrade) to this URL, or POST JSON-RPC to /rpc/...',
  )
  const wrongMethodRoute = {
    method: ['POST', 'PUT', 'PATCH', 'DELETE'],
    onRequest: wrongMethod,
    handler: wrongMethod,
  }
  const routes = async (scope: FastifyInstance) => {
    for (const url of ['/:chain', '/provider/:providerId/:chain', '/:strategy/:chain']) {
      scope.get(url, route)
      scope.route({ ...wrongMethodRoute, url })
    }
  }
  await app.register(routes)
  await app.register(routes, { prefix: '/key/:apiKey' })
}
