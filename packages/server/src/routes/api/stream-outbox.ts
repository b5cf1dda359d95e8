/** The part of a `ws` WebSocket an {@link Outbox} writes to. */
export interface OutboxSocket {
  /** Bytes handed to `send` but not yet written to the network. */
  readonly bufferedAmount: number
  send(data: string, callback?: (error?: Error) => void): void
}

/** Counters of one {@link Outbox}. */
export interface OutboxStats {
  /** Messages waiting in the queue now. */
  queued: number
  /** Characters of the queued messages. */
  queuedBytes: number
  /** Messages dropped since the connection opened. */
  dropped: number
  /** Dropped messages the client has not been told about yet. */
  unreported: number
  /** Messages handed to the socket. */
  sent: number
}

/** A bounded send queue in front of one slow-or-fast WebSocket. */
export interface Outbox {
  /**
   * Sends `data` now if the socket has room, else queues it. With a `coalesceKey` (a snapshot topic),
   * a queued message with the same key is replaced instead: only the newest snapshot is worth sending.
   */
  push(data: string, coalesceKey?: string): void
  /** Sends queued messages while the socket has room; the socket's write callbacks call it too. */
  flush(): void
  stats(): OutboxStats
  /** Drops the queue (the connection closed). */
  clear(): void
}

/** Options of {@link createOutbox}. */
export interface OutboxOptions {
  socket: OutboxSocket
  /** Most messages queued. @default 256 */
  maxQueuedMessages?: number
  /** `bufferedAmount` past which messages queue instead of being sent; also the most queued bytes. @default 1 MiB */
  maxBufferedBytes?: number
}

interface Queued {
  data: string
  key: string | undefined
}

/**
 * Creates the send queue of one stream connection. Memory per connection is bounded by
 * `maxBufferedBytes` in the socket plus `maxBufferedBytes` (and `maxQueuedMessages`) in the queue,
 * however slowly the client reads: when the queue is full the **oldest** messages are dropped (a live
 * dashboard wants the newest), counted, and the client is told with `{"dropped":n}` before the next
 * message it gets. Snapshot topics are sampled rather than dropped: a newer snapshot replaces the
 * queued one.
 *
 * @example
 * const outbox = createOutbox({ socket, maxQueuedMessages: 256 })
 * outbox.push(JSON.stringify({ topic: 'blocks:new', payload }))
 */
export function createOutbox(options: OutboxOptions): Outbox {
  const { socket } = options
  const maxQueued = options.maxQueuedMessages ?? 256
  const maxBytes = options.maxBufferedBytes ?? 1_048_576
  let queue: Queued[] = []
  let queuedBytes = 0
  let dropped = 0
  let unreported = 0
  let sent = 0
  let flushScheduled = false

  const onWritten = () => {
    // Write callbacks fire as the socket drains: the moment to move queued messages along.
    if (queue.length > 0 && !flushScheduled) {
      flushScheduled = true
      queueMicrotask(() => {
        flushScheduled = false
        flush()
      })
    }
  }

  function hasRoom(): boolean {
    return socket.bufferedAmount < maxBytes
  }

  function send(data: string): void {
    sent++
    socket.send(data, onWritten)
  }

  function dropOldest(): void {
    const oldest = queue.shift()
    if (!oldest) return
    queuedBytes -= oldest.data.length
    dropped++
    unreported++
  }

  function flush(): void {
    while (queue.length > 0 && hasRoom()) {
      if (unreported > 0) {
        send(`{"dropped":${unreported}}`)
        unreported = 0
        continue
      }
      const next = queue.shift()!
      queuedBytes -= next.data.length
      send(next.data)
    }
    if (queue.length === 0 && unreported > 0 && hasRoom()) {
      send(`{"dropped":${unreported}}`)
      unreported = 0
    }
  }

  return {
    push(data, coalesceKey) {
      if (queue.length === 0 && unreported === 0 && hasRoom()) {
        send(data)
        return
      }
      if (coalesceKey !== undefined) {
        const index = queue.findIndex((item) => item.key === coalesceKey)
        if (index !== -1) {
          queuedBytes += data.length - queue[index]!.data.length
          queue[index] = { data, key: coalesceKey }
          return
        }
      }
      queue.push({ data, key: coalesceKey })
      queuedBytes += data.length
      while (queue.length > maxQueued || (queuedBytes > maxBytes && queue.length > 1)) dropOldest()
      flush()
    },
    flush,
    stats: () => ({ queued: queue.length, queuedBytes, dropped, unreported, sent }),
    clear() {
      queue = []
      queuedBytes = 0
    },
  }
}
