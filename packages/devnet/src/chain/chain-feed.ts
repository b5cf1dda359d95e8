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
 * One subscription event of a chain's feed. `receivedAt` is when the feed got it from the node
 * (`performance.now()`): providers time their delivery delays from it, so the providers served after
 * another one in the same turn are not late by that one's sending time.
 */
export type ChainEvent =
  | { type: 'newHeads'; block: number; payload: BlockHeader; receivedAt: number }
  | { type: 'logs'; block: number; payload: LogEntry; receivedAt: number }

/** A block a reorg took off the chain, with the logs it had. */
export interface ReplacedBlock {
  number: number
  hash: string
  logs: LogEntry[]
}

/**
 * The chain switched branch: `replaced` (oldest first) are no longer canonical. Sent just before the
 * new branch's first head, so providers can retract what they published of the old one, as geth does
 * with `removed: true` logs (anvil itself sends none).
 */
export interface ReorgEvent {
  type: 'reorg'
  /** The first replaced height. */
  block: number
  replaced: ReplacedBlock[]
  receivedAt: number
}

/** What a feed listener receives. */
export type FeedEvent = ChainEvent | ReorgEvent

/** Blocks (and their logs) remembered to tell what a reorg replaced; deeper reorgs retract less. */
const HISTORY_BLOCKS = 128

/**
 * One WebSocket subscription per chain to the node's `newHeads` and all of its `logs`, fanned out to
 * every provider of the chain. Providers filter and delay from here, so N providers cost the node one
 * connection, not N. Events come out in the order a node publishes them: a block's head, then its logs
 * (anvil sends the logs first); on a reorg, a `reorg` event, then the new branch.
 */
export interface ChainFeed {
  /** Latest block number seen (from the node at start, then from `newHeads`). */
  readonly head: number
  /** Registers a listener for every event; returns its unsubscribe function. */
  subscribe(listener: (event: FeedEvent) => void): () => void
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
  const listeners = new Set<(event: FeedEvent) => void>()
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
  const history = createBlockHistory(() => head)

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
    for (const ordered of history.accept(event)) for (const listener of listeners) listener(ordered)
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

/**
 * Puts a node's events in publishing order and notices reorgs. Logs wait for their block's head (a
 * block's logs never precede it; on a reorg anvil sends the new branch's logs before its heads, at
 * heights already reached). A head at a remembered height with another hash replaces that block and
 * every remembered one above it.
 */
function createBlockHistory(head: () => number): { accept(event: ChainEvent): FeedEvent[] } {
  /** Canonical blocks by height, with their logs. */
  const blocks = new Map<number, ReplacedBlock>()
  /** Logs whose head has not come yet, by block hash. */
  const waiting = new Map<string, ChainEvent[]>()

  const prune = () => {
    const oldest = head() - HISTORY_BLOCKS
    for (const height of blocks.keys()) if (height < oldest) blocks.delete(height)
    // logs of a head that never came (missed before the feed subscribed) are dropped, not kept forever
    for (const [hash, logs] of waiting) if ((logs[0]?.block ?? 0) < oldest) waiting.delete(hash)
  }

  return {
    accept(event) {
      if (event.type === 'logs') {
        const block = blocks.get(event.block)
        if (block?.hash === event.payload.blockHash) {
          block.logs.push(event.payload)
          return [event]
        }
        const logs = waiting.get(event.payload.blockHash) ?? []
        logs.push(event)
        waiting.set(event.payload.blockHash, logs)
        return []
      }
      const out: FeedEvent[] = []
      const known = blocks.get(event.block)
      if (known && known.hash !== event.payload.hash) {
        const replaced = [...blocks.values()]
          .filter((block) => block.number >= event.block)
          .sort((a, b) => a.number - b.number)
        for (const block of replaced) blocks.delete(block.number)
        out.push({ type: 'reorg', block: event.block, replaced, receivedAt: event.receivedAt })
      }
      const logs = waiting.get(event.payload.hash) ?? []
      waiting.delete(event.payload.hash)
      blocks.set(event.block, {
        number: event.block,
        hash: event.payload.hash,
        logs: logs.map((log) => log.payload as LogEntry),
      })
      out.push(event, ...logs)
      prune()
      return out
    },
  }
}
