import { setMaxListeners } from 'node:events'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { PoolRequestOptions } from '@chainpulse/core'
import type { RedisConnection } from '@chainpulse/redis'
import rateLimit from '@fastify/rate-limit'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { sharedRateLimitStore } from '../cluster/shared-rate-limit-store.js'
import type { ServerConfig } from '../config/server-config.js'
import { type CallHandler, type CallRouting, dispatchRpcBody } from '../json-rpc/dispatch.js'
import { parseRpcBody, type RpcCall } from '../json-rpc/parse-body.js'
import { callPool } from '../json-rpc/pool-call.js'
import {
  internalError,
  methodNotAllowed,
  proxyError,
  type RpcErrorObject,
  rpcErrorCodes,
  truncate,
} from '../json-rpc/rpc-errors.js'
import type { ProxyPool } from '../proxy-pool.js'
import { createApiKeyVerifier } from '../security/api-keys.js'
import { createMethodFilter } from '../security/method-filter.js'
import type { Redactor } from '../security/redaction.js'
import { refuseHttpMethod, sendRpcError as sendError } from './rpc-http-errors.js'
import { emptySegment, hasEmptySegment, type RpcPathParams, resolveRpcTarget } from './rpc-target.js'

/** Options of {@link rpcRoutes}. */
export interface RpcRoutesOptions {
  pool: ProxyPool
  config: ServerConfig
  redact: Redactor
  /**
   * Count the rate limit in Redis, so every instance of a cluster draws on one budget per client.
   * @default counted in this process
   */
  sharedRateLimit?: { redis: RedisConnection['client']; keyPrefix: string }
}

const JSON_CONTENT_TYPES = ['application/json', 'application/json-rpc', 'application/jsonrequest']

/** The request header naming a session: calls carrying the same value share one provider while it is usable. */
export const SESSION_HEADER = 'x-chainpulse-session'
/** Longest session key taken (characters); the pool keeps each key in memory while its session lives. */
export const MAX_SESSION_KEY_LENGTH = 128
const SESSION_KEY = /^[\x21-\x7e]+$/
const RATE_LIMITED = Symbol('chainpulse.rate-limited')

/**
 * The JSON-RPC over HTTP endpoints, registered under the `/rpc` prefix:
 *
 * - `POST /rpc/:chain`, `POST /rpc/:strategy/:chain`, `POST /rpc/provider/:providerId/:chain`
 * - the same three under `/rpc/key/:apiKey/...` for clients that cannot send an `x-api-key` header.
 *
 * Request order: API key (401, before the body is read) → rate limit (429) → body size and content
 * type (413, 415) → path check (404) → envelope and calls. Another HTTP method on these paths gets 405
 * with an `allow` header, before the body is read. Every answer, errors included, is a JSON-RPC body
 * with `Content-Type: application/json` (outside these routes, `createRpcFallbacks` sees to it).
 */
