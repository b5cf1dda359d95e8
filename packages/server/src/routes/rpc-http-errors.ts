import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { errorResponse } from '../json-rpc/dispatch.js'
import { proxyError, type RpcErrorObject, rpcErrorCodes, truncate } from '../json-rpc/rpc-errors.js'
import type { Redactor } from '../security/redaction.js'

/** `Content-Type` of every JSON-RPC answer. */
const JSON_TYPE = 'application/json; charset=utf-8'

/**
 * Answers with a JSON-RPC error body (`id: null`) and an HTTP status. An upgrade request answered this
 * way (a refused WebSocket) has its socket closed once the answer is written: Node's HTTP server let go
 * of that socket when the upgrade began, so nothing else would ever close it.
 *
 * @example
 * return sendRpcError(reply, 404, proxyError(rpcErrorCodes.resourceNotFound, 'Unknown chain "x"', 'UNKNOWN_CHAIN'))
 */
export function sendRpcError(reply: FastifyReply, status: number, error: RpcErrorObject): FastifyReply {
  closeIfUpgrade(reply)
  return reply.code(status).type(JSON_TYPE).send(errorResponse('null', error))
}

/**
 * Closes the socket of an upgrade request once its (non-WebSocket) answer is written: Node's HTTP server
 * let go of that socket when the upgrade began, so nothing else would ever close it. `buildServer` runs
 * it for every answer (`/healthz`, `/metrics`, `/` asked with `Upgrade: websocket`); accepted upgrades
 * never get here.
 */
export function closeIfUpgrade(reply: FastifyReply): void {
  // Node sets `upgrade` on a request it handed to the server's 'upgrade' listeners (and only then);
  // @types/node does not declare it.
  const raw = reply.request.raw as IncomingMessage & { upgrade?: boolean }
  if (raw.upgrade !== true) return
  reply.header('connection', 'close')
  reply.raw.once('finish', () => raw.socket.destroy())
}

/**
 * An `onRequest` hook (and handler) answering HTTP 405 with an `allow` header, for an HTTP method a
 * JSON-RPC route does not take. It answers before a body is read or its content type checked: the
 * method is wrong whatever the body.
 *
 * @example
 * const wrongMethod = refuseHttpMethod('GET', 'open a WebSocket to this URL')
 * app.route({ method: ['POST', 'PUT'], url: '/:chain', onRequest: wrongMethod, handler: wrongMethod })
 */
export function refuseHttpMethod(allow: string, hint: string) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('allow', allow)
    return sendRpcError(
      reply,
      405,
      proxyError(
        rpcErrorCodes.invalidRequest,
        `HTTP method ${truncate(request.method, 20)} is not allowed here: ${hint}`,
        'HTTP_METHOD_NOT_ALLOWED',
        { allow },
      ),
    )
  }
}

const RPC_PATH = /^\/(?:ws\/)?rpc(?:[/?]|$)/i

/**
 * True when a request target is under `/rpc` or `/ws/rpc`, letters in any case (`/RPC/ethereum`): a
 * target that has JSON-RPC answers. An absolute target (`http://host/rpc/...`) counts by its path.
 *
 * @example
 * isRpcTarget('/WS/rpc/ethereum?x=1') // true
 * isRpcTarget('/rpcx') // false
 */
export function isRpcTarget(target: string): boolean {
  return RPC_PATH.test(target.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, ''))
}

/** The path of a target for a message: no query (it may hold a key), secrets masked, bounded. */
function shownPath(target: string, redact: Redactor): string {
  return redact(truncate(target.split('?')[0] ?? '', 200))
}

const ROUTES_HINT =
  'use POST /rpc/:chain, /rpc/:strategy/:chain or /rpc/provider/:providerId/:chain, or a WebSocket to /ws/rpc/...'

/** The server-wide handlers of {@link createRpcFallbacks}, one per place Fastify or Node answers by itself. */
export interface RpcFallbacks {
  /** The root not-found handler (`app.setNotFoundHandler`). */
  notFound(request: FastifyRequest, reply: FastifyReply): FastifyReply
  /** Fastify's `frameworkErrors` option. */
  frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void
  /** A listener for the HTTP server's `clientError` event, to prepend to Fastify's. */
  clientError(error: Error & { code?: string; rawPacket?: Buffer }, socket: Socket): void
}

