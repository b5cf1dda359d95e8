import type { IncomingMessage } from 'node:http'
import websocket from '@fastify/websocket'
import type { FastifyInstance } from 'fastify'
import type { WebSocket } from 'ws'
import { handOverToWebSocket } from '../http/connection-guard.js'

/**
 * Close codes the server's WebSocket endpoints use (RFC 6455 §7.4.1). Clients can branch on them;
 * docs/websocket-rpc.md explains each.
 */
export const wsCloseCodes = {
  /** The server is shutting down (`app.close()`). */
  goingAway: 1001,
  /** A client that does not read its messages fast enough (its unsent bytes passed the bound). */
  policyViolation: 1008,
  /** A message larger than `ws.maxMessageBytes`. */
  messageTooBig: 1009,
  /** Something unexpected on the server's side. */
  internalError: 1011,
  /** The server holds `ws.maxConnections` connections already (an upgrade that raced for the last place). */
  tryAgainLater: 1013,
} as const

/** Options of {@link registerWebSocketSupport}. */
export interface WebSocketSupportOptions {
  /** Largest incoming message (and frame), in bytes; larger ones close the socket with 1009. */
  maxMessageBytes: number
}

/**
 * Registers `@fastify/websocket` once for every ChainPulse WebSocket route (`/ws/rpc/...`, the live
 * stream). It listens to the HTTP server's `upgrade` event and dispatches through the root router, so
 * it must be registered exactly once, before the routes: a second registration would answer each
 * upgrade twice. Calling this again on an app that has it is a no-op.
 *
 * On server close every client gets close code 1001 (going away), and errors on a socket are logged
 * without tearing down the TCP connection at once, so a protocol close (1009 for an oversized message)
 * reaches the client. Each socket that opens as a WebSocket is handed over from the HTTP connection
 * guard (`handOverToWebSocket`).
 *
 * @example
 * await registerWebSocketSupport(app, { maxMessageBytes: config.ws.maxMessageBytes })
 * app.get('/ws/echo', { websocket: true }, (socket) => socket.on('message', (data) => socket.send(data)))
 */
export async function registerWebSocketSupport(
  app: FastifyInstance,
  options: WebSocketSupportOptions,
): Promise<void> {
  if (app.hasDecorator('websocketServer')) return
  await app.register(websocket, {
    options: {
      maxPayload: options.maxMessageBytes,
      // Compression would let a small frame inflate to a large message and costs CPU per client.
      perMessageDeflate: false,
    },
    errorHandler(error, socket, request) {
      // `ws` has already started the close handshake with the right code for protocol errors (1009,
      // 1007, 1002); terminating here could drop that close frame before it is written.
      request.log.debug({ err: error }, 'websocket error')
      if (socket.readyState === socket.OPEN) socket.close(wsCloseCodes.internalError, 'internal error')
    },
    preClose(done) {
      const server = (this as FastifyInstance).websocketServer
      for (const client of server.clients as Set<WebSocket>) {
        client.close(wsCloseCodes.goingAway, 'server shutting down')
      }
      // Resolves once every client has finished its close handshake (or `ws`'s close timeout hit).
      server.close(() => done())
    },
  })
  // From here the socket answers to the WebSocket limits, not to the HTTP per-IP connection cap.
  app.websocketServer.on('connection', (_socket: WebSocket, request: IncomingMessage) =>
    handOverToWebSocket(request.socket),
  )
}
