import type { BenchmarkStore, RaceEventType } from '../benchmark-store/types.js'
import { type Clock, systemClock } from '../clock/clock.js'
import type { RaceEvent } from '../pubsub/topics.js'
import { parseOptions } from '../validation/parse-options.js'
import * as v from '../validation/schema.js'
import { clockSchema, functionSchema, implementsSchema } from '../validation/schemas.js'

/** What {@link MessageAggregator.ingest} made of a copy: the first of its key, or a later one. */
export type IngestResult = 'first' | 'duplicate'

/** One provider's copy of an event, as handed to {@link MessageAggregator.ingest}. */
export interface IngestInput<TPayload = unknown> {
  chain: string
  providerId: string
  eventType: RaceEventType
  /** Dedupe key within `chain` + `eventType`, e.g. from `newHeadsKey` or `logKey`. */
  key: string
  payload: TPayload
  /** When this copy arrived (clock ms). @default clock.now() */
  receivedAt?: number
}

/** The winning (first) copy of an event, emitted once per key to `onMessage` listeners. */
export interface AggregatedMessage<TPayload = unknown> {
  chain: string
  eventType: RaceEventType
  key: string
  payload: TPayload
  /** The provider whose copy arrived first. */
  providerId: string
  receivedAt: number
}

/**
 * One provider's result in the race for one key. An alias, not a copy, of the `races` PubSub payload,
 * so an outcome can be published as it is and the two cannot drift apart.
 */
export type RaceOutcome = RaceEvent

/** Running counters of a {@link MessageAggregator}, for the dashboard's buffer counters. */
export interface MessageAggregatorStats {
  /** Copies ingested (`unique + duplicates`). */
  ingested: number
  /** Copies that were the first of their key (emitted). */
  unique: number
  /** Copies that were not the first of their key, including `repeats`. */
  duplicates: number
  /** Duplicates from a provider that had already sent the key: ignored, not counted as losses. */
  repeats: number
  /** Keys currently remembered, over all chain + eventType streams. */
  windowKeys: number
}

/** Where an error caught by the aggregator came from. */
export type MessageAggregatorErrorSource = 'message-listener' | 'race-listener' | 'store'

/**
 * The part of a {@link BenchmarkStore} the aggregator writes to: any `BenchmarkStore` fits, and so
 * does a two-method stub.
 */
export type RaceRecorder = Pick<BenchmarkStore, 'recordRaceWin' | 'recordRaceLoss'>

/** Options of {@link createMessageAggregator}. */
export interface MessageAggregatorOptions {
  /** Receives a win or a loss for every race. Without one, races still reach `onRace` listeners. */
  store?: RaceRecorder
  /**
   * Keys remembered per chain + eventType stream; the oldest is forgotten first. A copy arriving after
   * its key was forgotten counts as first again, so size it for the slowest provider's lag. At most
   * 100,000,000.
   * @default 10_000
   */
  windowSize?: number
  /** @default systemClock */
  clock?: Clock
  /**
   * Called when a listener or the store throws; ingest carries on regardless.
   * @default logs with `console.error`
   */
  onError?: (error: unknown, source: MessageAggregatorErrorSource) => void
}

/** Dedupes every provider's copy of each event, emits the first, and scores the race. */
export interface MessageAggregator<TPayload = unknown> {
  /**
   * Takes one provider's copy of an event. The first copy of a key is emitted to `onMessage` and
   * recorded as a win; a later copy from another provider is a loss by `receivedAt - firstReceivedAt`;
   * a provider's repeat of a key it already sent is ignored. O(1), never throws from listeners.
   */
  ingest(input: IngestInput<TPayload>): IngestResult
  /** Subscribes to winning copies (one per key). Returns an idempotent unsubscribe. */
  onMessage(listener: (message: AggregatedMessage<TPayload>) => void): () => void
  /** Subscribes to race results (one per provider per key), e.g. to publish on the `races` topic. */
  onRace(listener: (race: RaceOutcome) => void): () => void
  /** Current counters. */
  stats(): MessageAggregatorStats
}

const DEFAULT_WINDOW_SIZE = 10_000

