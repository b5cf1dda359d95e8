import { describe, expect, expectTypeOf, it } from 'vitest'
import { ConfigError } from '../errors/errors.js'
import { createPubSub, type PubSubAdapter } from './pubsub.js'
import type { BlockEvent, ChainPulseTopics, RaceEvent } from './topics.js'

const block = (number: number): BlockEvent => ({
  chain: 'ethereum',
  number,
  hash: `0x${number.toString(16)}`,
  parentHash: `0x${(number - 1).toString(16)}`,
  timestamp: 1_700_000_000 + number,
  firstProviderId: 'alpha',
  receivedAt: 1_700_000_000_000 + number,
})

const race: RaceEvent = {
  chain: 'ethereum',
  eventType: 'newHeads',
  key: '0x1',
  providerId: 'beta',
  result: 'loss',
  marginMs: 12,
}

/** An adapter that records what it was given and lets the test play "another instance". */
function spyAdapter() {
  const published: Array<[string, unknown]> = []
  let deliver: ((topic: string, payload: unknown, origin: string) => void) | undefined
  let detached = false
  const adapter: PubSubAdapter = {
    publish: (topic, payload) => void published.push([topic, payload]),
    subscribe(callback) {
      deliver = callback
      return () => {
        detached = true
      }
    },
  }
  return {
    adapter,
    published,
    fromElsewhere: (topic: string, payload: unknown, origin = 'instance-b') =>
      deliver?.(topic, payload, origin),
    isDetached: () => detached,
  }
}

describe('createPubSub: publish and subscribe', () => {
  it('delivers a payload to the subscribers of its topic only, with types from the topic map', () => {
    const pubsub = createPubSub<ChainPulseTopics>()
    const blocks: number[] = []
    const races: RaceEvent[] = []
    pubsub.subscribe('blocks:new', (payload, topic) => {
      expectTypeOf(payload).toEqualTypeOf<BlockEvent>()
      expectTypeOf(topic).toEqualTypeOf<'blocks:new'>()
      blocks.push(payload.number)
    })
    pubsub.subscribe('races', (payload) => races.push(payload))
    pubsub.publish('blocks:new', block(7))
    expect(blocks).toEqual([7])
    expect(races).toEqual([])
  })

  it('rejects unknown topics and mismatched payloads at compile time', () => {
    const pubsub = createPubSub<ChainPulseTopics>({ onListenerError: () => {} })
    const compileOnly = () => {
      // @ts-expect-error: not a topic of ChainPulseTopics
      pubsub.publish('blocks:old', block(1))
      // @ts-expect-error: a race is not a block
      pubsub.publish('blocks:new', race)
      // @ts-expect-error: listener expects the wrong payload
      pubsub.subscribe('races', (payload: BlockEvent) => payload.number)
    }
    expect(compileOnly).toBeTypeOf('function')
  })

  it('calls every subscriber in subscription order, then subscribeAll listeners', () => {
    const pubsub = createPubSub<ChainPulseTopics>()
    const order: string[] = []
    pubsub.subscribeAll((topic, _payload) => order.push(`all:${topic}`))
    pubsub.subscribe('races', () => order.push('first'))
    pubsub.subscribe('races', () => order.push('second'))
    pubsub.publish('races', race)
    expect(order).toEqual(['first', 'second', 'all:races'])
  })

  it('subscribeAll hears every topic, and checking the topic narrows the payload', () => {
    const pubsub = createPubSub<ChainPulseTopics>()
    const heard: string[] = []
    pubsub.subscribeAll((topic, payload) => {
      if (topic === 'blocks:new') heard.push(`block ${payload.number}`)
      else if (topic === 'races') heard.push(`race ${payload.result}`)
    })
    pubsub.publish('blocks:new', block(3))
    pubsub.publish('races', race)
    expect(heard).toEqual(['block 3', 'race loss'])
  })

  it('stops delivering to a subscriber once it unsubscribes, and a second unsubscribe is harmless', () => {
    const pubsub = createPubSub<ChainPulseTopics>()
    const heard: number[] = []
    const unsubscribe = pubsub.subscribe('blocks:new', (payload) => heard.push(payload.number))
    const unsubscribeAll = pubsub.subscribeAll(() => heard.push(-1))
    pubsub.publish('blocks:new', block(1))
    unsubscribe()
    unsubscribe()
    unsubscribeAll()
    pubsub.publish('blocks:new', block(2))
    expect(heard).toEqual([1, -1])
  })

  it('lets the same function subscribe twice and unsubscribe each subscription separately', () => {
    const pubsub = createPubSub<ChainPulseTopics>()
    let calls = 0
    const listener = () => void calls++
    const first = pubsub.subscribe('races', listener)
    pubsub.subscribe('races', listener)
    first()
    pubsub.publish('races', race)
    expect(calls).toBe(1)
  })

  it('rejects invalid options with a ConfigError naming the field', () => {
    expect(() => createPubSub({ replay: -1 })).toThrow(ConfigError)
    expect(() => createPubSub({ replay: 1.5 })).toThrow(/replay/)
    expect(() => createPubSub({ adapter: {} as PubSubAdapter })).toThrow(/adapter/)
  })
})

