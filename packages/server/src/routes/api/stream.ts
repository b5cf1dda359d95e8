import {
  CHAINPULSE_TOPICS,
  type ChainPulseTopic,
  type ChainPulseTopics,
  type Clock,
  type PubSub,
} from '@chainpulse/core'
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { Redactor } from '../../security/redaction.js'
import { createOutbox, type Outbox, type OutboxStats } from './stream-outbox.js'

/**
 * PubSub topics a stream client may subscribe to: every topic ChainPulse publishes. Each message is
 * `{ topic, payload }` as published; in cluster mode `{ topic, payload, instance }`, where `instance`
 * is the id of the instance that published it (this one's own id for its own messages).
 */
export const pubsubStreamTopics = CHAINPULSE_TOPICS

/**
 * Snapshot topics: sent every `snapshotIntervalMs` (and once on subscribing) so the dashboard never
 * polls. `runtime` is `GET /api/runtime`'s body, `providers` `GET /api/providers`', `chains`
 * `GET /api/chains`', `leaderboard` `{ [chain]: LeaderboardEntry[] }`.
 */
export const snapshotStreamTopics = ['runtime', 'providers', 'chains', 'leaderboard'] as const

/** A snapshot topic of `GET /api/stream`. */
export type SnapshotStreamTopic = (typeof snapshotStreamTopics)[number]

/** Any topic of `GET /api/stream`. */
export type StreamTopic = ChainPulseTopic | SnapshotStreamTopic

const allTopics: readonly string[] = [...pubsubStreamTopics, ...snapshotStreamTopics]
const isSnapshotTopic = (topic: string): topic is SnapshotStreamTopic =>
  (snapshotStreamTopics as readonly string[]).includes(topic)

const topicSchema = z.enum([...pubsubStreamTopics, ...snapshotStreamTopics])
/** A message from a stream client. */
const clientMessageSchema = z.strictObject({
  subscribe: z.array(topicSchema).max(32).optional(),
  unsubscribe: z.array(topicSchema).max(32).optional(),
  /** With `subscribe`: first send up to this many recent messages of each subscribed PubSub topic. */
  replay: z.number().int().min(0).max(100).optional(),
})

/** Counters of the stream, for `GET /api/runtime`. */
export interface StreamStats {
  connections: number
  /** Messages queued over every connection now (each queue is bounded by `maxQueuedMessages`). */
  queuedMessages: number
  /** The longest single connection queue now. */
  longestQueue: number
  maxQueuedMessages: number
  /** Messages dropped for slow consumers since the start. */
  droppedMessages: number
  sentMessages: number
}

/** Fans PubSub messages and periodic snapshots out to every stream connection. */
export interface StreamHub {
  /** Takes over a new connection's socket. */
  accept(socket: StreamSocket): void
  /** Builds and sends the snapshot topics now (the timer calls it each interval). */
  tick(): void
  stats(): StreamStats
  /** Per-connection outbox counters, in connection order (for tests and diagnostics). */
  connections(): OutboxStats[]
  /** Stops the timer and closes every connection. */
  close(): void
}

