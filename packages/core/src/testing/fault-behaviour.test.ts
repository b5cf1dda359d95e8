import { describe, it } from 'vitest'
import { createFakeClock } from '../clock/fake-clock.js'
import {
  type FaultBehaviourProvider,
  type FaultBehaviourTarget,
  faultBehaviourCases,
} from './fault-behaviour.js'
import { createMockChain } from './mock-chain.js'
import { createMockProvider, type MockProvider } from './mock-provider.js'
import { advanceInSteps, settleOnClock } from './run-clock.js'

// The same suite runs against the devnet's providers over real anvil nodes
// (packages/devnet/src/provider/fault-behaviour.test.ts): one personality, one behaviour.
function mockTarget(): FaultBehaviourTarget {
  const clock = createFakeClock()
  const chain = createMockChain({ clock, chainId: 1 })
  chain.mine(6)
  const mocks = new Map<FaultBehaviourProvider, MockProvider>()
  let started = 0
  return {
    // A fake clock moved in 1 ms steps: an answer due at 37.4 ms arrives at 38.
    toleranceMs: 1,
    async start(personality) {
      const seed = 11
      const mock = createMockProvider({ chain, clock, id: `mock-${++started}`, seed, script: personality })
      const provider: FaultBehaviourProvider = {
        seed,
        id: mock.id,
        call: (method, params, { timeoutMs }) =>
          settleOnClock(clock, mock.request(method, params, { timeoutMs }), { stepMs: 1 }),
        async subscribeHeads(onHead, onDrop) {
          const stopWatching = mock.onConnectionChange!((state) => {
            if (state === 'disconnected') onDrop()
          })
          const subscription = await settleOnClock(
            clock,
            mock.subscribe!(
              ['newHeads'],
              (head) => onHead(Number.parseInt((head as { number: string }).number, 16)),
              {},
            ),
          )
          return async () => {
            stopWatching()
            await subscription.unsubscribe()
          }
        },
        now: () => clock.now(),
      }
      mocks.set(provider, mock)
      return provider
    },
    async stop(provider) {
      mocks.get(provider)?.close()
      mocks.delete(provider)
    },
    chainHead: async () => Number.parseInt(chain.head().number, 16),
    mine: async () => void chain.mine(),
    wait: (ms) => advanceInSteps(clock, ms, 1),
  }
}

describe('mock provider fault behaviour (the simulated-provider contract, on a fake clock)', () => {
  for (const c of faultBehaviourCases(mockTarget())) it(c.name, c.run)
})
