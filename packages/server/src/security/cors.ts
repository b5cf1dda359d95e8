import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

/** CORS settings of the JSON-RPC routes (the `cors` section of the server config). */
export interface CorsSettings {
  /** `'*'` for any origin (public RPC endpoints do this), or the exact origins allowed. */
  origins: '*' | string[]
  /** How long a browser may cache a preflight answer. */
  maxAgeSeconds: number
}

/** Headers a browser app may send: the JSON body's type, the API key and a session key. */
const ALLOWED_HEADERS = 'content-type, x-api-key, x-chainpulse-session'
/** Headers a browser app may read: which provider answered, with which strategy, after how many tries. */
const EXPOSED_HEADERS =
  'x-chainpulse-provider, x-chainpulse-strategy, x-chainpulse-attempts, x-chainpulse-cache'

/**
 * Lets browser apps (a dapp running viem or ethers in the page) call the JSON-RPC routes of the
 * encapsulated `scope`: answers preflights (`OPTIONS`, 204) and marks every answer with the allowed
 * origin. Requests from an origin not listed get no CORS headers, so the browser withholds the answer;
 * non-browser clients are unaffected either way. No credentials are allowed: API keys travel in a
 * header or the path, never in cookies.
 *
 * WebSocket upgrades are not subject to CORS and are not handled here.
 */
export function registerCors(scope: FastifyInstance, settings: CorsSettings): void {
  const anyOrigin = settings.origins === '*'
  const allowed = new Set(anyOrigin ? [] : settings.origins)

  /** The `access-control-allow-origin` value for this request, or undefined to send none. */
  function allowOrigin(request: FastifyRequest): string | undefined {
    if (anyOrigin) return '*'
    const origin = request.headers.origin
    return typeof origin === 'string' && allowed.has(origin) ? origin : undefined
  }

  function markOrigin(request: FastifyRequest, reply: FastifyReply): boolean {
    // A list of origins makes the answer depend on the request's Origin: caches must key on it.
    if (!anyOrigin) reply.header('vary', 'origin')
    const origin = allowOrigin(request)
    if (origin === undefined) return false
    reply.header('access-control-allow-origin', origin)
    return true
  }

  scope.addHook('onRequest', (request, reply, done) => {
    if (request.method !== 'OPTIONS' && request.headers.origin !== undefined && markOrigin(request, reply))
      reply.header('access-control-expose-headers', EXPOSED_HEADERS)
    done()
  })

  scope.options('/*', (request, reply) => {
    if (markOrigin(request, reply)) {
      reply.header('access-control-allow-methods', 'POST, OPTIONS')
      reply.header('access-control-allow-headers', ALLOWED_HEADERS)
      reply.header('access-control-max-age', String(settings.maxAgeSeconds))
    }
    return reply.code(204).send()
  })
}
