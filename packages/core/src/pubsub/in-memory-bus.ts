import type { PubSubAdapter } from './pubsub.js'

/** One message handed to an {@link InMemoryBus}. */
export interface InMemoryBusMessage {
  /** Id of the sending adapter (1 for the first `createAdapter()`, then 2, ...). */
  from: number
  topic: string
  payload: unknown
}

/** Options of {@link createInMemoryBus}. */
export interface InMemoryBusOptions {
  /**
   * Round-trips payloads through JSON like a network adapter would, so a payload that cannot cross
   * processes (a bigint, a class instance) fails in tests, not in production.
   * @default true
   */
  serialize?: boolean
}

/**
 * A process-local stand-in for a shared message broker (Redis): each adapter made by the bus plays one
 * server instance. Messages are delivered synchronously to every other instance, never back to the
 * sender — the echo suppression a real adapter does by instance id.
 */
export interface InMemoryBus {
  /**
   * Makes the adapter of one more instance; its messages reach the others with `instanceId` as their
   * origin (by default its number, `"1"` for the first).
   */
  createAdapter(instanceId?: string): PubSubAdapter
  /** Every message handed to the bus so far, in order. Grows without bound: for tests only. */
  readonly sent: readonly InMemoryBusMessage[]
}

/**
 * Creates an {@link InMemoryBus} for testing PubSub fan-out across instances without Redis.
 *
 * @example
 * const bus = createInMemoryBus()
 * const a = createPubSub<ChainPulseTopics>({ adapter: bus.createAdapter() })
 * const b = createPubSub<ChainPulseTopics>({ adapter: bus.createAdapter() })
 * b.subscribe('races', (race) => console.log('b heard', race))
 * a.publish('races', race) // delivered on a and on b, sent over the bus once
 */
export function createInMemoryBus(options: InMemoryBusOptions = {}): InMemoryBus {
  const serialize = options.serialize ?? true
  const sent: InMemoryBusMessage[] = []
  const receivers = new Set<{
    id: number
    deliver: (topic: string, payload: unknown, origin: string) => void
  }>()
  let nextId = 1

  return {
    sent,
    createAdapter(instanceId) {
      const id = nextId++
      const origin = instanceId ?? String(id)
      return {
        publish(topic, payload) {
          // Throws (like a real adapter's serializer would) for payloads that cannot cross processes.
          const wire = serialize ? JSON.stringify(payload) : undefined
          sent.push({ from: id, topic, payload })
          for (const receiver of [...receivers]) {
            if (receiver.id === id) continue
            receiver.deliver(topic, wire === undefined ? payload : JSON.parse(wire), origin)
          }
        },
        subscribe(deliver) {
          const receiver = { id, deliver }
          receivers.add(receiver)
          return () => {
            receivers.delete(receiver)
          }
        },
      }
    },
  }
}
