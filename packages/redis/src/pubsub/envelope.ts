/** One message in an {@link Envelope}. */
export interface EnvelopeMessage {
  topic: string
  /** Absent when the payload was `undefined` (JSON has no such value); delivered as `undefined`. */
  payload?: unknown
}

/**
 * What travels over the Redis channel: one JSON object per PUBLISH, carrying every message one instance
 * published in one turn of its event loop, and the routing decisions of the few milliseconds before it
 * (a busy instance publishes a routing decision per request: one Redis command per message would cost
 * more than the request). `v` lets a later format live beside
 * this one during a rolling upgrade (an instance drops versions it does not know, counted as malformed).
 */
export interface Envelope {
  v: 1
  /** The publishing instance's id: receivers drop their own messages and report it as the origin. */
  origin: string
  messages: EnvelopeMessage[]
}

/**
 * Serialises one message for an envelope. Throws (as JSON.stringify does) for a payload that cannot
 * cross processes: a bigint, a cycle — so the publisher learns it at once, for that message alone.
 */
export function encodeMessage(topic: string, payload: unknown): string {
  const message: EnvelopeMessage = { topic, payload }
  return JSON.stringify(message)
}

/** Wraps messages from {@link encodeMessage} into one envelope's text. */
export function encodeEnvelope(origin: string, encodedMessages: readonly string[]): string {
  return `${envelopePrefix(origin)}"messages":[${encodedMessages.join(',')}]}`
}

/**
 * How every envelope {@link encodeEnvelope} makes for `origin` begins: an instance recognises the echo
 * of its own publishes by it, without parsing them.
 */
export function envelopePrefix(origin: string): string {
  return `{"v":1,"origin":${JSON.stringify(origin)},`
}

/** What {@link decodeEnvelope} makes of a text: the good messages, and how many were not messages. */
export interface DecodedEnvelope {
  origin: string
  messages: EnvelopeMessage[]
  malformed: number
}

/**
 * Parses one envelope from the channel: `undefined` for anything that is not an envelope at all; inside
 * one, a message without a topic is counted in `malformed` and left out.
 */
export function decodeEnvelope(text: string): DecodedEnvelope | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  const envelope = value as Partial<Envelope>
  if (envelope.v !== 1) return undefined
  if (typeof envelope.origin !== 'string' || envelope.origin === '') return undefined
  if (!Array.isArray(envelope.messages)) return undefined
  const messages = envelope.messages.filter(
    (message): message is EnvelopeMessage =>
      typeof message === 'object' &&
      message !== null &&
      typeof (message as EnvelopeMessage).topic === 'string' &&
      (message as EnvelopeMessage).topic !== '',
  )
  return { origin: envelope.origin, messages, malformed: envelope.messages.length - messages.length }
}