/** The part of a `ws` WebSocket the hub uses. */
export interface StreamSocket {
  readonly bufferedAmount: number
  readonly readyState: number
  send(data: string, callback?: (error?: Error) => void): void
  close(code?: number, reason?: string): void
  on(event: 'message', listener: (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => void): unknown
  on(event: 'close', listener: () => void): unknown
  on(event: 'error', listener: (error: Error) => void): unknown
}

/** Options of {@link createStreamHub}. */
export interface StreamHubOptions {
  pubsub: Pick<PubSub<ChainPulseTopics>, 'subscribe' | 'recent'>
  /**
   * This instance's cluster id: PubSub messages then carry `instance` (theirs for other instances'
   * messages, this one for its own), so a dashboard can tell them apart. @default none (no `instance`)
   */
  instanceId?: string
  /** Builds a snapshot topic's payload (called at most once per tick per topic, only when subscribed). */
  snapshot(topic: SnapshotStreamTopic): unknown
  /** Called every tick before the snapshots, e.g. to take the runtime reading. */
  onTick?: () => void
  redact: Redactor
  clock: Clock
  /** @default 1_000 */
  snapshotIntervalMs?: number
  /** @default 256 */
  maxQueuedMessages?: number
  /** @default 1 MiB */
  maxBufferedBytes?: number
  /** @default 100 */
  maxConnections?: number
}

const OPEN = 1
const MAX_CLIENT_MESSAGE_BYTES = 16_384

interface Connection {
  socket: StreamSocket
  outbox: Outbox
  topics: Set<string>
}

/**
 * Creates the stream hub: one PubSub listener for the whole server; each message is serialized (and
 * redacted) once, only when some connection subscribed to its topic, then queued per connection in a
 * bounded {@link Outbox}.
 *
 * @example
 * const hub = createStreamHub({ pubsub: pool.pubsub, snapshot: buildSnapshot, redact, clock: systemClock })
 */
export function createStreamHub(options: StreamHubOptions): StreamHub {
  const intervalMs = options.snapshotIntervalMs ?? 1_000
  const maxConnections = options.maxConnections ?? 100
  const maxQueuedMessages = options.maxQueuedMessages ?? 256
  const connections = new Set<Connection>()
  const subscribers = new Map<string, number>(allTopics.map((topic) => [topic, 0]))
  let droppedBefore = 0
  let sentBefore = 0
  let timer: unknown
  let closed = false

  const localId = options.instanceId
  // Who published a replayed message: `recent()` keeps payloads only, and payloads are shared objects, so
  // other instances' payloads are remembered here (a local one is never in it) for as long as they live.
  const originOf = new WeakMap<object, string>()
  const encode = (topic: string, payload: unknown, origin?: string) =>
    options.redact(
      JSON.stringify(
        localId === undefined ? { topic, payload } : { topic, payload, instance: origin ?? localId },
      ),
    )

  // One listener per topic rather than subscribeAll: only a topic's listeners learn a message's origin.
  const unsubscribes = pubsubStreamTopics.map((topic) =>
    options.pubsub.subscribe(topic, (payload, _topic, origin) => {
      if (origin !== undefined && typeof payload === 'object' && payload !== null)
        originOf.set(payload, origin)
      if ((subscribers.get(topic) ?? 0) === 0) return
      const data = encode(topic, payload, origin)
      for (const connection of connections) if (connection.topics.has(topic)) connection.outbox.push(data)
    }),
  )
  const unsubscribePubsub = () => {
    for (const unsubscribe of unsubscribes) unsubscribe()
  }

  function sendSnapshot(topic: SnapshotStreamTopic, only?: Connection): void {
    const data = encode(topic, options.snapshot(topic))
    if (only) only.outbox.push(data, topic)
    else
      for (const connection of connections)
        if (connection.topics.has(topic)) connection.outbox.push(data, topic)
  }

  function tick(): void {
    options.onTick?.()
    for (const topic of snapshotStreamTopics) if ((subscribers.get(topic) ?? 0) > 0) sendSnapshot(topic)
    for (const connection of connections) connection.outbox.flush()
  }

  function schedule(): void {
    if (closed) return
    timer = options.clock.setTimeout(() => {
      tick()
      schedule()
    }, intervalMs)
  }
  schedule()

  function reply(connection: Connection, message: object): void {
    connection.outbox.push(JSON.stringify(message))
  }

  function handleMessage(connection: Connection, raw: Buffer | ArrayBuffer | Buffer[]): void {
    const text = Buffer.isBuffer(raw)
      ? raw.toString('utf8')
      : Array.isArray(raw)
        ? Buffer.concat(raw).toString('utf8')
        : Buffer.from(raw).toString('utf8')
    if (text.length > MAX_CLIENT_MESSAGE_BYTES) {
      reply(connection, { error: { message: 'message too large', path: '' } })
      return
    }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      reply(connection, { error: { message: 'expected a JSON object', path: '' } })
      return
    }
    const parsed = clientMessageSchema.safeParse(json)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      reply(connection, { error: { message: issue.message, path: issue.path.map(String).join('.') } })
      return
    }
    const added: StreamTopic[] = []
    for (const topic of parsed.data.subscribe ?? []) {
      if (connection.topics.has(topic)) continue
      connection.topics.add(topic)
      subscribers.set(topic, (subscribers.get(topic) ?? 0) + 1)
      added.push(topic)
    }
    for (const topic of parsed.data.unsubscribe ?? []) {
      if (!connection.topics.delete(topic)) continue
      subscribers.set(topic, (subscribers.get(topic) ?? 1) - 1)
    }
    reply(connection, { subscribed: [...connection.topics] })
    for (const topic of added) {
      if (isSnapshotTopic(topic)) sendSnapshot(topic, connection)
      else if (parsed.data.replay) {
        const recent = options.pubsub.recent(topic, parsed.data.replay)
        for (const payload of recent)
          connection.outbox.push(
            encode(
              topic,
              payload,
              typeof payload === 'object' && payload !== null ? originOf.get(payload) : undefined,
            ),
          )
      }
    }
  }

  function remove(connection: Connection): void {
    if (!connections.delete(connection)) return
    for (const topic of connection.topics) subscribers.set(topic, (subscribers.get(topic) ?? 1) - 1)
    const stats = connection.outbox.stats()
    droppedBefore += stats.dropped
    sentBefore += stats.sent
    connection.outbox.clear()
  }

  return {
    accept(socket) {
      if (closed || connections.size >= maxConnections) {
        socket.close(1013, 'too many stream connections')
        return
      }
      const connection: Connection = {
        socket,
        topics: new Set(),
        outbox: createOutbox({
          socket: {
            get bufferedAmount() {
              return socket.bufferedAmount
            },
            send(data, callback) {
              if (socket.readyState === OPEN) socket.send(data, callback)
            },
          },
          maxQueuedMessages,
          ...(options.maxBufferedBytes === undefined ? {} : { maxBufferedBytes: options.maxBufferedBytes }),
        }),
      }
      connections.add(connection)
      socket.on('message', (data, isBinary) => {
        if (isBinary) reply(connection, { error: { message: 'expected a text message', path: '' } })
        else handleMessage(connection, data)
      })
      socket.on('close', () => remove(connection))
      socket.on('error', () => remove(connection))
    },
    tick,
    stats() {
      let queuedMessages = 0
      let longestQueue = 0
      let droppedMessages = droppedBefore
      let sentMessages = sentBefore
      for (const connection of connections) {
        const stats = connection.outbox.stats()
        queuedMessages += stats.queued
        longestQueue = Math.max(longestQueue, stats.queued)
        droppedMessages += stats.dropped
        sentMessages += stats.sent
      }
      return {
        connections: connections.size,
        queuedMessages,
        longestQueue,
        maxQueuedMessages,
        droppedMessages,
        sentMessages,
      }
    },
    connections: () => [...connections].map((connection) => connection.outbox.stats()),
    close() {
      if (closed) return
      closed = true
      options.clock.clearTimeout(timer)
      unsubscribePubsub()
      for (const connection of [...connections]) {
        remove(connection)
        connection.socket.close(1001, 'server closing')
      }
    },
  }
}

/**
 * `GET /stream` (mounted under `/api`): the dashboard's one WebSocket. The client sends
 * `{"subscribe":["blocks:new","runtime"],"replay":20}` / `{"unsubscribe":[...]}` and receives
 * `{"topic":...,"payload":...}` messages (with `"instance"` in cluster mode), `{"subscribed":[...]}` acknowledgements, `{"error":{message,path}}`
 * for a bad message, and `{"dropped":n}` when it read too slowly and `n` messages were dropped.
 */
export async function streamRoutes(app: FastifyInstance, options: { hub: StreamHub }): Promise<void> {
  app.get('/stream', { websocket: true }, (socket) => {
    options.hub.accept(socket as unknown as StreamSocket)
  })
}
