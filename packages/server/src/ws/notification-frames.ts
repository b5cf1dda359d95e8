import { randomBytes } from 'node:crypto'
import { createTextFrame, type TextFrame } from './text-frame.js'

/** Builds (and shares) the frames of `eth_subscription` notifications across connections. */
export interface NotificationFrames {
  /**
   * The frame notifying `subscriptionId` of `result`; its payload is byte for byte what
   * `JSON.stringify` makes of `{ jsonrpc: '2.0', method: 'eth_subscription', params: { subscription, result } }`.
   * Treat it as read-only: the same buffers go to every connection that shares the subscription id.
   * @throws {TypeError} when `result` cannot be serialised (a cycle, a BigInt).
   */
  frame(subscriptionId: string, result: unknown): TextFrame
}

/** Options of {@link createNotificationFrames}. */
export interface NotificationFramesOptions {
  /** Frames kept for the current result, one per subscription id seen; more are built each time. @default 256 */
  maxFramesPerResult?: number
}

/**
 * A one-result cache of notification frames. The pool hands the same result object (a block, a log) to
 * every subscriber in one synchronous pass before the next one, so keying on "the result being fanned
 * out now" serialises each block once and encodes and frames each distinct (subscription id, block)
 * pair once; with {@link createSubscriptionIdSource}'s ids (the same sequence on every connection) 1,000
 * clients subscribed to `newHeads` share one frame, written as is (see `sendTextFrame`).
 *
 * Memory stays bounded by one result: frames of the previous result are dropped when the next begins.
 *
 * @example
 * const frames = createNotificationFrames()
 * sendTextFrame(socket, frames.frame(subscriptionId, block))
 */
export function createNotificationFrames(options: NotificationFramesOptions = {}): NotificationFrames {
  const maxFrames = options.maxFramesPerResult ?? 256
  let current: unknown
  let currentJson = ''
  const frames = new Map<string, TextFrame>()
  const build = (subscriptionId: string, json: string) =>
    createTextFrame(Buffer.from(notificationText(subscriptionId, json)))

  return {
    frame(subscriptionId, result) {
      // Primitives are never shared objects; the pool only delivers objects, but stay correct anyway.
      if (typeof result !== 'object' || result === null) {
        return build(subscriptionId, JSON.stringify(result) ?? 'null')
      }
      if (result !== current) {
        // Serialise first: if it throws, the cache still describes the previous result.
        currentJson = JSON.stringify(result)
        current = result
        frames.clear()
      }
      let frame = frames.get(subscriptionId)
      if (frame === undefined) {
        frame = build(subscriptionId, currentJson)
        if (frames.size < maxFrames) frames.set(subscriptionId, frame)
      }
      return frame
    },
  }
}

/**
 * The notification text with `resultJson` spliced in. `subscriptionId` must need no JSON escaping (the
 * ids this server makes are `0x` + hex).
 */
export function notificationText(subscriptionId: string, resultJson: string): string {
  return `{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"${subscriptionId}","result":${resultJson}}}`
}

/** Makes the subscription ids of one connection. */
export type SubscriptionIdSource = () => string

/**
 * Subscription ids for one connection: `0x` + 32 hex digits, as geth's, made of a random prefix drawn
 * once per server (`prefix`, 24 hex digits) and this connection's own counter (8 hex digits, from 1).
 *
 * The ids are unique per connection and belong to the server, not to a provider, so they stay the same
 * across upstream failover; the JSON-RPC contract asks nothing more. They deliberately repeat across
 * connections: the first subscription of every connection is `0x<prefix>00000001`, so a block fanned out
 * to every connection's first `newHeads` subscription is one identical frame (see
 * {@link createNotificationFrames}). A connection only ever sees and can only end its own subscriptions,
 * so a shared or guessable id gives nobody access to another client's stream.
 *
 * @example
 * const prefix = createSubscriptionIdPrefix()
 * const nextId = createSubscriptionIdSource(prefix) // per connection
 * nextId() // '0x9cef478923ff08bf67fde6c600000001'
 */
export function createSubscriptionIdSource(prefix: string): SubscriptionIdSource {
  let counter = 0
  return () => {
    counter++
    // Past 2^32 subscriptions on one connection the id grows a digit: still unique, still hex.
    return `0x${prefix}${counter.toString(16).padStart(8, '0')}`
  }
}

/** A random 24-hex-digit prefix for {@link createSubscriptionIdSource}, drawn once per server. */
export function createSubscriptionIdPrefix(): string {
  return randomBytes(12).toString('hex')
}
