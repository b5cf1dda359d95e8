import type { PubSubAdapter } from '@chainpulse/core'
import * as z from 'zod/mini'
import { connect, disconnect } from '../connection/connect.js'
import { parseOptions } from '../options/parse-options.js'
import { callbackSchema, type RedisTarget, redisTargetSchema } from '../options/schemas.js'
import { decodeEnvelope, encodeEnvelope, encodeMessage, envelopePrefix } from './envelope.js'

/** Options of {@link createRedisPubSubAdapter}. */
export interface RedisPubSubAdapterOptions {
  /**
   * Where Redis is: a `redis://` URL, or an ioredis client whose settings (host, credentials, TLS,
   * database) are copied into the adapter's own two connections. The client itself is left alone.
   */
  redis: RedisTarget
  /** This instance's id, unique in the cluster: the origin of its messages, and how it skips its own. */
  instanceId: string
  /** The Redis channel every instance of the cluster publishes on. @default "chainpulse:events" */
  channel?: string
  /**
   * Most messages waiting to reach Redis at once (batched for the next PUBLISH, or sent and not yet
   * answered); past it a message is dropped (and counted), so a slow or hung Redis costs bounded memory.
   * @default 10000
   */
  maxPendingMessages?: number
  /**
   * Topics whose messages may wait up to `deferMs` for other messages to share a PUBLISH, instead of
   * going at the end of the turn that published them: a busy instance publishes a routing decision per
   * request, and each PUBLISH costs both processes a socket write and an answer. A message of any other
   * topic has the batch sent at the end of its turn, the waiting messages with it, in order.
   * @default ["routing:decisions"]
   */
  deferTopics?: readonly string[]
  /** Longest wait of a message of `deferTopics` (ms); 0 sends them at the end of their turn too. @default 4 */
  deferMs?: number
  /**
   * Receives connection errors (once per distinct error until the connection is back), payloads that
   * cannot be serialised, and errors thrown by the PubSub's delivery.
   * @default logs with `console.warn`
   */
  onError?: (error: unknown) => void
}

/** Counters of a {@link RedisPubSubAdapter} since it was created. */
export interface RedisPubSubAdapterStatus {
  /** Both connections are up and the channel is subscribed: messages flow both ways. */
  connected: boolean
  /** Messages Redis accepted from this instance. */
  published: number
  /** Messages from other instances handed to the PubSub. */
  delivered: number
  /** Messages of this instance not sent: Redis down, too many pending, or a payload JSON cannot carry. */
  dropped: number
  /** Messages on the channel that are not a known envelope; ignored. */
  malformed: number
  /** Messages batched or sent and not yet answered by Redis (at most `maxPendingMessages`). */
  pending: number
}

/** A {@link PubSubAdapter} over a Redis channel, with counters and a way to close it. */
export interface RedisPubSubAdapter extends PubSubAdapter {
  /** What the adapter has done so far, and whether it is connected now. */
  status(): RedisPubSubAdapterStatus
  /** Closes both connections; later publishes are dropped. Resolves once they are closed; never rejects. */
  close(): Promise<void>
}

const optionsSchema = z.strictObject({
  redis: redisTargetSchema,
  instanceId: z.string().check(z.minLength(1, 'expected a non-empty instance id')),
  channel: z._default(z.string().check(z.minLength(1, 'expected a non-empty channel')), 'chainpulse:events'),
  maxPendingMessages: z._default(z.number().check(z.int(), z.positive(), z.lte(1_000_000)), 10_000),
  deferTopics: z._default(z.readonly(z.array(z.string())), ['routing:decisions']),
  deferMs: z._default(z.number().check(z.int(), z.gte(0), z.lte(60_000)), 4),
  onError: callbackSchema<(error: unknown) => void>(),
})

/** A bound on one PUBLISH's size: a burst goes out as several envelopes rather than one huge one. */
const MAX_MESSAGES_PER_PUBLISH = 500

function logError(error: unknown): void {
  console.warn('ChainPulse: Redis PubSub adapter:', error)
}

/**
 * Creates a {@link PubSubAdapter} that fans a PubSub's messages out to every instance of a cluster
 * through one Redis channel, and delivers theirs. It never throws at or blocks a publisher: when Redis
 * is slow or down, messages for the other instances are dropped and counted while local delivery goes
 * on, and the adapter reconnects and resubscribes by itself when Redis is back. What an instance
 * publishes in one turn of its event loop goes out as one PUBLISH; messages of `deferTopics` (routing
 * decisions, one per request) wait up to `deferMs` for more to go with them.
 *
 * @throws {ConfigError} when an option is invalid.
 * @example
 * const adapter = createRedisPubSubAdapter({ redis: 'redis://127.0.0.1:6379', instanceId: 'proxy-1' })
 * const pubsub = createPubSub<ChainPulseTopics>({ adapter })
 * // on shutdown
 * pubsub.dispose()
 * await adapter.close()
 */
