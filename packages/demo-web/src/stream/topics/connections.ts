import type { Signal } from '@preact/signals'
import type { ConnectionEvent } from '../../api/types.js'
import { createRingBuffer } from '../ring-buffer.js'
import type { TopicHandler } from './topic-handler.js'

/** A connection as the Live Dashboard lists it. */
export interface ConnectionRow extends ConnectionEvent {
  /** When its latest state arrived (epoch ms). */
  since: number
}

/** `connections`: open connections by their latest state, then the last `closedLimit` closed ones. */
export function connectionsTopic(
  target: Signal<ConnectionRow[]>,
  closedLimit: number,
  now: () => number,
): TopicHandler<ConnectionEvent> {
  const open = new Map<string, ConnectionRow>()
  const closed = createRingBuffer<ConnectionRow>(closedLimit)
  return {
    take(event) {
      const key = `${event.kind}:${event.id}`
      const row = { ...event, since: now() }
      if (event.state === 'disconnected') {
        open.delete(key)
        closed.push(row)
      } else open.set(key, row)
    },
    publish() {
      target.value = [...open.values(), ...closed.toArray().reverse()]
    },
    reset() {
      open.clear()
      closed.clear()
      target.value = []
    },
  }
}
