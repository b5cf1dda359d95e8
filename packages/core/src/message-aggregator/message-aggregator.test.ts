import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createBenchmarkStore } from '../benchmark-store/benchmark-store.js'
import type { RaceEventType } from '../benchmark-store/types.js'
import { createFakeClock } from '../clock/fake-clock.js'
import { ConfigError } from '../errors/errors.js'
import { newHeadsKey } from './event-keys.js'
import {
  type AggregatedMessage,
  createMessageAggregator,
  type MessageAggregatorOptions,
  type RaceOutcome,
  type RaceRecorder,
} from './message-aggregator.js'

interface RecordedRace {
  chain: string
  providerId: string
  eventType: RaceEventType
  receivedAt: number
  result: 'win' | 'loss'
  marginMs: number
}

/** A store that records race calls: the only part of a BenchmarkStore the aggregator uses. */
function createRecordingStore(): RaceRecorder & { races: RecordedRace[] } {
  const races: RecordedRace[] = []
  return {
    races,
    recordRaceWin: (chain, providerId, eventType, receivedAt) =>
      void races.push({ chain, providerId, eventType, receivedAt, result: 'win', marginMs: 0 }),
    recordRaceLoss: (chain, providerId, eventType, receivedAt, marginMs) =>
      void races.push({ chain, providerId, eventType, receivedAt, result: 'loss', marginMs }),
  }
}

function setup(options: Omit<MessageAggregatorOptions, 'clock' | 'store'> = {}) {
  const clock = createFakeClock(1000)
  const store = createRecordingStore()
  const aggregator = createMessageAggregator<string>({ clock, store, ...options })
  const messages: AggregatedMessage<string>[] = []
  const races: RaceOutcome[] = []
  aggregator.onMessage((message) => messages.push(message))
  aggregator.onRace((race) => races.push(race))
  const head = (providerId: string, key: string, chain = 'ethereum', eventType: RaceEventType = 'newHeads') =>
    aggregator.ingest({ chain, providerId, eventType, key, payload: `${providerId}:${key}` })
  return { clock, store, aggregator, messages, races, head }
}