/**
 * The server-wide answers `buildServer` installs so that every answer to a target under `/rpc` or
 * `/ws/rpc` is a JSON-RPC error body, also where the request never reaches the JSON-RPC routes: a
 * path whose prefix differs only in case, a URL the router cannot decode, an HTTP request Node cannot
 * parse. Elsewhere they answer exactly as Fastify does by default, so `/api`, `/metrics` and `/` keep
 * their own formats. They are the server's, not the plugin's: a plugin mounted in someone else's app
 * must not take over its 404s.
 *
 * `/RPC/ethereum` is answered 404, not routed: URL paths are case-sensitive, and one spelling per
 * endpoint keeps the per-prefix settings (CORS, rate limit, API keys) and every log and metric keyed
 * the same. The message says which spelling to use.
 *
 * @example
 * const fallbacks = createRpcFallbacks({ redact })
 * const app = Fastify({ frameworkErrors: fallbacks.frameworkErrors })
 * app.server.prependListener('clientError', fallbacks.clientError)
 * app.setNotFoundHandler(fallbacks.notFound)
 */
export function createRpcFallbacks(options: { redact: Redactor }): RpcFallbacks {
  const { redact } = options

  /** The root not-found handler: paths outside the ChainPulse prefixes, and the case variants of them. */
  function notFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
    if (!isRpcTarget(request.url)) {
      closeIfUpgrade(reply)
      // Fastify's own 404 body and log line, as every other route of the server answers.
      const message = `Route ${request.method}:${request.url} not found`
      request.log.info(message)
      return reply.code(404).send({ message, error: 'Not Found', statusCode: 404 })
    }
    return sendRpcError(
      reply,
      404,
      proxyError(
        rpcErrorCodes.resourceNotFound,
        `No JSON-RPC endpoint at ${truncate(request.method, 20)} ${shownPath(request.url, redact)}: paths are case-sensitive; ${ROUTES_HINT}`,
        'NOT_FOUND',
      ),
    )
  }

  /**
   * Fastify's `frameworkErrors`: the router's own refusals (a path that is not valid percent-encoding,
   * a path segment over `maxParamLength`), raised before any route or hook runs.
   */
  function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
    if (!isRpcTarget(request.url)) {
      closeIfUpgrade(reply)
      // The default answer: Fastify's error body with the error's own status.
      reply.send(error)
      return
    }
    if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
      sendRpcError(
        reply,
        414,
        proxyError(rpcErrorCodes.invalidRequest, 'Bad request: a path segment is too long', 'BAD_REQUEST'),
      )
      return
    }
    if (error.code === 'FST_ERR_BAD_URL') {
      sendRpcError(
        reply,
        400,
        proxyError(
          rpcErrorCodes.invalidRequest,
          'Bad request: the URL path is not valid percent-encoding',
          'BAD_REQUEST',
        ),
      )
      return
    }
    request.log.error({ err: error }, 'unexpected router error on a JSON-RPC path')
    sendRpcError(reply, 500, proxyError(rpcErrorCodes.internalError, 'Internal error', 'INTERNAL_ERROR'))
  }

  /**
   * A `clientError` listener for requests Node's HTTP parser rejects (a space or a control character
   * in the request line, a bad HTTP version, headers over the size limit) whose request line targets a
   * JSON-RPC path: it answers them with a JSON-RPC body and closes the socket. Prepended to the
   * server's listeners, so Fastify's own handler, which runs next, finds the socket destroyed and
   * leaves it; every other parse error (and timeouts, whose request line is gone) gets Fastify's answer.
   */
  function clientError(error: Error & { code?: string; rawPacket?: Buffer }, socket: Socket): void {
    if (socket.destroyed || !socket.writable || error.rawPacket === undefined) return
    const target = /^[!-~]+ +([^ \r\n]+)/.exec(error.rawPacket.toString('latin1', 0, 2_048))?.[1]
    if (target === undefined || !isRpcTarget(target)) return
    const [status, reason, message] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'Bad request: the request headers are too large']
        : [
            400,
            'Bad Request',
            `Bad request: the HTTP request could not be parsed (${error.code ?? 'unknown'})`,
          ]
    const body = errorResponse('null', proxyError(rpcErrorCodes.invalidRequest, message, 'BAD_REQUEST'))
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    )
    socket.destroy()
  }

  return { notFound, frameworkErrors, clientError }
}