export function createRedisPubSubAdapter(options: RedisPubSubAdapterOptions): RedisPubSubAdapter {
  const config = parseOptions(optionsSchema, options, 'Redis PubSub adapter options')
  const { instanceId, channel, maxPendingMessages, deferMs } = config
  const deferred = new Set(config.deferTopics)
  const onError = config.onError ?? logError

  // A connection in subscriber mode cannot publish, hence two.
  const publisher = connect(config.redis, `chainpulse:pub:${instanceId}`)
  const subscriber = connect(config.redis, `chainpulse:sub:${instanceId}`)
  const receivers = new Set<(topic: string, payload: unknown, origin: string) => void>()
  const counts = { published: 0, delivered: 0, dropped: 0, malformed: 0, pending: 0 }
  let subscribed = false
  let closed = false

  function report(error: unknown): void {
    try {
      onError(error)
    } catch {
      // An error handler that throws must not break the connection's event handling.
    }
  }

  // ioredis emits an error on every failed reconnection attempt: say it once until the connection is back.
  const reportedErrors = new Set<string>()
  function onConnectionError(error: Error): void {
    if (reportedErrors.has(error.message)) return
    reportedErrors.add(error.message)
    report(error)
  }
  for (const connection of [publisher, subscriber]) {
    connection.on('error', onConnectionError)
    connection.on('ready', () => reportedErrors.clear())
  }

  subscriber.on('ready', () => {
    subscriber.subscribe(channel).then(
      () => {
        subscribed = true
      },
      // The connection dropped while subscribing: the next `ready` tries again.
      () => {},
    )
  })
  subscriber.on('close', () => {
    subscribed = false
  })
  // Redis echoes every publish to its own subscriber too: skip those before parsing them.
  const ownPrefix = envelopePrefix(instanceId)
  subscriber.on('message', (from: string, text: string) => {
    if (from !== channel || text.startsWith(ownPrefix)) return
    const envelope = decodeEnvelope(text)
    if (!envelope) {
      counts.malformed++
      return
    }
    if (envelope.origin === instanceId) return
    counts.malformed += envelope.malformed
    for (const { topic, payload } of envelope.messages) {
      counts.delivered++
      for (const deliver of receivers) {
        try {
          deliver(topic, payload, envelope.origin)
        } catch (error) {
          report(error)
        }
      }
    }
  })

  /** Messages published and not yet sent, encoded, in order, waiting for `flush`. */
  let batch: string[] = []
  /** `now` once the batch goes at the end of this turn; the timer of deferred messages waiting alone. */
  let sending: 'now' | NodeJS.Timeout | undefined
  const flush = () => {
    const messages = batch
    batch = []
    if (sending !== 'now') clearTimeout(sending)
    sending = undefined
    for (let start = 0; start < messages.length; start += MAX_MESSAGES_PER_PUBLISH) {
      const slice = messages.slice(start, start + MAX_MESSAGES_PER_PUBLISH)
      // Settled here, never handed back: a failed publish is a counted drop, not a rejection for the
      // PubSub to log once per message during an outage.
      publisher.publish(channel, encodeEnvelope(instanceId, slice)).then(
        () => {
          counts.pending -= slice.length
          counts.published += slice.length
        },
        () => {
          counts.pending -= slice.length
          counts.dropped += slice.length
        },
      )
    }
  }

  return {
    publish(topic, payload) {
      if (closed || publisher.status !== 'ready' || counts.pending >= maxPendingMessages) {
        counts.dropped++
        return
      }
      let text: string
      try {
        text = encodeMessage(topic, payload)
      } catch (error) {
        counts.dropped++
        report(error)
        return
      }
      counts.pending++
      batch.push(text)
      if (deferMs === 0 || !deferred.has(topic)) {
        if (sending === 'now') return
        clearTimeout(sending)
        sending = 'now'
        setImmediate(flush)
      } else if (sending === undefined) {
        sending = setTimeout(flush, deferMs)
      }
    },
    subscribe(deliver) {
      receivers.add(deliver)
      return () => {
        receivers.delete(deliver)
      }
    },
    status() {
      return {
        connected: !closed && subscribed && publisher.status === 'ready',
        ...counts,
      }
    },
    async close() {
      if (closed) return
      // Messages still waiting go now, ahead of the QUIT.
      flush()
      closed = true
      receivers.clear()
      await Promise.all([disconnect(publisher), disconnect(subscriber)])
    },
  }
}