describe('createMessageAggregator', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('emits the first copy of a key once, carrying the winner, and drops later copies', () => {
    const { clock, messages, head } = setup()
    expect(head('alchemy', '0xaa')).toBe('first')
    clock.advance(5)
    expect(head('infura', '0xaa')).toBe('duplicate')
    expect(head('quicknode', '0xaa')).toBe('duplicate')
    expect(messages).toEqual([
      {
        chain: 'ethereum',
        eventType: 'newHeads',
        key: '0xaa',
        payload: 'alchemy:0xaa',
        providerId: 'alchemy',
        receivedAt: 1000,
      },
    ])
  })

  it('uses an explicit receivedAt instead of the clock', () => {
    const { store, aggregator, messages } = setup()
    const base = { chain: 'ethereum', eventType: 'newHeads', key: '0xaa', payload: 'x' }
    aggregator.ingest({ ...base, providerId: 'a', receivedAt: 40.5 })
    aggregator.ingest({ ...base, providerId: 'b', receivedAt: 42 })
    expect(messages[0]?.receivedAt).toBe(40.5)
    expect(store.races.map((race) => race.marginMs)).toEqual([0, 1.5])
  })

  it('records one win and a loss per later provider with exact margins', () => {
    const { clock, store, head } = setup()
    head('alchemy', '0xaa')
    clock.advance(0.25)
    head('infura', '0xaa')
    clock.advance(12)
    head('quicknode', '0xaa')
    expect(store.races).toEqual([
      {
        chain: 'ethereum',
        providerId: 'alchemy',
        eventType: 'newHeads',
        receivedAt: 1000,
        result: 'win',
        marginMs: 0,
      },
      {
        chain: 'ethereum',
        providerId: 'infura',
        eventType: 'newHeads',
        receivedAt: 1000.25,
        result: 'loss',
        marginMs: 0.25,
      },
      {
        chain: 'ethereum',
        providerId: 'quicknode',
        eventType: 'newHeads',
        receivedAt: 1012.25,
        result: 'loss',
        marginMs: 12.25,
      },
    ])
  })

  it('emits race outcomes shaped exactly like the races topic payload', () => {
    const { clock, races, head } = setup()
    head('alchemy', '0xaa')
    clock.advance(3)
    head('infura', '0xaa')
    expect(races).toEqual([
      {
        chain: 'ethereum',
        eventType: 'newHeads',
        key: '0xaa',
        providerId: 'alchemy',
        result: 'win',
        marginMs: 0,
      },
      {
        chain: 'ethereum',
        eventType: 'newHeads',
        key: '0xaa',
        providerId: 'infura',
        result: 'loss',
        marginMs: 3,
      },
    ])
  })

  it("ignores a provider's repeat of a key it already sent: no self-loss, no second race", () => {
    const { clock, store, races, aggregator, head } = setup()
    head('alchemy', '0xaa')
    clock.advance(2)
    expect(head('alchemy', '0xaa')).toBe('duplicate')
    head('infura', '0xaa')
    expect(head('infura', '0xaa')).toBe('duplicate')
    expect(store.races.map((race) => `${race.providerId}:${race.result}`)).toEqual([
      'alchemy:win',
      'infura:loss',
    ])
    expect(races).toHaveLength(2)
    expect(aggregator.stats()).toEqual({ ingested: 4, unique: 1, duplicates: 3, repeats: 2, windowKeys: 1 })
  })

  it('tells repeats from losses for any number of providers, not only the first 31', () => {
    const { store, head } = setup()
    const providerIds = Array.from({ length: 40 }, (_, index) => `p${index}`)
    for (const providerId of providerIds) head(providerId, '0xaa')
    for (const providerId of providerIds) expect(head(providerId, '0xaa')).toBe('duplicate')
    expect(store.races.filter((race) => race.result === 'loss')).toHaveLength(39)
    expect(store.races.slice(-2).map((race) => race.providerId)).toEqual(['p38', 'p39'])
  })

  it('records a copy stamped earlier than the winner as a loss by 0 ms', () => {
    const { store, aggregator } = setup()
    const base = { chain: 'ethereum', eventType: 'newHeads', key: '0xaa', payload: 'x' }
    aggregator.ingest({ ...base, providerId: 'a', receivedAt: 50 })
    aggregator.ingest({ ...base, providerId: 'b', receivedAt: 49 })
    expect(store.races[1]).toMatchObject({ providerId: 'b', result: 'loss', marginMs: 0 })
  })

  it('forgets the oldest key once the window is full, so a late copy of it counts as first again', () => {
    const { messages, aggregator, head } = setup({ windowSize: 3 })
    for (const key of ['k1', 'k2', 'k3']) head('a', key)
    expect(head('b', 'k1')).toBe('duplicate')
    head('a', 'k4') // evicts k1
    expect(aggregator.stats().windowKeys).toBe(3)
    expect(head('b', 'k2')).toBe('duplicate')
    expect(head('c', 'k1')).toBe('first')
    expect(messages.map((message) => `${message.key}@${message.providerId}`)).toEqual([
      'k1@a',
      'k2@a',
      'k3@a',
      'k4@a',
      'k1@c',
    ])
    expect(aggregator.stats().windowKeys).toBe(3)
  })

  it('keeps a window per chain and eventType, so a burst of logs does not evict block keys', () => {
    const { head } = setup({ windowSize: 2 })
    head('a', '0xblock', 'ethereum', 'newHeads')
    for (let index = 0; index < 10; index++) head('a', `0xlog:${index}`, 'ethereum', 'logs')
    for (let index = 0; index < 10; index++) head('a', `0xblock${index}`, 'polygon', 'newHeads')
    expect(head('b', '0xblock', 'ethereum', 'newHeads')).toBe('duplicate')
  })

  it('namespaces keys by chain and eventType, so the same hash never collides', () => {
    const { messages, store, head } = setup()
    expect(head('a', '0xaa', 'ethereum', 'newHeads')).toBe('first')
    expect(head('a', '0xaa', 'polygon', 'newHeads')).toBe('first')
    expect(head('a', '0xaa', 'ethereum', 'logs')).toBe('first')
    expect(head('b', '0xaa', 'polygon', 'newHeads')).toBe('duplicate')
    expect(messages.map((message) => `${message.chain}/${message.eventType}`)).toEqual([
      'ethereum/newHeads',
      'polygon/newHeads',
      'ethereum/logs',
    ])
    expect(store.races.at(-1)).toMatchObject({ chain: 'polygon', providerId: 'b', result: 'loss' })
  })

  it('emits both blocks of a reorg (same number, new hash) instead of dropping the second', () => {
    const { aggregator, messages } = setup()
    const original = { number: '0x10', hash: `0x${'1'.repeat(64)}` }
    const replacement = { number: '0x10', hash: `0x${'2'.repeat(64)}` }
    for (const [providerId, block] of [
      ['a', original],
      ['b', original],
      ['b', replacement],
      ['a', replacement],
    ] as const) {
      aggregator.ingest({
        chain: 'ethereum',
        providerId,
        eventType: 'newHeads',
        key: newHeadsKey(block),
        payload: block.hash,
      })
    }
    expect(messages.map((message) => [message.payload, message.providerId])).toEqual([
      [original.hash, 'a'],
      [replacement.hash, 'b'],
    ])
  })

  it('feeds a real BenchmarkStore: wins, losses and mean margin per provider', () => {
    const clock = createFakeClock()
    const store = createBenchmarkStore({ clock })
    const aggregator = createMessageAggregator({ store, clock })
    const arrivals = [
      ['k1', 'a', 0],
      ['k1', 'b', 2],
      ['k2', 'b', 10],
      ['k2', 'a', 14],
      ['k3', 'a', 20],
      ['k3', 'b', 21],
      ['k3', 'c', 25],
    ] as const
    for (const [key, providerId, at] of arrivals) {
      clock.advanceTo(at)
      aggregator.ingest({ chain: 'ethereum', providerId, eventType: 'newHeads', key, payload: null })
    }
    const stats = (providerId: string) => {
      const { wins, losses, avgMarginMs } = store.raceStats('ethereum', providerId, 'newHeads')
      return { wins, losses, avgMarginMs: Math.round(avgMarginMs * 100) / 100 }
    }
    expect(stats('a')).toEqual({ wins: 2, losses: 1, avgMarginMs: 4 })
    expect(stats('b')).toEqual({ wins: 1, losses: 2, avgMarginMs: 1.5 })
    expect(stats('c')).toEqual({ wins: 0, losses: 1, avgMarginMs: 5 })
    expect(store.leaderboard('ethereum')[0]?.providerId).toBe('a')
  })

  it('dedupes without a store', () => {
    const aggregator = createMessageAggregator({ clock: createFakeClock() })
    const input = { chain: 'ethereum', eventType: 'newHeads', key: '0xaa', payload: null }
    expect(aggregator.ingest({ ...input, providerId: 'a' })).toBe('first')
    expect(aggregator.ingest({ ...input, providerId: 'b' })).toBe('duplicate')
    expect(aggregator.stats()).toEqual({ ingested: 2, unique: 1, duplicates: 1, repeats: 0, windowKeys: 1 })
  })

  it('keeps ingesting and delivering when a listener or the store throws, reporting each error', () => {
    const errors: string[] = []
    const clock = createFakeClock()
    const store = createRecordingStore()
    store.recordRaceLoss = () => {
      throw new Error('store down')
    }
    const aggregator = createMessageAggregator({
      clock,
      store,
      onError: (error, source) => errors.push(`${source}: ${(error as Error).message}`),
    })
    const delivered: string[] = []
    aggregator.onMessage(() => {
      throw new Error('bad message listener')
    })
    aggregator.onMessage((message) => delivered.push(message.key))
    aggregator.onRace(() => {
      throw new Error('bad race listener')
    })
    const input = { chain: 'ethereum', eventType: 'newHeads', payload: null }
    expect(aggregator.ingest({ ...input, key: '0xaa', providerId: 'a' })).toBe('first')
    expect(aggregator.ingest({ ...input, key: '0xaa', providerId: 'b' })).toBe('duplicate')
    expect(aggregator.ingest({ ...input, key: '0xbb', providerId: 'a' })).toBe('first')
    expect(delivered).toEqual(['0xaa', '0xbb'])
    expect(errors).toEqual([
      'message-listener: bad message listener',
      'race-listener: bad race listener',
      'store: store down',
      'race-listener: bad race listener',
      'message-listener: bad message listener',
      'race-listener: bad race listener',
    ])
  })

  it('completes ingest even when onError itself throws', () => {
    const aggregator = createMessageAggregator({
      clock: createFakeClock(),
      onError: () => {
        throw new Error('handler broke too')
      },
    })
    const delivered: string[] = []
    aggregator.onMessage(() => {
      throw new Error('boom')
    })
    aggregator.onMessage((message) => delivered.push(message.key))
    const input = { chain: 'ethereum', providerId: 'a', eventType: 'newHeads', key: '0xaa', payload: null }
    expect(aggregator.ingest(input)).toBe('first')
    expect(delivered).toEqual(['0xaa'])
  })

  it('logs listener errors with console.error when no onError is given', () => {
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {})
    const aggregator = createMessageAggregator({ clock: createFakeClock() })
    aggregator.onMessage(() => {
      throw new Error('boom')
    })
    aggregator.ingest({
      chain: 'ethereum',
      providerId: 'a',
      eventType: 'newHeads',
      key: '0xaa',
      payload: null,
    })
    expect(consoleError).toHaveBeenCalledOnce()
    expect(consoleError.mock.calls[0]?.[1]).toMatchObject({ message: 'boom' })
  })

  it('stops delivering after unsubscribe, which is idempotent and safe during delivery', () => {
    const { aggregator, head } = setup()
    const seen: string[] = []
    const unsubscribeFirst = aggregator.onMessage((message) => {
      seen.push(`first:${message.key}`)
      unsubscribeFirst()
    })
    const unsubscribeSecond = aggregator.onMessage((message) => seen.push(`second:${message.key}`))
    head('a', 'k1')
    head('a', 'k2')
    unsubscribeSecond()
    unsubscribeSecond()
    head('a', 'k3')
    expect(seen).toEqual(['first:k1', 'second:k1', 'second:k2'])
  })

  it('rejects invalid options, naming the bad field', () => {
    expect(() => createMessageAggregator({ windowSize: 0 })).toThrow(ConfigError)
    expect(() => createMessageAggregator({ windowSize: 1.5 })).toThrow(/windowSize/)
    expect(() => createMessageAggregator({ store: {} as RaceRecorder })).toThrow(/store/)
    expect(() => createMessageAggregator({ windowsize: 10 } as MessageAggregatorOptions)).toThrow(
      /windowsize/,
    )
  })
})

