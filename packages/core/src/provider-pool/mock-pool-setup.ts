import { afterEach } from 'vitest'
import { createFakeClock, type FakeClock } from '../clock/fake-clock.js'
import type { ProviderPoolEvent, RoutingDecisionEvent } from '../pubsub/topics.js'
import { createMockChain, type MockChain } from '../testing/mock-chain.js'
import { createMockProvider, type MockProvider } from '../testing/mock-provider.js'
import type { ProviderPoolOptions } from './options.js'
import { createProviderPool } from './provider-pool.js'
import type { ProviderPool } from './types.js'

// A pool over three in-memory mock providers (a, b, c; priority strategy) on a fake clock, for the pool's
// unit tests: no sockets, no sleeps. Every test gets a fresh one; afterEach closes it.

let pool: ProviderPool | undefined
afterEach(async () => {
  await pool?.close()
  pool = undefined
})

export interface Setup {
  clock: FakeClock
  chain: MockChain
  providers: Record<'a' | 'b' | 'c', MockProvider>
  pool: ProviderPool
  decisions: RoutingDecisionEvent[]
  events: ProviderPoolEvent[]
}

export function setup(
  options: Partial<ProviderPoolOptions> = {},
  priorities = { a: 0, b: 1, c: 2 },
  /** Whether the mock providers can push (`newHeads`, logs) and report their connection. */
  subscriptions = false,
): Setup {
  const clock = createFakeClock()
  const chain = createMockChain({ clock, chainId: 1 })
  chain.mine(3)
  const providers = {
    a: createMockProvider({ chain, clock, id: 'a', subscriptions }),
    b: createMockProvider({ chain, clock, id: 'b', subscriptions }),
    c: createMockProvider({ chain, clock, id: 'c', subscriptions }),
  }
  pool = createProviderPool({
    chains: [{ name: 'ethereum', chainId: 1 }],
    providers: (['a', 'b', 'c'] as const).map((id) => ({
      id,
      chain: 'ethereum',
      upstream: providers[id],
      priority: priorities[id],
    })),
    strategy: 'priority',
    clock,
    wallClock: () => 1_700_000_000_000 + clock.now(),
    racing: false,
    // Routing alone: no background probes (their calls would count), no hedges (each attempt is one the
    // test chose), heads polled rarely.
    healthCheck: false,
    hedge: false,
    headPollIntervalMs: 60_000,
    ...options,
  })
  const decisions: RoutingDecisionEvent[] = []
  const events: ProviderPoolEvent[] = []
  pool.pubsub.subscribe('routing:decisions', (decision) => decisions.push(decision))
  pool.pubsub.subscribe('provider_pool:events', (event) => events.push(event))
  return { clock, chain, providers, pool, decisions, events }
}
