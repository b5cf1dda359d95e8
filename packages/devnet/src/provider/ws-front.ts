import { randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { matchesLogFilter } from '@chainpulse/core'
import WebSocket, { WebSocketServer } from 'ws'
import type { ChainEvent } from '../chain/chain-feed.js'
import {
  errorResponse,
  isJsonRpcRequest,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from '../rpc/json-rpc.js'
import { INJECTED_ERRORS, truncateBody } from './injected-errors.js'
import { type LogFilter, parseLogFilter } from './log-filter.js'
import { delay, type ProviderContext } from './provider-context.js'

type Subscription = { kind: 'newHeads' } | { kind: 'logs'; filter: LogFilter }

interface Connection {
  socket: WebSocket
  subscriptions: Map<string, Subscription>
}

/** The WebSocket side of a provider: JSON-RPC over WS plus `eth_subscribe` for `newHeads` and `logs`. */
export interface WsFront {
  /** Takes over an HTTP upgrade request (the provider's HTTP server hands it over). */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void
  /** Sends an event to every matching subscription (called by the event relay at delivery time). */
  publish(event: ChainEvent): void
  /** Drops every connection abruptly (clients see close code 1006); returns how many were dropped. */
  dropAll(): number
}

const PARSE_ERROR = { code: -32700, message: 'Parse error' }
const INVALID_PARAMS = (message: string) => ({ code: -32602, message })

/**
 * Creates the WebSocket front of a provider. Requests draw their fault from the same sequence as HTTP
 * requests; subscriptions become active once their `eth_subscribe` answer has been sent, as on a node.
 */
export function createWsFront(context: ProviderContext): WsFront {
  const server = new WebSocketServer({ noServer: true, maxPayload: 10 * 1024 * 1024 })
  const connections = new Set<Connection>()

  const onMessage = async (connection: Connection, data: WebSocket.RawData) => {
    let parsed: unknown
    try {
      parsed = JSON.parse(String(data))
    } catch {
      send(connection, JSON.stringify(errorResponse(null, PARSE_ERROR)))
      return
    }
    const isBatch = Array.isArray(parsed)
    const items: unknown[] = isBatch ? (parsed as unknown[]) : [parsed]
    const personality = context.personality()
    const arrivedAt = performance.now()
    const fault = context.plan.nextRequest(personality)
    context.stats.requests++
    context.stats.outcomes[fault.kind]++
    if (fault.stallMs > 0 && fault.kind !== 'hang') context.stats.stalls++
    if (fault.kind === 'hang') return

    const activations: (() => void)[] = []
    let answers: JsonRpcResponse[]
    if (fault.kind === 'serverError' || fault.kind === 'rateLimit' || fault.kind === 'rpcError') {
      const { code, message } = INJECTED_ERRORS[fault.kind]
      const data =
        fault.kind === 'rateLimit' && personality.retryAfterSeconds !== null
          ? { retryAfterSeconds: personality.retryAfterSeconds }
          : undefined
      answers = items.map((item) =>
        errorResponse(isJsonRpcRequest(item) ? item.id : null, { code, message, ...(data ? { data } : {}) }),
      )
    } else {
      const local = (request: JsonRpcRequest) => handleLocally(connection, request, activations)
      answers = await context.forwarder.requests(items, {
        lagBlocks: personality.lagBlocks,
        maxLogsBlockRange: personality.maxLogsBlockRange,
        maxLogsResults: personality.maxLogsResults,
        stateHistoryBlocks: personality.stateHistoryBlocks,
        local,
      })
    }
    await delay(arrivedAt + fault.delayMs - performance.now())
    if (answers.length === 0) return
    const body = JSON.stringify(isBatch ? answers : answers[0])
    send(connection, fault.kind === 'malformed' ? truncateBody(body) : body)
    for (const activate of activations) activate()
  }

  return {
    handleUpgrade(request, socket, head) {
      server.handleUpgrade(request, socket, head, (ws) => {
        const connection: Connection = { socket: ws, subscriptions: new Map() }
        connections.add(connection)
        context.stats.wsConnections++
        ws.on('message', (data) => {
          onMessage(connection, data).catch(() => {
            // the node went away mid-request; the client sees no answer, as with a real outage
          })
        })
        ws.on('error', () => {})
        ws.once('close', () => {
          connections.delete(connection)
          context.stats.wsConnections--
        })
      })
    },

    publish(event) {
      const personality = context.personality()
      for (const connection of connections) {
        if (connection.socket.readyState !== WebSocket.OPEN) continue
        const notifications: string[] = []
        for (const [id, subscription] of connection.subscriptions) {
          if (!matches(subscription, event)) continue
          notifications.push(
            JSON.stringify({
              jsonrpc: '2.0',
              method: 'eth_subscription',
              params: { subscription: id, result: event.payload },
            }),
          )
        }
        if (notifications.length === 0) continue
        if (context.plan.nextDrop(personality)) {
          context.stats.drops++
          connection.socket.terminate()
          continue
        }
        for (const notification of notifications) send(connection, notification)
        context.stats.notifications += notifications.length
      }
    },

    dropAll() {
      let dropped = 0
      for (const connection of connections) {
        connection.socket.terminate()
        dropped++
      }
      context.stats.drops += dropped
      return dropped
    },
  }
}

function handleLocally(
  connection: Connection,
  request: JsonRpcRequest,
  activations: (() => void)[],
): JsonRpcResponse | undefined {
  const params = Array.isArray(request.params) ? request.params : []
  if (request.method === 'eth_unsubscribe') {
    const removed = connection.subscriptions.delete(String(params[0]))
    return { jsonrpc: '2.0', id: request.id ?? null, result: removed }
  }
  if (request.method !== 'eth_subscribe') return undefined
  let subscription: Subscription
  if (params[0] === 'newHeads') {
    subscription = { kind: 'newHeads' }
  } else if (params[0] === 'logs') {
    const filter = parseLogFilter(params[1])
    if (!filter) return errorResponse(request.id, INVALID_PARAMS('invalid logs filter'))
    subscription = { kind: 'logs', filter }
  } else {
    return errorResponse(
      request.id,
      INVALID_PARAMS(
        `unsupported subscription ${JSON.stringify(params[0])}: the devnet serves newHeads and logs`,
      ),
    )
  }
  const id = `0x${randomBytes(16).toString('hex')}`
  activations.push(() => connection.subscriptions.set(id, subscription))
  return { jsonrpc: '2.0', id: request.id ?? null, result: id }
}

function matches(subscription: Subscription, event: ChainEvent): boolean {
  if (subscription.kind === 'newHeads') return event.type === 'newHeads'
  return event.type === 'logs' && matchesLogFilter(event.payload, subscription.filter)
}

function send(connection: Connection, text: string): void {
  if (connection.socket.readyState === WebSocket.OPEN) connection.socket.send(text)
}
