import { WebSocket } from 'undici'
import type { RunClock } from '../record/clock.js'
import type { DeliveredHead, SubscriptionEvent } from '../record/history.js'

/** Options of {@link startResumingSubscribers}. */
export interface ResumingSubscribersOptions {
  /** The server's WebSocket JSON-RPC URL, e.g. `ws://127.0.0.1:4000/ws/rpc/ethereum`. Must be loopback. */
  url: string
  /** Independent clients, each with its own connection and `newHeads` subscription. */
  clients: number
  /** Stamps every event. */
  clock: RunClock
  /** First wait before reconnecting after a close; doubles per failed attempt. @default 100 */
  minBackoffMs?: number
  /** Longest wait between reconnect attempts. @default 1_000 */
  maxBackoffMs?: number
}

/** Running subscribers: what they saw so far, and how to stop them. */
export interface ResumingSubscribers {
  readonly events: readonly SubscriptionEvent[]
  /** Stops reconnecting, closes every socket and resolves once they are closed. */
  stop(): Promise<void>
}

/**
 * Starts WebSocket clients that each subscribe to `newHeads` and, whenever their socket closes (a
 * server killed mid-stream, a refused connection), reconnect with exponential backoff and subscribe
 * again, as a wallet or indexer that resumes does. They keep no state across connections and filter
 * nothing: every notification is recorded with its block number, hash and parent hash, so duplicates
 * and gaps across a reconnect stay visible to the invariants.
 *
 * @throws {Error} when `url` is not on 127.0.0.1 (the suite never sends load elsewhere)
 * @example
 * const subscribers = startResumingSubscribers({ url: 'ws://127.0.0.1:4000/ws/rpc/ethereum', clients: 4, clock })
 * await subscribers.stop()
 */
export function startResumingSubscribers(options: ResumingSubscribersOptions): ResumingSubscribers {
  if (new URL(options.url).hostname !== '127.0.0.1') throw new Error(`load only to 127.0.0.1: ${options.url}`)
  const minBackoffMs = options.minBackoffMs ?? 100
  const maxBackoffMs = options.maxBackoffMs ?? 1_000
  const events: SubscriptionEvent[] = []
  const { clock } = options
  let stopped = false
  const sockets = new Set<WebSocket>()
  const timers = new Set<NodeJS.Timeout>()
  const closings: Promise<void>[] = []

  const client = (index: number) => {
    let connection = -1
    let backoffMs = minBackoffMs
    const connect = () => {
      if (stopped) return
      connection++
      const current = connection
      const socket = new WebSocket(options.url)
      sockets.add(socket)
      let opened = false
      let subscription: string | undefined
      const closed = new Promise<void>((resolve) => {
        socket.addEventListener('close', (event) => {
          sockets.delete(socket)
          events.push({
            at: clock.now(),
            client: index,
            connection: current,
            kind: 'closed',
            code: event.code,
            opened,
          })
          resolve()
          if (stopped) return
          // A connection that subscribed resets the backoff: the next outage starts from the shortest wait.
          const wait = backoffMs
          backoffMs = subscription === undefined ? Math.min(maxBackoffMs, backoffMs * 2) : minBackoffMs
          const timer = setTimeout(() => {
            timers.delete(timer)
            connect()
          }, wait)
          timers.add(timer)
        })
      })
      closings.push(closed)
      socket.addEventListener('open', () => {
        opened = true
        socket.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] }))
      })
      socket.addEventListener('message', (event) => {
        const at = clock.now()
        const message = parse(String(event.data))
        if (message === undefined) {
          events.push({
            at,
            client: index,
            connection: current,
            kind: 'error',
            detail: `unreadable frame: ${String(event.data).slice(0, 120)}`,
          })
          return
        }
        if (message.id === 1) {
          if (typeof message.result === 'string') {
            subscription = message.result
            events.push({ at, client: index, connection: current, kind: 'subscribed', subscription })
          } else {
            events.push({
              at,
              client: index,
              connection: current,
              kind: 'error',
              detail: `eth_subscribe: ${JSON.stringify(message.error)}`,
            })
            socket.close()
          }
          return
        }
        const head =
          message.method === 'eth_subscription' && message.params?.subscription === subscription
            ? toHead(message.params?.result)
            : undefined
        if (head) events.push({ at, client: index, connection: current, kind: 'head', head })
        else
          events.push({
            at,
            client: index,
            connection: current,
            kind: 'error',
            detail: `unexpected frame: ${String(event.data).slice(0, 120)}`,
          })
      })
    }
    connect()
  }
  for (let index = 0; index < options.clients; index++) client(index)

  return {
    events,
    async stop() {
      stopped = true
      for (const timer of timers) clearTimeout(timer)
      for (const socket of sockets) socket.close()
      await Promise.all(closings)
    },
  }
}

interface Frame {
  id?: unknown
  result?: unknown
  error?: unknown
  method?: unknown
  params?: { subscription?: unknown; result?: unknown }
}

function parse(text: string): Frame | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Frame) : undefined
  } catch {
    return undefined
  }
}

function toHead(result: unknown): DeliveredHead | undefined {
  const header = result as { number?: unknown; hash?: unknown; parentHash?: unknown } | undefined
  if (
    typeof header?.number !== 'string' ||
    typeof header.hash !== 'string' ||
    typeof header.parentHash !== 'string'
  )
    return undefined
  return { number: Number.parseInt(header.number, 16), hash: header.hash, parentHash: header.parentHash }
}