export async function rpcRoutes(app: FastifyInstance, options: RpcRoutesOptions): Promise<void> {
  const { pool, config, redact } = options
  const verifier = createApiKeyVerifier(config.auth?.apiKeys ?? [])
  const refuseMethod = createMethodFilter(config.rpc.methods)
  const limits = { maxBatchSize: config.rpc.maxBatchSize, maxDepth: config.rpc.maxJsonDepth }
  const clientIds = new WeakMap<FastifyRequest, string>()

  if (config.rateLimit) {
    const shared = options.sharedRateLimit
    // Global within this plugin: one budget per client across every /rpc route (route-level limits
    // would give each route pattern its own budget).
    await app.register(rateLimit, {
      global: true,
      max: config.rateLimit.max,
      timeWindow: config.rateLimit.timeWindowMs,
      keyGenerator: (request) => clientIds.get(request) ?? request.ip,
      // Counted in Redis (under a hash of the client's key, never the key itself), falling back to this
      // process while Redis is away (see sharedRateLimitStore).
      ...(shared ? { store: sharedRateLimitStore(shared.redis, shared.keyPrefix) } : {}),
      errorResponseBuilder: (_request, context) => ({
        statusCode: 429,
        [RATE_LIMITED]: true,
        retryAfterMs: context.ttl,
      }),
    })
  }

  // The body stays text: the envelope parser needs the original id tokens, which JSON.parse would lose.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser(
    JSON_CONTENT_TYPES,
    { parseAs: 'string', bodyLimit: config.rpc.bodyLimitBytes },
    (request, body, done) => {
      const contentType = request.headers['content-type']
      // The common case needs no regex: a bare media type has no charset to check.
      if (contentType === 'application/json') return done(null, body)
      const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '')?.[1]
      if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
        done(Object.assign(new Error(`unsupported charset "${truncate(charset, 40)}"`), { statusCode: 415 }))
      } else {
        done(null, body)
      }
    },
  )

  app.setErrorHandler(
    (error: FastifyError & { [RATE_LIMITED]?: boolean; retryAfterMs?: number }, request, reply) => {
      if (error[RATE_LIMITED]) {
        const retryAfterMs = error.retryAfterMs ?? 0
        return sendError(reply, 429, rateLimited(retryAfterMs))
      }
      const status = error.statusCode ?? 500
      if (status === 413) {
        return sendError(
          reply,
          413,
          proxyError(
            rpcErrorCodes.payloadTooLarge,
            `Request body is larger than the limit of ${config.rpc.bodyLimitBytes} bytes`,
            'PAYLOAD_TOO_LARGE',
            { limitBytes: config.rpc.bodyLimitBytes },
          ),
        )
      }
      if (status === 415) {
        return sendError(
          reply,
          415,
          proxyError(
            rpcErrorCodes.unsupportedMediaType,
            'Unsupported content type: send JSON-RPC as "Content-Type: application/json" (UTF-8)',
            'UNSUPPORTED_MEDIA_TYPE',
          ),
        )
      }
      if (status >= 400 && status < 500) {
        return sendError(
          reply,
          status,
          proxyError(rpcErrorCodes.invalidRequest, `Bad request: ${redact(error.message)}`, 'BAD_REQUEST'),
        )
      }
      request.log.error({ err: error }, 'unexpected error in the JSON-RPC route')
      return sendError(reply, 500, internalError())
    },
  )

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? ''
    if (hasEmptySegment(path)) return sendError(reply, 404, emptySegment('/rpc'))
    return sendError(
      reply,
      404,
      proxyError(
        rpcErrorCodes.resourceNotFound,
        `No JSON-RPC endpoint at ${request.method} ${redact(truncate(path, 200))}; use POST /rpc/:chain, /rpc/:strategy/:chain or /rpc/provider/:providerId/:chain`,
        'NOT_FOUND',
      ),
    )
  })

  async function authenticate(request: FastifyRequest, reply: FastifyReply) {
    if (!verifier.required) return
    const header = request.headers['x-api-key']
    const presented = typeof header === 'string' ? header : (request.params as RpcPathParams).apiKey
    const clientId = verifier.verify(presented)
    if (clientId === undefined) {
      // Answered before the body is read and before the pool is involved.
      return sendError(
        reply,
        401,
        proxyError(
          rpcErrorCodes.unauthorized,
          presented === undefined
            ? 'Unauthorized: this endpoint needs an API key (header "x-api-key" or /rpc/key/<key>/...)'
            : 'Unauthorized: the API key is not valid',
          'UNAUTHORIZED',
        ),
      )
    }
    clientIds.set(request, clientId)
  }

  async function handle(request: FastifyRequest, reply: FastifyReply) {
    const target = resolveRpcTarget(pool, request.params as RpcPathParams, '/rpc')
    if ('code' in target) return sendError(reply, 404, target)

    const session = sessionKeyOf(request)
    if (typeof session === 'object') return sendError(reply, 400, session)
    // Built once per request and shared by every call of a batch.
    const requestOptions: PoolRequestOptions = {
      signal: clientGoneSignal(request.raw, reply.raw),
      // Filters and sessions are kept per client: its API key, or its address without auth. So a session
      // key is scoped to the client: another client sending the same value gets a session of its own.
      clientId: clientIds.get(request) ?? request.ip,
    }
    if (session !== undefined) requestOptions.session = session
    // `Cache-Control: no-cache`: the client wants answers from an upstream call of its own (neither
    // the response cache nor a read in flight).
    if (/\bno-cache\b/i.test(request.headers['cache-control'] ?? '')) {
      requestOptions.coalesce = false
      requestOptions.cache = false
    }
    if (target.strategy !== undefined) requestOptions.strategy = target.strategy
    if (target.providerId !== undefined) requestOptions.providerId = target.providerId
    const failures = { log: request.log, redact, chain: target.chain }
    const execute: CallHandler = async (call: RpcCall) => {
      const refusal = refuseMethod(call.method)
      if (refusal !== undefined)
        return { ok: false, error: methodNotAllowed(call.method, refusal), routing: undefined }
      return callPool(pool, target.chain, call, requestOptions, failures)
    }

    const body = typeof request.body === 'string' ? request.body : ''
    const answer = await dispatchRpcBody(parseRpcBody(body, limits), execute, {
      onUnexpectedError: (error, call) =>
        request.log.error({ err: error, method: call.method }, 'unexpected error answering a call'),
    })
    reply.headers(routingHeaders(answer.routing))
    if (answer.body === undefined) return reply.code(204).send()
    return reply.code(200).type('application/json; charset=utf-8').send(answer.body)
  }

  // Without API keys there is nothing to check: no hook, so no extra step per request.
  const routeOptions = verifier.required ? { onRequest: authenticate } : {}
  // OPTIONS is the CORS preflight's when CORS is on; without CORS it is as wrong as GET.
  const allow = config.cors ? 'POST, OPTIONS' : 'POST'
  const wrongMethod = refuseHttpMethod(
    allow,
    'send JSON-RPC with POST (WebSocket clients connect to /ws/rpc/...)',
  )
  const wrongMethodRoute = {
    method: config.cors ? ['GET', 'PUT', 'PATCH', 'DELETE'] : ['GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    onRequest: wrongMethod,
    handler: wrongMethod,
  }
  const routes = async (scope: FastifyInstance) => {
    for (const url of ['/:chain', '/provider/:providerId/:chain', '/:strategy/:chain']) {
      scope.post(url, routeOptions, handle)
      scope.route({ ...wrongMethodRoute, url })
    }
  }
  await app.register(routes)
  await app.register(routes, { prefix: '/key/:apiKey' })
}