describe('createPubSub: replay', () => {
  it('keeps the latest 100 messages per topic by default, oldest first', () => {
    const pubsub = createPubSub<ChainPulseTopics>()
    for (let number = 1; number <= 250; number++) pubsub.publish('blocks:new', block(number))
    const recent = pubsub.recent('blocks:new')
    expect(recent).toHaveLength(100)
    expect(recent[0]?.number).toBe(151)
    expect(recent.at(-1)?.number).toBe(250)
  })

  it('recent(n) returns the n latest, clamped to what is kept', () => {
    const pubsub = createPubSub<ChainPulseTopics>({ replay: 5 })
    for (let number = 1; number <= 8; number++) pubsub.publish('blocks:new', block(number))
    const numbers = (n?: number) => pubsub.recent('blocks:new', n).map((payload) => payload.number)
    expect(numbers(2)).toEqual([7, 8])
    expect(numbers(50)).toEqual([4, 5, 6, 7, 8])
    expect(numbers(0)).toEqual([])
    expect(numbers(-1)).toEqual([])
    expect(pubsub.recent('races')).toEqual([])
  })

  it('keeps each topic in its own buffer', () => {
    const pubsub = createPubSub<ChainPulseTopics>({ replay: 2 })
    pubsub.publish('races', race)
    for (let number = 1; number <= 3; number++) pubsub.publish('blocks:new', block(number))
    expect(pubsub.recent('races')).toEqual([race])
  })

  it('keeps nothing when replay is 0', () => {
    const pubsub = createPubSub<ChainPulseTopics>({ replay: 0 })
    pubsub.publish('races', race)
    expect(pubsub.recent('races')).toEqual([])
  })

  it('has recorded a message before its subscribers hear it', () => {
    const pubsub = createPubSub<ChainPulseTopics>()
    let seen: number[] = []
    pubsub.subscribe('blocks:new', () => {
      seen = pubsub.recent('blocks:new').map((payload) => payload.number)
    })
    pubsub.publish('blocks:new', block(9))
    expect(seen).toEqual([9])
  })
})

describe('createPubSub: failing and changing subscribers', () => {
  it('a throwing subscriber breaks neither the publisher nor the other subscribers', () => {
    const errors: Array<[unknown, string]> = []
    const pubsub = createPubSub<ChainPulseTopics>({
      onListenerError: (error, topic) => errors.push([error, topic]),
    })
    const failure = new Error('subscriber bug')
    const heard: string[] = []
    pubsub.subscribe('races', () => heard.push('before'))
    pubsub.subscribe('races', () => {
      throw failure
    })
    pubsub.subscribe('races', () => heard.push('after'))
    pubsub.subscribeAll(() => {
      throw failure
    })
    expect(() => pubsub.publish('races', race)).not.toThrow()
    expect(heard).toEqual(['before', 'after'])
    expect(errors).toEqual([
      [failure, 'races'],
      [failure, 'races'],
    ])
  })

  it('reports a rejected async subscriber instead of leaving an unhandled rejection', async () => {
    const errors: unknown[] = []
    const pubsub = createPubSub<ChainPulseTopics>({ onListenerError: (error) => errors.push(error) })
    const failure = new Error('async bug')
    pubsub.subscribe('races', async () => {
      throw failure
    })
    pubsub.publish('races', race)
    await Promise.resolve()
    expect(errors).toEqual([failure])
  })

  it('survives an error handler that throws', () => {
    const pubsub = createPubSub<ChainPulseTopics>({
      onListenerError: () => {
        throw new Error('handler bug')
      },
    })
    let heard = 0
    pubsub.subscribe('races', () => {
      throw new Error('subscriber bug')
    })
    pubsub.subscribe('races', () => void heard++)
    expect(() => pubsub.publish('races', race)).not.toThrow()
    expect(heard).toBe(1)
  })

  it('a subscriber unsubscribed by another during delivery is not called for that message', () => {
    const pubsub = createPubSub<ChainPulseTopics>()
    const heard: string[] = []
    let unsubscribeSecond = () => {}
    pubsub.subscribe('races', () => {
      heard.push('first')
      unsubscribeSecond()
    })
    unsubscribeSecond = pubsub.subscribe('races', () => heard.push('second'))
    pubsub.subscribe('races', () => heard.push('third'))
    pubsub.publish('races', race)
    pubsub.publish('races', race)
    expect(heard).toEqual(['first', 'third', 'first', 'third'])
  })

  it('a subscriber may unsubscribe itself during delivery without disturbing the others', () => {
    const pubsub = createPubSub<ChainPulseTopics>()
    const heard: string[] = []
    const once = pubsub.subscribe('races', () => {
      heard.push('once')
      once()
    })
    pubsub.subscribe('races', () => heard.push('always'))
    pubsub.publish('races', race)
    pubsub.publish('races', race)
    expect(heard).toEqual(['once', 'always', 'always'])
  })

  it('a subscriber added during delivery first hears the next message', () => {
    const pubsub = createPubSub<ChainPulseTopics>()
    const heard: number[] = []
    let added = false
    pubsub.subscribe('blocks:new', () => {
      if (added) return
      added = true
      pubsub.subscribe('blocks:new', (payload) => heard.push(payload.number))
    })
    pubsub.publish('blocks:new', block(1))
    pubsub.publish('blocks:new', block(2))
    expect(heard).toEqual([2])
  })
})

