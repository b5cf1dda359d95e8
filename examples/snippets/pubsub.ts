import { type BlockEvent, type ChainPulseTopics, createPubSub } from '@chainpulse/core'
import { createInMemoryBus } from '@chainpulse/core/testing'

const head = (number: number): BlockEvent => ({
  chain: 'ethereum',
  number,
  hash: `0x${number.toString(16).padStart(64, '0')}`,
  parentHash: `0x${(number - 1).toString(16).padStart(64, '0')}`,
  timestamp: 1_700_000_000 + number * 12,
  firstProviderId: 'alchemy',
  receivedAt: 1_700_000_000_000 + number * 12_000,
})

export async function main() {
  // Two server instances. In production the bus is Redis, reached through a Redis adapter.
  const bus = createInMemoryBus()
  const instanceA = createPubSub<ChainPulseTopics>({ adapter: bus.createAdapter() })
  const instanceB = createPubSub<ChainPulseTopics>({ adapter: bus.createAdapter(), replay: 100 })

  // A feed on instance B hears blocks published on instance A; `block` is typed as BlockEvent.
  const feed: string[] = []
  const unsubscribe = instanceB.subscribe('blocks:new', (block) =>
    feed.push(`${block.chain} #${block.number}`),
  )

  // A dashboard stream: every topic through one listener; checking `topic` narrows `payload`.
  const stream: string[] = []
  instanceB.subscribeAll((topic, payload) => {
    stream.push(topic === 'routing:decisions' ? `${topic} via ${payload.providerId}` : topic)
  })

  for (let number = 100; number <= 102; number++) instanceA.publish('blocks:new', head(number))
  unsubscribe()
  instanceA.publish('blocks:new', head(103))
  instanceA.publish('routing:decisions', {
    ts: Date.now(),
    chain: 'ethereum',
    method: 'eth_blockNumber',
    strategy: 'leaderboard',
    providerId: 'infura',
    durationMs: 38.2,
    result: 'ok',
    failoverCount: 1,
    attempts: 2,
  })

  return {
    feed,
    stream,
    // A dashboard that connects late replays the latest blocks, oldest first.
    latestTwo: instanceB.recent('blocks:new', 2).map((block) => block.number),
    // Each message crossed the bus once: instance B did not send A's messages back.
    sentOverBus: bus.sent.length,
  }
}