const optionsSchema = v.strictObject({
  store: v.optional(
    implementsSchema<RaceRecorder>(
      ['recordRaceWin', 'recordRaceLoss'],
      'expected a BenchmarkStore (recordRaceWin and recordRaceLoss functions)',
    ),
  ),
  windowSize: v._default(v.int().check(v.positive(), v.lte(100_000_000)), DEFAULT_WINDOW_SIZE),
  clock: v._default(clockSchema, systemClock),
  onError: v.optional(functionSchema<NonNullable<MessageAggregatorOptions['onError']>>()),
})

/** What the aggregator remembers about one key. */
interface SeenKey {
  firstReceivedAt: number
  /** Bit set of the providers (bits from the stream's `providerBits`) that sent the key: no allocation. */
  senders: number
  /** Senders beyond the 31 providers that get a bit; almost always `undefined`. */
  moreSenders: string[] | undefined
}

/** The dedupe window of one chain + eventType. `ring` holds exactly the keys of `seen`, oldest at `next`. */
interface Stream {
  seen: Map<string, SeenKey>
  ring: string[]
  next: number
  /** Bit of each of the stream's first 31 providers; later ones are tracked in `moreSenders`. */
  providerBits: Map<string, number>
}

type Listeners<T> = { current: Array<(value: T) => void> }

/**
 * Creates a message aggregator: feed it every provider's copy of each `newHeads` / `logs` event and
 * it emits each event once (the first copy) while recording who won each race and by how much.
 *
 * The window is per chain + eventType, so a burst of logs never evicts block keys; memory is bounded
 * by `windowSize` × the number of streams, which the caller's configuration fixes.
 *
 * @throws {ConfigError} when options are invalid.
 * @example
 * const aggregator = createMessageAggregator({ store, windowSize: 4096 })
 * aggregator.onMessage((message) => deliver(message.payload))
 * onNewHead((providerId, block) => {
 *   const key = newHeadsKey(block)
 *   aggregator.ingest({ chain: 'ethereum', providerId, eventType: 'newHeads', key, payload: block })
 * })
 */