describe('createPubSub: adapter', () => {
  it('hands local publishes to the adapter', () => {
    const spy = spyAdapter()
    const pubsub = createPubSub<ChainPulseTopics>({ adapter: spy.adapter })
    pubsub.publish('races', race)
    expect(spy.published).toEqual([['races', race]])
  })

  it('delivers and records messages from other instances without sending them back', () => {
    const spy = spyAdapter()
    const pubsub = createPubSub<ChainPulseTopics>({ adapter: spy.adapter })
    const heard: number[] = []
    pubsub.subscribe('blocks:new', (payload) => heard.push(payload.number))
    spy.fromElsewhere('blocks:new', block(4))
    expect(heard).toEqual([4])
    expect(pubsub.recent('blocks:new')).toEqual([block(4)])
    expect(spy.published).toEqual([])
  })

  it("tells listeners where a message came from: undefined for this instance's, the origin for another's", () => {
    const spy = spyAdapter()
    const pubsub = createPubSub<ChainPulseTopics>({ adapter: spy.adapter })
    const byTopic: Array<string | undefined> = []
    pubsub.subscribe('blocks:new', (_payload, _topic, origin) => {
      expectTypeOf(origin).toEqualTypeOf<string | undefined>()
      byTopic.push(origin)
    })
    pubsub.publish('blocks:new', block(1))
    spy.fromElsewhere('blocks:new', block(2), 'instance-b')
    expect(byTopic).toEqual([undefined, 'instance-b'])
  })

  it('sends messages to the adapter in publish order even when a subscriber publishes in reaction', () => {
    const spy = spyAdapter()
    const pubsub = createPubSub<ChainPulseTopics>({ adapter: spy.adapter })
    pubsub.subscribe('blocks:new', () => pubsub.publish('races', race))
    pubsub.publish('blocks:new', block(1))
    expect(spy.published.map(([topic]) => topic)).toEqual(['blocks:new', 'races'])
  })

  it('reports adapter failures, sync or async, and still delivers locally', async () => {
    const errors: Array<[unknown, string]> = []
    const syncFailure = new Error('connection lost')
    const asyncFailure = new Error('timeout')
    let calls = 0
    const adapter: PubSubAdapter = {
      publish() {
        calls++
        if (calls === 1) throw syncFailure
        return Promise.reject(asyncFailure)
      },
      subscribe: () => () => {},
    }
    const pubsub = createPubSub<ChainPulseTopics>({
      adapter,
      onAdapterError: (error, topic) => errors.push([error, topic]),
    })
    let heard = 0
    pubsub.subscribe('races', () => void heard++)
    expect(() => pubsub.publish('races', race)).not.toThrow()
    pubsub.publish('races', race)
    await Promise.resolve()
    expect(heard).toBe(2)
    expect(errors).toEqual([
      [syncFailure, 'races'],
      [asyncFailure, 'races'],
    ])
  })

  it('dispose detaches from the adapter and ignores later messages', () => {
    const spy = spyAdapter()
    const pubsub = createPubSub<ChainPulseTopics>({ adapter: spy.adapter })
    let heard = 0
    pubsub.subscribe('races', () => void heard++)
    pubsub.dispose()
    expect(spy.isDetached()).toBe(true)
    pubsub.publish('races', race)
    spy.fromElsewhere('races', race)
    expect(heard).toBe(0)
    expect(spy.published).toEqual([])
    expect(pubsub.recent('races')).toEqual([])
  })
})
