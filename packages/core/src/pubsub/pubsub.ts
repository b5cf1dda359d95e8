import { parseOptions } from '../validation/parse-options.js'
import * as v from '../validation/schema.js'
import { functionSchema, implementsSchema } from '../validation/schemas.js'
import { createRingBuffer, type RingBuffer } from './ring-buffer.js'

/** The topic names of a topic map: its string keys. */
export type TopicOf<TTopics> = Extract<keyof TTopics, string>

/**
 * Receives the payloads published on one topic. `origin` is the publishing instance's id for a message
 * that came through the adapter from another instance, and `undefined` for one published here — so a
 * listener that counts this instance's own work (metrics, call counts) can skip the others'.
 */
export type TopicListener<TTopics, TTopic extends TopicOf<TTopics>> = (
  payload: TTopics[TTopic],
  topic: TTopic,
  origin: string | undefined,
) => void

/**
 * Receives every message on every topic. Its parameters are a discriminated pair, so checking `topic`
 * narrows `payload`. Declare both parameters: TypeScript does not accept a one-parameter function here.
 */
export type AnyTopicListener<TTopics> = (
  ...message: { [TTopic in TopicOf<TTopics>]: [topic: TTopic, payload: TTopics[TTopic]] }[TopicOf<TTopics>]
) => void

/** Stops a subscription. Calling it again does nothing. */
export type Unsubscribe = () => void

/**
 * Carries messages between PubSub instances in different processes (e.g. over Redis). The PubSub hands
 * every local publish to {@link PubSubAdapter.publish} and delivers what the adapter passes to its
 * `deliver` callback locally, without handing it back — so the adapter must not deliver an instance's
 * own messages back to it, or they would be delivered there twice. `origin` names the instance that
 * published the message (e.g. its cluster instance id); listeners receive it.
 */
export interface PubSubAdapter {
  /**
   * Sends a locally published message to the other instances. May be async; a throw or rejection goes
   * to `onAdapterError` and never reaches the publisher.
   */
  publish(topic: string, payload: unknown): void | PromiseLike<void>
  /**
   * Called once when the PubSub is created: the adapter calls `deliver` for each message from another
   * instance. Returns a function that detaches (called by `dispose`).
   */
  subscribe(deliver: (topic: string, payload: unknown, origin: string) => void): () => void
}

/** Options of {@link createPubSub}. */
export interface PubSubOptions {
  /** Messages kept per topic for `recent()`; 0 keeps none. @default 100 */
  replay?: number
  /** Fans messages out to other instances; without one, the PubSub is process-local. */
  adapter?: PubSubAdapter
  /**
   * Receives errors thrown (or rejected) by subscribers; the publisher and the other subscribers carry
   * on regardless.
   * @default logs with `console.error`
   */
  onListenerError?: (error: unknown, topic: string) => void
  /** Receives errors thrown (or rejected) by `adapter.publish`. @default logs with `console.error` */
  onAdapterError?: (error: unknown, topic: string) => void
}

/** Typed publish/subscribe with a bounded replay buffer per topic. */
export interface PubSub<TTopics> {
  /**
   * Records `payload` in the topic's replay buffer, hands it to the adapter (if any) and delivers it
   * synchronously to the topic's subscribers, then to `subscribeAll` listeners. Payloads are shared,
   * not copied: treat them as immutable.
   */
  publish<TTopic extends TopicOf<TTopics>>(topic: TTopic, payload: TTopics[TTopic]): void
  /**
   * Calls `listener` for every later message on `topic` (from this instance or, via the adapter, from
   * others). A listener added during a delivery first hears the next message.
   */
  subscribe<TTopic extends TopicOf<TTopics>>(
    topic: TTopic,
    listener: TopicListener<TTopics, TTopic>,
  ): Unsubscribe
  /**
   * Calls `listener` with `(topic, payload)` for every later message on any topic, wherever it was
   * published; subscribe to a topic to learn a message's origin.
   */
  subscribeAll(listener: AnyTopicListener<TTopics>): Unsubscribe
  /** Up to `n` of the latest messages of `topic` (at most the replay capacity), oldest first. */
  recent<TTopic extends TopicOf<TTopics>>(topic: TTopic, n?: number): TTopics[TTopic][]
  /** Detaches from the adapter and drops every subscriber and replay buffer; later publishes are ignored. */
  dispose(): void
}

const optionsSchema = v.strictObject({
  replay: v._default(v.number().check(v.int(), v.nonnegative(), v.lte(1_000_000)), 100),
  adapter: v.optional(
    implementsSchema<PubSubAdapter>(
      ['publish', 'subscribe'],
      'expected a PubSubAdapter ({ publish, subscribe })',
    ),
  ),
  onListenerError: v.optional(functionSchema<(error: unknown, topic: string) => void>()),
  onAdapterError: v.optional(functionSchema<(error: unknown, topic: string) => void>()),
})

interface Subscription {
  listener: (first: unknown, second: unknown, origin?: string) => unknown
  active: boolean
}

interface Channel {
  replay: RingBuffer<unknown>
  // Copy-on-write: delivery iterates the array it started with, so (un)subscribing mid-delivery is safe.
  subscriptions: readonly Subscription[]
}

