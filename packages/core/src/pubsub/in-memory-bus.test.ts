import { describe, expect, it } from 'vitest'
import { createInMemoryBus } from './in-memory-bus.js'
import { createPubSub } from './pubsub.js'
import type { ChainPulseTopics, ProviderPoolEvent, RaceEvent } from './topics.js'

const race = (key: string): RaceEvent => ({
  chain: 'ethereum',
  eventType: 'newHeads',
  key,
  providerId: 'alpha',
  result: 'win',
  marginMs: 0,
})

function instances(count: number) {
  const bus = createInMemoryBus()
  const heard: string[][] = []
  const pubsubs = Array.from({ length: count }, (_, index) => {
    const pubsub = createPubSub<ChainPulseTopics>({ adapter: bus.createAdapter() })
    heard[index] = []
    pubsub.subscribe('races', (payload) => heard[index]?.push(payload.key))
    return pubsub
  })
  return { bus, pubsubs, heard }
}

describe('createInMemoryBus', () => {
  it('fans a message out from one PubSub to another exactly once, without echo', () => {
    const { bus, pubsubs, heard } = instances(2)
    const [a, b] = pubsubs as [(typeof pubsubs)[0], (typeof pubsubs)[0]]
    a.publish('races', race('0x1'))
    expect(heard).toEqual([['0x1'], ['0x1']])
    expect(bus.sent.map(({ from, topic }) => [from, topic])).toEqual([[1, 'races']])
    b.publish('races', race('0x2'))
    expect(heard).toEqual([
      ['0x1', '0x2'],
      ['0x1', '0x2'],
    ])
    expect(bus.sent).toHaveLength(2)
    expect(b.recent('races').map((payload) => payload.key)).toEqual(['0x1', '0x2'])
  })

  it('reaches every other instance when there are several', () => {
    const { bus, pubsubs, heard } = instances(4)
    pubsubs[2]?.publish('races', race('0xa'))
    expect(heard).toEqual([['0xa'], ['0xa'], ['0xa'], ['0xa']])
    expect(bus.sent).toHaveLength(1)
  })

  it("names each message's sender as its origin: the given instance id, or the adapter's number", () => {
    const bus = createInMemoryBus()
    const a = createPubSub<ChainPulseTopics>({ adapter: bus.createAdapter('instance-a') })
    const b = createPubSub<ChainPulseTopics>({ adapter: bus.createAdapter() })
    const heardOnA: Array<string | undefined> = []
    const heardOnB: Array<string | undefined> = []
    a.subscribe('races', (_payload, _topic, origin) => heardOnA.push(origin))
    b.subscribe('races', (_payload, _topic, origin) => heardOnB.push(origin))
    a.publish('races', race('0x1'))
    b.publish('races', race('0x2'))
    expect(heardOnA).toEqual([undefined, '2'])
    expect(heardOnB).toEqual(['instance-a', undefined])
  })

  it('stops delivering to an instance that disposed', () => {
    const { bus, pubsubs, heard } = instances(2)
    pubsubs[1]?.dispose()
    pubsubs[0]?.publish('races', race('0x1'))
    expect(heard[1]).toEqual([])
    expect(bus.sent).toHaveLength(1)
  })

  it('hands other instances a serialised copy, like a network would', () => {
    const bus = createInMemoryBus()
    const a = createPubSub<ChainPulseTopics>({ adapter: bus.createAdapter() })
    const b = createPubSub<ChainPulseTopics>({ adapter: bus.createAdapter() })
    const event: ProviderPoolEvent = {
      ts: 1,
      chain: 'ethereum',
      providerId: 'alpha',
      type: 'healthy',
      detail: undefined,
    }
    a.publish('provider_pool:events', event)
    const [received] = b.recent('provider_pool:events')
    expect(received).toEqual({ ts: 1, chain: 'ethereum', providerId: 'alpha', type: 'healthy' })
    expect(received).not.toBe(event)
  })

  it('fails to send a payload that cannot cross processes, but the publisher still delivers locally', () => {
    const bus = createInMemoryBus()
    const errors: unknown[] = []
    const a = createPubSub<{ raw: { big: bigint } }>({
      adapter: bus.createAdapter(),
      onAdapterError: (error) => errors.push(error),
    })
    const b = createPubSub<{ raw: { big: bigint } }>({ adapter: bus.createAdapter() })
    a.publish('raw', { big: 1n })
    expect(a.recent('raw')).toEqual([{ big: 1n }])
    expect(b.recent('raw')).toEqual([])
    expect(errors[0]).toBeInstanceOf(TypeError)
  })

  it('passes payloads through untouched when serialize is off', () => {
    const bus = createInMemoryBus({ serialize: false })
    const a = createPubSub<ChainPulseTopics>({ adapter: bus.createAdapter() })
    const b = createPubSub<ChainPulseTopics>({ adapter: bus.createAdapter() })
    const payload = race('0x1')
    a.publish('races', payload)
    expect(b.recent('races')[0]).toBe(payload)
  })
})
