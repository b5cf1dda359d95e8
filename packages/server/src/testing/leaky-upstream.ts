import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { type WebSocket, WebSocketServer } from 'ws'

/**
 * How a {@link LeakyUpstream} fails while failing; each way quotes the caller's URL and credentials:
 * - `http-500`: HTTP 500 with a text body (a WebSocket upgrade is refused the same way, open sockets are
 *   closed with the credentials in the close reason);
 * - `unauthorized`: HTTP 401 with a JSON-RPC error body (over WebSocket, the same error object);
 * - `rpc-error`: a JSON-RPC internal error (-32603) that names the URL in `message` and `data`;
 * - `rate-limit`: HTTP 429 with `Retry-After: 1` (over WebSocket, a -32005 error);
 * - `malformed`: a 200 that is not JSON (over WebSocket, a text frame that is not JSON);
 * - `drop`: the connection is cut without an answer.
 */
export type LeakyFailure = 'http-500' | 'unauthorized' | 'rpc-error' | 'rate-limit' | 'malformed' | 'drop'

/** Every way a {@link LeakyUpstream} can fail. */
export const leakyFailures: readonly LeakyFailure[] = [
  'http-500',
  'unauthorized',
  'rpc-error',
  'rate-limit',
  'malformed',
  'drop',
]

/** Counters of a {@link LeakyUpstream}, to prove traffic reached it. */
export interface LeakyUpstreamStats {
  /** Calls answered with a result. */
  answered: number
  /** Calls (and WebSocket upgrades) failed, by way of failing. */
  failed: Record<LeakyFailure, number>
  /** `eth_call`s answered with the echoing revert. */
  reverted: number
  /** WebSocket connections accepted. */
  connections: number
}

/**
 * A loopback JSON-RPC node (HTTP and WebSocket on one port) that quotes whatever identifies its caller —
 * the full URL it was called with, each path segment, each query value, user name and password — in
 * every error it gives, as real providers do ("invalid project id <key>"). It fails every call while
 * `fail(way)` is in force and answers normally after `recover()`; `eth_call` always reverts with the
 * quote, a request error that a proxy passes to its client verbatim.
 */
export interface LeakyUpstream {
  /** `http://127.0.0.1:<port>` */
  readonly httpOrigin: string
  /** `ws://127.0.0.1:<port>` */
  readonly wsOrigin: string
  readonly stats: LeakyUpstreamStats
  /** Fails every call from now on in `way`; open WebSockets are closed or cut for `http-500` and `drop`. */
  fail(way: LeakyFailure): void
  /** Answers normally from now on. */
  recover(): void
  /** Mines a block: `eth_blockNumber` moves on and every `newHeads` subscription is notified. */
  mine(): void
  close(): Promise<void>
}

interface Call {
  id?: unknown
  method?: unknown
  params?: unknown
}

interface Caller {
  /** The full URL as the caller used it, credentials included. */
  url: string
  /** Path segments, query values, user and password: each alone, as an upstream might name one. */
  parts: string[]
}

const HASH_PAD = 64