/**
 * The session key a request carries in {@link SESSION_HEADER}: `undefined` without one, an error to
 * answer with HTTP 400 when it is not 1 to {@link MAX_SESSION_KEY_LENGTH} visible ASCII characters.
 */
function sessionKeyOf(request: FastifyRequest): string | undefined | RpcErrorObject {
  const value = request.headers[SESSION_HEADER]
  if (value === undefined) return undefined
  if (typeof value === 'string' && value.length <= MAX_SESSION_KEY_LENGTH && SESSION_KEY.test(value))
    return value
  return proxyError(
    rpcErrorCodes.invalidRequest,
    `Bad request: the ${SESSION_HEADER} header must be one value of 1 to ${MAX_SESSION_KEY_LENGTH} visible ASCII characters`,
    'BAD_REQUEST',
  )
}

function rateLimited(retryAfterMs: number): RpcErrorObject {
  return proxyError(
    rpcErrorCodes.limitExceeded,
    `Rate limit exceeded; retry in ${Math.ceil(retryAfterMs / 1000)} s`,
    'RATE_LIMITED',
    { retryAfterMs },
  )
}

const socketSignals = new WeakMap<object, AbortSignal>()

/**
 * A signal that aborts when the client goes away before its answer is written, so in-flight upstream
 * calls are cancelled. Over HTTP/1.x a client can only go away by closing its connection, so the signal
 * belongs to the socket and is shared by every request on that keep-alive connection (one
 * AbortController per connection rather than per request); it never aborts for a socket that closes
 * after its answers were written, since nothing listens then. HTTP/2 streams end on their own, so there
 * each request gets its own signal, aborted when its response closes unfinished.
 */
export function clientGoneSignal(raw: IncomingMessage, response: ServerResponse): AbortSignal {
  const socket = raw.socket as Socket | null
  if (raw.httpVersionMajor >= 2 || !socket) {
    const controller = new AbortController()
    response.once('close', () => {
      if (!response.writableFinished) controller.abort()
    })
    return controller.signal
  }
  const known = socketSignals.get(socket)
  if (known) return known
  const controller = new AbortController()
  // Core's pool waits on it through one listener (onAbort); a pool of another kind may add one per
  // call of a batch or of pipelined requests, which is not a leak.
  setMaxListeners(0, controller.signal)
  if (socket.destroyed) controller.abort()
  else socket.once('close', () => controller.abort())
  socketSignals.set(socket, controller.signal)
  return controller.signal
}

const HEADER_FIELDS = [
  ['x-chainpulse-provider', 'providerId'],
  ['x-chainpulse-strategy', 'strategy'],
  ['x-chainpulse-attempts', 'attempts'],
  ['x-chainpulse-cache', 'cache'],
] as const

/**
 * `x-chainpulse-provider`, `-strategy` and `-attempts`: one comma-separated entry per object in the
 * response body, in the same order (so one value for a single call); `-` where a call reached no
 * provider (invalid, blocked). A header is left out when no call has a value for it.
 */
export function routingHeaders(routing: readonly (CallRouting | undefined)[]): Record<string, string> {
  const headers: Record<string, string> = {}
  // The common case, one routed call, without the per-field arrays of the general case below.
  const only = routing.length === 1 ? routing[0] : undefined
  if (only?.providerId !== undefined && only.strategy !== undefined && only.attempts !== undefined) {
    headers['x-chainpulse-provider'] = only.providerId
    headers['x-chainpulse-strategy'] = only.strategy
    headers['x-chainpulse-attempts'] = String(only.attempts)
    if (only.cache !== undefined) headers['x-chainpulse-cache'] = only.cache
    return headers
  }
  for (const [header, field] of HEADER_FIELDS) {
    const values = routing.map((entry) => entry?.[field])
    if (values.every((value) => value === undefined)) continue
    headers[header] = values.map((value) => (value === undefined ? '-' : String(value))).join(',')
  }
  return headers
}
