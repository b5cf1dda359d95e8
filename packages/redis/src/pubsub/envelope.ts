/**
 * What travels over the Redis channel: one JSON object per message. `v` lets a later format live beside
 * this one during a rolling upgrade (an instance drops versions it does not know, counted as malformed).
 */
export interface Envelope {
  v: 1
  /** The publishing instance's id: receivers drop their own messages and report it as the origin. */
  origin: string
  topic: string
  /** Absent when the payload was `undefined` (JSON has no such value); delivered as `undefined`. */
  payload: unknown
}

/**
 * Serialises one message. Throws (as JSON.stringify does) for a payload that cannot cross processes:
 * a bigint, a cycle.
 */
export function encodeEnvelope(origin: string, topic: string, payload: unknown): string {
  const envelope: Envelope = { v: 1, origin, topic, payload }
  return JSON.stringify(envelope)
}

/** Parses one message from the channel, or returns `undefined` for anything that is not an envelope. */
export function decodeEnvelope(text: string): Envelope | undefined {
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
  if (typeof envelope.topic !== 'string' || envelope.topic === '') return undefined
  return envelope as Envelope
}