/** Starts a {@link LeakyUpstream} on 127.0.0.1 (a free port). */
export async function startLeakyUpstream(): Promise<LeakyUpstream> {
  let failing: LeakyFailure | undefined
  let head = 100
  let nextSubscription = 1
  const stats: LeakyUpstreamStats = {
    answered: 0,
    failed: Object.fromEntries(leakyFailures.map((way) => [way, 0])) as Record<LeakyFailure, number>,
    reverted: 0,
    connections: 0,
  }
  const sockets = new Map<WebSocket, { caller: Caller; subscriptions: Set<string> }>()

  const server = createServer((request, response) => {
    let body = ''
    request.setEncoding('utf8')
    request.on('data', (chunk: string) => {
      body += chunk
    })
    request.on('end', () => answerHttp(request, response, body))
  })
  const wss = new WebSocketServer({ noServer: true })
  server.on('upgrade', (request: IncomingMessage, socket: Socket, headBytes: Buffer) => {
    const caller = callerOf(request, 'ws')
    if (failing === 'http-500' || failing === 'drop') {
      stats.failed[failing]++
      if (failing === 'drop') socket.destroy()
      else
        socket.end(`HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/plain\r\n\r\n${quote(caller)}`)
      return
    }
    wss.handleUpgrade(request, socket, headBytes, (ws) => {
      stats.connections++
      sockets.set(ws, { caller, subscriptions: new Set() })
      ws.on('message', (data) => answerWs(ws, String(data)))
      ws.on('close', () => sockets.delete(ws))
      ws.on('error', () => sockets.delete(ws))
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo

  function answerHttp(request: IncomingMessage, response: ServerResponse, body: string): void {
    const caller = callerOf(request, 'http')
    const parsed = parse(body)
    const each = (make: (call: Call) => object) => {
      const answers = (Array.isArray(parsed) ? (parsed as Call[]) : [parsed as Call]).map(make)
      return JSON.stringify(Array.isArray(parsed) ? answers : answers[0])
    }
    const json = { 'content-type': 'application/json' }
    if (failing === undefined) {
      response.writeHead(200, json).end(each((call) => answer(call, caller)))
      return
    }
    stats.failed[failing]++
    const text = quote(caller)
    if (failing === 'drop') request.socket.destroy()
    else if (failing === 'http-500') response.writeHead(500, { 'content-type': 'text/plain' }).end(text)
    else if (failing === 'unauthorized')
      response.writeHead(401, json).end(each((call) => unauthorized(call, caller)))
    else if (failing === 'rpc-error')
      response.writeHead(200, json).end(each((call) => internalError(call, caller)))
    else if (failing === 'rate-limit')
      response
        .writeHead(429, { 'content-type': 'text/plain', 'retry-after': '1' })
        .end(`too many requests: ${text}`)
    else response.writeHead(200, { 'content-type': 'text/html' }).end(`<html>${text}</html>`)
  }

  function answerWs(ws: WebSocket, text: string): void {
    const state = sockets.get(ws)
    if (!state) return
    const call = parse(text) as Call
    const send = (message: object) => ws.send(JSON.stringify(message))
    if (failing !== undefined) {
      stats.failed[failing]++
      if (failing === 'http-500') ws.close(1011, closeReason(state.caller))
      else if (failing === 'drop') ws.terminate()
      else if (failing === 'malformed') ws.send(`not json: ${quote(state.caller)}`)
      else if (failing === 'unauthorized') send(unauthorized(call, state.caller))
      else if (failing === 'rpc-error') send(internalError(call, state.caller))
      else
        send({
          jsonrpc: '2.0',
          id: call.id,
          error: { code: -32005, message: `rate limited: ${quote(state.caller)}` },
        })
      return
    }
    if (call.method === 'eth_subscribe') {
      const id = `0x${(nextSubscription++).toString(16)}`
      state.subscriptions.add(id)
      stats.answered++
      send({ jsonrpc: '2.0', id: call.id, result: id })
    } else if (call.method === 'eth_unsubscribe') {
      const [id] = (call.params as unknown[] | undefined) ?? []
      stats.answered++
      send({ jsonrpc: '2.0', id: call.id, result: state.subscriptions.delete(String(id)) })
    } else send(answer(call, state.caller))
  }

  function answer(call: Call, caller: Caller): object {
    if (call.method === 'eth_call') {
      stats.reverted++
      return {
        jsonrpc: '2.0',
        id: call.id,
        error: { code: 3, message: `execution reverted: ${quote(caller)}`, data: { url: caller.url } },
      }
    }
    stats.answered++
    return { jsonrpc: '2.0', id: call.id, result: result(call) }
  }

  function result(call: Call): unknown {
    switch (call.method) {
      case 'eth_chainId':
        return '0x1'
      case 'net_version':
        return '1'
      case 'eth_blockNumber':
        return hex(head)
      case 'eth_getBlockByNumber': {
        const [tag] = (call.params as unknown[] | undefined) ?? []
        const number = typeof tag === 'string' && tag.startsWith('0x') ? Number.parseInt(tag, 16) : head
        return number <= head ? block(number) : null
      }
      case 'eth_getBlockByHash': {
        const [hash] = (call.params as unknown[] | undefined) ?? []
        const number = typeof hash === 'string' ? Number.parseInt(hash.slice(2), 16) : Number.NaN
        return Number.isFinite(number) && number <= head ? block(number) : null
      }
      case 'eth_getLogs':
        return []
      default:
        return '0x0'
    }
  }

  return {
    httpOrigin: `http://127.0.0.1:${port}`,
    wsOrigin: `ws://127.0.0.1:${port}`,
    stats,
    fail(way) {
      failing = way
      for (const [ws, state] of sockets) {
        if (way === 'http-500') ws.close(1011, closeReason(state.caller))
        else if (way === 'drop') ws.terminate()
      }
    },
    recover() {
      failing = undefined
    },
    mine() {
      head++
      const header = block(head)
      for (const [ws, state] of sockets)
        for (const subscription of state.subscriptions)
          ws.send(
            JSON.stringify({
              jsonrpc: '2.0',
              method: 'eth_subscription',
              params: { subscription, result: header },
            }),
          )
    },
    async close() {
      for (const ws of sockets.keys()) ws.terminate()
      wss.close()
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    },
  }
}

function callerOf(request: IncomingMessage, scheme: 'http' | 'ws'): Caller {
  const credentials = basicCredentials(request.headers.authorization)
  const target = new URL(request.url ?? '/', `${scheme}://${request.headers.host}`)
  const parts = [
    ...target.pathname.split('/').filter((segment) => segment !== ''),
    ...[...target.searchParams.values()].filter((value) => value !== ''),
    ...(credentials ? credentials.split(':') : []),
  ]
  const userInfo = credentials ? `${credentials}@` : ''
  return { url: `${scheme}://${userInfo}${request.headers.host}${request.url ?? '/'}`, parts }
}

function basicCredentials(header: string | undefined): string | undefined {
  if (!header?.startsWith('Basic ')) return undefined
  return Buffer.from(header.slice(6), 'base64').toString('utf8')
}

/** What the upstream says about its caller in every error. */
function quote(caller: Caller): string {
  return `invalid key for ${caller.url} (${caller.parts.join(', ')})`
}

/** A WebSocket close reason is at most 123 bytes: the parts alone, which the tests keep short. */
function closeReason(caller: Caller): string {
  const reason = `revoked: ${caller.parts.join(' ')}`
  if (Buffer.byteLength(reason) > 123) throw new Error(`close reason too long for a test URL: ${reason}`)
  return reason
}

function unauthorized(call: Call, caller: Caller): object {
  return { jsonrpc: '2.0', id: call.id ?? null, error: { code: -32002, message: quote(caller) } }
}

function internalError(call: Call, caller: Caller): object {
  return {
    jsonrpc: '2.0',
    id: call.id ?? null,
    error: { code: -32603, message: `internal error: ${quote(caller)}`, data: { url: caller.url } },
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return {}
  }
}

function hex(value: number): string {
  return `0x${value.toString(16)}`
}

function block(number: number): object {
  const hash = (n: number) => `0x${n.toString(16).padStart(HASH_PAD, '0')}`
  return {
    number: hex(number),
    hash: hash(number),
    parentHash: hash(number - 1),
    timestamp: hex(1_700_000_000 + number),
    transactions: [],
  }
}