function logListenerError(error: unknown, topic: string): void {
  console.error(`ChainPulse: a PubSub subscriber of "${topic}" threw`, error)
}

function logAdapterError(error: unknown, topic: string): void {
  console.error(`ChainPulse: the PubSub adapter failed to publish on "${topic}"`, error)
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  )
}

/**
 * Creates a typed PubSub. Give it a topic map (topic name → payload type), e.g. `ChainPulseTopics`.
 *
 * @throws {ConfigError} when an option is invalid.
 * @example
 * const pubsub = createPubSub<ChainPulseTopics>({ replay: 100 })
 * const unsubscribe = pubsub.subscribe('blocks:new', (block) => console.log(block.number))
 * pubsub.publish('blocks:new', block)
 * pubsub.recent('blocks:new', 10) // the 10 latest blocks, oldest first
 */
export function createPubSub<TTopics extends object>(options: PubSubOptions = {}): PubSub<TTopics> {
  const config = parseOptions(optionsSchema, options, 'pubsub options')
  const { replay, adapter } = config
  const onListenerError = config.onListenerError ?? logListenerError
  const onAdapterError = config.onAdapterError ?? logAdapterError

  const channels = new Map<string, Channel>()
  let everyTopic: readonly Subscription[] = []
  let disposed = false

  function channelOf(topic: string): Channel {
    let channel = channels.get(topic)
    if (!channel) {
      channel = { replay: createRingBuffer(replay), subscriptions: [] }
      channels.set(topic, channel)
    }
    return channel
  }

  function reportListenerError(error: unknown, topic: string): void {
    try {
      onListenerError(error, topic)
    } catch {
      // The error handler failing must not break delivery either.
    }
  }

  function invoke(
    subscription: Subscription,
    first: unknown,
    second: unknown,
    origin: string | undefined,
    topic: string,
  ): void {
    try {
      const result = subscription.listener(first, second, origin)
      if (isThenable(result)) result.then(undefined, (error: unknown) => reportListenerError(error, topic))
    } catch (error) {
      reportListenerError(error, topic)
    }
  }

  function deliver(topic: string, payload: unknown, origin: string | undefined): void {
    const channel = channelOf(topic)
    channel.replay.push(payload)
    const subscriptions = channel.subscriptions
    for (let i = 0; i < subscriptions.length; i++) {
      const subscription = subscriptions[i]!
      if (subscription.active) invoke(subscription, payload, topic, origin, topic)
    }
    const all = everyTopic
    for (let i = 0; i < all.length; i++) {
      const subscription = all[i]!
      if (subscription.active) invoke(subscription, topic, payload, origin, topic)
    }
  }

  function reportAdapterError(error: unknown, topic: string): void {
    try {
      onAdapterError(error, topic)
    } catch {
      // Same as listeners: nothing an error handler does may reach the publisher.
    }
  }

  function sendToAdapter(target: PubSubAdapter, topic: string, payload: unknown): void {
    try {
      const result = target.publish(topic, payload)
      if (isThenable(result)) result.then(undefined, (error: unknown) => reportAdapterError(error, topic))
    } catch (error) {
      reportAdapterError(error, topic)
    }
  }

  // Messages from other instances are delivered and recorded, never handed back to the adapter: that
  // is what keeps N instances from echoing each other's messages forever.
  const detach = adapter?.subscribe((topic, payload, origin) => {
    if (!disposed) deliver(topic, payload, origin)
  })

  return {
    publish(topic, payload) {
      if (disposed) return
      // The adapter goes first so that a subscriber publishing in reaction cannot overtake this message
      // on its way to the other instances.
      if (adapter) sendToAdapter(adapter, topic, payload)
      deliver(topic, payload, undefined)
    },
    subscribe(topic, listener) {
      if (disposed) return () => {}
      const channel = channelOf(topic)
      const subscription: Subscription = { listener: listener as Subscription['listener'], active: true }
      channel.subscriptions = [...channel.subscriptions, subscription]
      return () => {
        if (!subscription.active) return
        subscription.active = false
        channel.subscriptions = channel.subscriptions.filter((candidate) => candidate !== subscription)
      }
    },
    subscribeAll(listener) {
      if (disposed) return () => {}
      const subscription: Subscription = { listener: listener as Subscription['listener'], active: true }
      everyTopic = [...everyTopic, subscription]
      return () => {
        if (!subscription.active) return
        subscription.active = false
        everyTopic = everyTopic.filter((candidate) => candidate !== subscription)
      }
    },
    recent<TTopic extends TopicOf<TTopics>>(topic: TTopic, n = replay): TTopics[TTopic][] {
      return (channels.get(topic)?.replay.latest(n) ?? []) as TTopics[TTopic][]
    },
    dispose() {
      if (disposed) return
      disposed = true
      detach?.()
      for (const channel of channels.values()) {
        for (const subscription of channel.subscriptions) subscription.active = false
      }
      for (const subscription of everyTopic) subscription.active = false
      channels.clear()
      everyTopic = []
    },
  }
}
