import { createProviderPool } from '@chainpulse/core'
import {
  advanceInSteps,
  createFakeClock,
  createMockChain,
  createMockProvider,
  settleOnClock,
} from '@chainpulse/core/testing'

/** A pool over mock providers on a fake clock: what a unit test of code using the pool starts from. */
export async function main() {
  const clock = createFakeClock()
  const chain = createMockChain({ clock, chainId: 1 })
  const fast = createMockProvider({ chain, clock, id: 'fast', latencyMs: 5 })
  const backup = createMockProvider({ chain, clock, id: 'backup', script: { latencyMs: 20, jitterMs: 10 } })
  const pool = createProviderPool({
    chains: [{ name: 'ethereum', chainId: 1 }],
    providers: [fast, backup].map((upstream) => ({ id: upstream.id, chain: 'ethereum', upstream })),
    clock,
    healthCheck: false, // no background probes: every upstream call is the test's own
  })
  try {
    chain.mine(3) // blocks are pushed to subscribers; chain.reorg(1) replaces the newest block
    fast.set({ mode: 'down' }) // any devnet personality knob (errorRate, errorMix, lagBlocks, …), failNext, rpcError

    // Mock latency and the pool's timers run on the fake clock: move it while awaiting.
    const answer = await settleOnClock(clock, pool.request({ chain: 'ethereum', method: 'eth_blockNumber' }))
    await advanceInSteps(clock, 1_000) // 1 s of fake time in 5 ms steps, promise continuations in between

    return { blockNumber: answer.result, providerId: answer.providerId, elapsedMs: clock.now() }
  } finally {
    await pool.close()
  }
}
