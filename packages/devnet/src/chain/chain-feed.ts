import WebSocket from 'ws'
import { hexToNumber, rpcCall } from '../rpc/json-rpc.js'

/** A block header as anvil's `newHeads` subscription sends it. */
export interface BlockHeader {
  number: string
  hash: string
  parentHash: string
  timestamp: string
  [field: string]: unknown
}

/** A log as anvil's `logs` subscription sends it. */
export interface LogEntry {
  address: string
  topics: string[]
  data: string
  blockNumber: string
  blockHash: string
  logIndex: string
  transactionHash: string
  removed?: boolean
  [field: string]: unknown
}

/**
 * One event of a chain's feed. `receivedAt` is when the feed got it from the node (`performance.now()`):
 * providers time their delivery delays from it, so the providers served after another one in the same
 * turn are not late by that one's sending time.
 */
export type ChainEvent =
  | { type: 'newHeads'; block: number; payload: BlockHeader; receivedAt: number }
  | { type: 'logs'; block: number; payload: LogEntry; receivedAt: number }

/**
 * One WebSocket subscription per chain to the node's `newHeads` and all of its `logs`, fanned out to
 * every provider of the chain. Providers filter and delay from here, so N providers cost the node one
 * connection, not N.
 */
export interface ChainFeed {
  /** Latest block number seen (from the node at start, then from `newHeads`). */
  readonly head: number
  /** Registers a listener for every event; returns its unsubscribe function. */
  subscribe(listener: (event: ChainEvent) => void): () => void
  close(): Promise<void>
}

/**
 * Connects to a node's WebSocket and subscribes to its heads and logs.
 *
 * @throws {Error} when the node refuses the connection or a subscription
 * @example
 * const feed = await openChainFeed({ url: node.url, wsUrl: node.wsUrl })
 * feed.subscribe((event) => console.log(event.type, event.block))
 */
export async function openChainFeed(node: { url: string; wsUrl: string }): Promise<ChainFeed> {
  const listeners = new Set<(event: ChainEvent) => void>()
  const socket = new WebSocket(node.wsUrl)
  await new Promise<void>((resolve, reject) => {
    socket.once('open', resolve)
    socket.once('error', reject)
  })
  // after open, a dying node shows up as 'close'; an unhandled 'error' would crash the process
  socket.on('error', () => {})
  const subscriptions = new Map<string, ChainEvent['type']>()
  const pending = new Map<number, (subscriptionId: string) => void>()
  let head = 0

  socket.on('message', (data) => {
    const receivedAt = performance.now()
    const message = JSON.parse(String(data)) as {
      id?: number
      result?: unknown
      params?: { subscription: string; result: unknown }
    }
    if (message.id !== undefined) {
      pending.get(message.id)?.(String(message.result))
      pending.delete(message.id)
      return
    }
    const type = message.params ? subscriptions.get(message.params.subscription) : undefined
    if (!type || !message.params) return
    const event = toEvent(type, message.params.result, receivedAt)
    if (event.type === 'newHeads') head = Math.max(head, event.block)
    for (const listener of listeners) listener(event)
  })

  const subscribeTo = (id: number, type: ChainEvent['type'], params: unknown[]) =>
    new Promise<void>((resolve) => {
      pending.set(id, (subscriptionId) => {
        subscriptions.set(subscriptionId, type)
        resolve()
      })
      socket.send(JSON.stringify({ jsonrpc: '2.0', id, method: 'eth_subscribe', params }))
    })
  await Promise.all([subscribeTo(1, 'newHeads', ['newHeads']), subscribeTo(2, 'logs', ['logs', {}])])
  // read the head only once subscribed, so no block falls between the two
  head = Math.max(head, hexToNumber(await rpcCall(node.url, 'eth_blockNumber')))

  return {
    get head() {
      return head
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    async close() {
      listeners.clear()
      if (socket.readyState === WebSocket.CLOSED) return
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
      socket.terminate()
      await closed
    },
  }
}

function toEvent(type: ChainEvent['type'], payload: unknown, receivedAt: number): ChainEvent {
  if (type === 'newHeads') {
    const header = payload as BlockHeader
    return { type, block: hexToNumber(header.number), payload: header, receivedAt }
  }
  const log = payload as LogEntry
  return { type, block: hexToNumber(log.blockNumber), payload: log, receivedAt }
}