export function createMessageAggregator<TPayload = unknown>(
  options: MessageAggregatorOptions = {},
): MessageAggregator<TPayload> {
  const { store, windowSize, clock, onError } = parseOptions(
    optionsSchema,
    options,
    'message aggregator options',
  )
  const onErrorOrLog = onError ?? defaultOnError
  function reportError(error: unknown, source: MessageAggregatorErrorSource): void {
    try {
      onErrorOrLog(error, source)
    } catch {
      // An error handler that throws has nowhere left to report to; ingest must still complete.
    }
  }

  const streams = new Map<string, Map<RaceEventType, Stream>>()
  // Providers race the same stream back to back, so the last stream looked up is almost always the next.
  let lastChain: string | undefined
  let lastEventType: RaceEventType | undefined
  let lastStream: Stream | undefined

  const messageListeners: Listeners<AggregatedMessage<TPayload>> = { current: [] }
  const raceListeners: Listeners<RaceOutcome> = { current: [] }

  let ingested = 0
  let unique = 0
  let duplicates = 0
  let repeats = 0
  let windowKeys = 0

  function streamFor(chain: string, eventType: RaceEventType): Stream {
    if (chain === lastChain && eventType === lastEventType) return lastStream as Stream
    let byType = streams.get(chain)
    if (byType === undefined) {
      byType = new Map()
      streams.set(chain, byType)
    }
    let stream = byType.get(eventType)
    if (stream === undefined) {
      stream = { seen: new Map(), ring: [], next: 0, providerBits: new Map() }
      byType.set(eventType, stream)
    }
    lastChain = chain
    lastEventType = eventType
    lastStream = stream
    return stream
  }

  /** A provider's bit in {@link SeenKey.senders}, or 0 past the stream's 31st provider (bounded). */
  function providerBit(providerBits: Map<string, number>, providerId: string): number {
    const bit = providerBits.get(providerId)
    if (bit !== undefined) return bit
    if (providerBits.size === 31) return 0
    const assigned = 1 << providerBits.size
    providerBits.set(providerId, assigned)
    return assigned
  }

  /** Marks `providerId` as a sender of the key; false when it had already sent it (a repeat). */
  function addSender(stream: Stream, seenKey: SeenKey, providerId: string): boolean {
    const bit = providerBit(stream.providerBits, providerId)
    if (bit !== 0) {
      if ((seenKey.senders & bit) !== 0) return false
      seenKey.senders |= bit
      return true
    }
    if (seenKey.moreSenders === undefined) seenKey.moreSenders = []
    else if (seenKey.moreSenders.includes(providerId)) return false
    seenKey.moreSenders.push(providerId)
    return true
  }

  function remember(stream: Stream, key: string, seenKey: SeenKey): void {
    const ring = stream.ring
    // The ring grows to windowSize, then each new key overwrites (and forgets) the oldest.
    if (ring.length < windowSize) {
      ring.push(key)
      windowKeys++
    } else {
      stream.seen.delete(ring[stream.next] as string)
      ring[stream.next] = key
      stream.next = stream.next + 1 === windowSize ? 0 : stream.next + 1
    }
    stream.seen.set(key, seenKey)
  }

  function emit<T>(listeners: Listeners<T>, value: T, source: MessageAggregatorErrorSource): void {
    for (const listener of listeners.current) {
      try {
        listener(value)
      } catch (error) {
        reportError(error, source)
      }
    }
  }

  function recordRace(
    chain: string,
    eventType: RaceEventType,
    key: string,
    providerId: string,
    receivedAt: number,
    result: RaceOutcome['result'],
    marginMs: number,
  ): void {
    if (store !== undefined) {
      try {
        if (result === 'win') store.recordRaceWin(chain, providerId, eventType, receivedAt)
        else store.recordRaceLoss(chain, providerId, eventType, receivedAt, marginMs)
      } catch (error) {
        reportError(error, 'store')
      }
    }
    // Built only when someone listens: without race listeners the hot path allocates nothing for races.
    if (raceListeners.current.length > 0) {
      emit(raceListeners, { chain, eventType, key, providerId, result, marginMs }, 'race-listener')
    }
  }

  return {
    ingest(input) {
      const { chain, eventType, key, providerId } = input
      const receivedAt = input.receivedAt ?? clock.now()
      const stream = streamFor(chain, eventType)
      ingested++
      const seenKey = stream.seen.get(key)
      if (seenKey === undefined) {
        unique++
        const newKey: SeenKey = { firstReceivedAt: receivedAt, senders: 0, moreSenders: undefined }
        addSender(stream, newKey, providerId)
        remember(stream, key, newKey)
        if (messageListeners.current.length > 0) {
          emit(
            messageListeners,
            { chain, eventType, key, payload: input.payload, providerId, receivedAt },
            'message-listener',
          )
        }
        recordRace(chain, eventType, key, providerId, receivedAt, 'win', 0)
        return 'first'
      }
      duplicates++
      if (!addSender(stream, seenKey, providerId)) {
        repeats++
        return 'duplicate'
      }
      // Arrival order decides the race; a copy stamped earlier than the winner (clock skew between
      // connections) still lost, by nothing.
      const marginMs = receivedAt > seenKey.firstReceivedAt ? receivedAt - seenKey.firstReceivedAt : 0
      recordRace(chain, eventType, key, providerId, receivedAt, 'loss', marginMs)
      return 'duplicate'
    },
    onMessage: (listener) => subscribe(messageListeners, listener),
    onRace: (listener) => subscribe(raceListeners, listener),
    stats: () => ({ ingested, unique, duplicates, repeats, windowKeys }),
  }
}

function subscribe<T>(listeners: Listeners<T>, listener: (value: T) => void): () => void {
  // Copy on write: a listener that unsubscribes during emit does not disturb the running loop.
  listeners.current = [...listeners.current, listener]
  let subscribed = true
  return () => {
    if (!subscribed) return
    subscribed = false
    const index = listeners.current.indexOf(listener)
    if (index !== -1) listeners.current = listeners.current.filter((_, i) => i !== index)
  }
}

function defaultOnError(error: unknown, source: MessageAggregatorErrorSource): void {
  console.error(`[chainpulse] message aggregator: ${source} threw`, error)
}