describe('createMessageAggregator properties', () => {
  const providers = ['alchemy', 'infura', 'quicknode', 'ankr'] as const
  const copy = fc.record({
    key: fc.integer({ min: 0, max: 19 }),
    provider: fc.constantFrom(...providers),
    delayMs: fc.integer({ min: 0, max: 50 }),
  })

  it('emits each key exactly once, from its first sender, with one loss per other provider', () => {
    fc.assert(
      fc.property(fc.array(copy, { maxLength: 200 }), (copies) => {
        const { clock, store, messages, races, head } = setup({ windowSize: 20 })
        // Model: who sent each key first and when, and which providers sent it at all.
        const first = new Map<number, { provider: string; at: number }>()
        const senders = new Map<number, Set<string>>()
        const expectedLosses: string[] = []
        for (const { key, provider, delayMs } of copies) {
          clock.advance(delayMs)
          head(provider, `k${key}`)
          const winner = first.get(key)
          const sent = senders.get(key) ?? new Set()
          if (!winner) first.set(key, { provider, at: clock.now() })
          else if (!sent.has(provider)) expectedLosses.push(`k${key}:${provider}:${clock.now() - winner.at}`)
          senders.set(key, sent.add(provider))
        }

        expect(messages.map((message) => `${message.key}:${message.providerId}`)).toEqual(
          [...first].map(([key, winner]) => `k${key}:${winner.provider}`),
        )
        const losses = races.filter((race) => race.result === 'loss')
        expect(losses.map((race) => `${race.key}:${race.providerId}:${race.marginMs}`)).toEqual(
          expectedLosses,
        )
        for (const [key, sent] of senders) {
          expect(losses.filter((race) => race.key === `k${key}`)).toHaveLength(sent.size - 1)
        }
        expect(store.races.filter((race) => race.result === 'win')).toHaveLength(first.size)
        expect(store.races).toHaveLength(races.length)
      }),
    )
  })

  it('behaves like a first-in first-out window of the last windowSize new keys', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(copy, { maxLength: 200 }),
        (windowSize, copies) => {
          const { aggregator, head } = setup({ windowSize })
          const window: number[] = [] // naive model: oldest first, linear scans
          for (const { key, provider } of copies) {
            const expected = window.includes(key) ? 'duplicate' : 'first'
            if (expected === 'first') {
              window.push(key)
              if (window.length > windowSize) window.shift()
            }
            expect(head(provider, `k${key}`)).toBe(expected)
            expect(aggregator.stats().windowKeys).toBe(window.length)
          }
          const { ingested, unique, duplicates } = aggregator.stats()
          expect([ingested, unique + duplicates]).toEqual([copies.length, copies.length])
        },
      ),
    )
  })
})
