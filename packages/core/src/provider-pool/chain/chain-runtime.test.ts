import { afterEach, describe, expect, it } from 'vitest'
import { createFakeClock, type FakeClock } from '../../clock/fake-clock.js'
import { createMessageAggregator } from '../../message-aggregator/message-aggregator.js'
import { createPubSub } from '../../pubsub/pubsub.js'
import type { BlockEvent, ChainPulseTopics } from '../../pubsub/topics.js'
import type { BlockHeader } from '../../subscriptions/block-header.js'
import { createMockChain, type MockChain } from '../../testing/mock-chain.js'
import { createMockProvider, type MockProvider } from '../../testing/mock-provider.js'
import { advanceInSteps } from '../../testing/run-clock.js'
import { parseProviderConfig } from '../options.js'
import { createProviderRuntime } from '../provider/provider-runtime.js'
import { type ChainRuntime, createChainRuntime } from './chain-runtime.js'

// One chain's runtime over mock providers that push heads, on a fake clock: racing, the canonical
// chain, waiting for a head, and catching up after a dropped stream.

let runtime: ChainRuntime | undefined
const headOf = (chain: MockChain) => Number.parseInt(chain.head().number, 16)
afterEach(async () => {
  await runtime?.close()
  runtime = undefined
})

function setup(): {
  clock: FakeClock
  chain: MockChain
  providers: Record<'fast' | 'slow', MockProvider>
  runtime: ChainRuntime
  blocks: BlockEvent[]
} {
  const clock = createFakeClock()
  const chain = createMockChain({ clock, chainId: 1 })
  chain.mine(3)
  const providers = {
    fast: createMockProvider({ chain, clock, id: 'fast' }),
    slow: createMockProvider({ chain, clock, id: 'slow' }),
  }
  providers.fast.set({ wsDelayMs: 5 })
  providers.slow.set({ wsDelayMs: 40 })
  const pubsub = createPubSub<ChainPulseTopics>()
  const blocks: BlockEvent[] = []
  pubsub.subscribe('blocks:new', (block) => blocks.push(block))
  const created = createChainRuntime({
    name: 'ethereum',
    chainId: 1,
    blockTimeMs: 1_000,
    strategy: 'priority',
    clock,
    wallClock: () => clock.now(),
    pubsub,
    aggregator: createMessageAggregator<BlockHeader>({ clock }),
    maxLagBlocks: 3,
    headPollIntervalMs: 4_000,
    healthCheck: false,
    defaultCooldownMs: 1_000,
    racing: true,
    // Back-fills ask the fast provider, as the pool's request would.
    request: async (method, params) => {
      const answer = await providers.fast.request(method, params, { timeoutMs: 1_000 })
      if ('error' in answer) throw new Error(answer.error.message)
      return answer.result
    },
    onListenerError: (error) => {
      throw error
    },
  })
  for (const provider of Object.values(providers))
    created.addProvider(
      createProviderRuntime({
        config: parseProviderConfig({
          id: provider.id,
          chain: 'ethereum',
          wsUrl: `ws://127.0.0.1:1/${provider.id}`,
        }),
        upstream: provider,
        clock,
        unsupportedMethodTtlMs: 60_000,
        emit() {},
      }),
    )
  runtime = created
  return { clock, chain, providers, runtime: created, blocks }
}

describe('chain runtime', () => {
  it('races every provider for each head: one block event, the first copy its winner, every head tracked', async () => {
    const { clock, chain, runtime, blocks } = setup()
    await advanceInSteps(clock, 100)
    chain.mine(1)
    await advanceInSteps(clock, 100)
    const head = headOf(chain)
    expect(blocks.filter((block) => block.number === head)).toEqual([
      expect.objectContaining({ number: head, firstProviderId: 'fast' }),
    ])
    expect([runtime.heads.head('fast'), runtime.heads.head('slow')]).toEqual([head, head])
  })

  it('delivers each block once, in order, to a head subscriber, catching up what a dropped stream missed', async () => {
    const { clock, chain, providers, runtime } = setup()
    const delivered: number[] = []
    runtime.subscribeHeads((block) => delivered.push(Number.parseInt(block.number, 16)))
    await advanceInSteps(clock, 100)
    chain.mine(1)
    await advanceInSteps(clock, 100)
    providers.fast.dropSubscriptions()
    providers.slow.dropSubscriptions()
    chain.mine(3)
    await advanceInSteps(clock, 100)
    providers.fast.reconnect()
    // Back as soon as a stream is up again, well within one head-poll interval.
    await advanceInSteps(clock, 500)
    const first = delivered[0]!
    expect(delivered).toEqual(Array.from({ length: headOf(chain) - first + 1 }, (_, k) => first + k))
    expect(delivered.at(-1)).toBe(headOf(chain))
  })

  it('resolves a wait for a head once some provider reaches it, or when its time is up', async () => {
    const { clock, chain, runtime } = setup()
    await advanceInSteps(clock, 100)
    let reached = false
    void runtime.waitForHead(headOf(chain) + 1, 5_000).then(() => {
      reached = true
    })
    await advanceInSteps(clock, 100)
    expect(reached).toBe(false)
    chain.mine(1)
    await advanceInSteps(clock, 50)
    expect(reached).toBe(true)
    let timedOut = false
    void runtime.waitForHead(headOf(chain) + 10, 300).then(() => {
      timedOut = true
    })
    await advanceInSteps(clock, 299)
    expect(timedOut).toBe(false)
    await advanceInSteps(clock, 2)
    expect(timedOut).toBe(true)
  })
})
