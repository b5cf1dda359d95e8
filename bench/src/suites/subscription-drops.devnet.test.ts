import { describe, expect, it } from 'vitest'
import { CI_PROFILE, runDropScenario } from './subscription-drop-kit.js'

// The subscription-latency bench scenario in its CI size: a real devnet (anvil, simulated providers in
// their own process), the real proxy and real WebSocket clients. It checks exactness only; the latency
// figures belong to `pnpm bench subscription-latency` and docs/benchmarks.md.

describe('subscriptions through the proxy while upstreams drop, die and reorg', () => {
  it('every client gets exactly the node’s canonical blocks and logs: no gap, no duplicate, parents linked, removed logs flagged', async () => {
    const result = await runDropScenario(CI_PROFILE)

    expect(result.chaos).toEqual({ kills: 3, dropAlls: 2, reorgs: 3 })
    expect(result.lastBlock - result.firstBlock).toBeGreaterThanOrEqual(20)
    for (const client of result.clients) {
      expect(client.violations).toEqual([])
      expect(client.heads).toBeGreaterThan(result.lastBlock - result.firstBlock)
      expect(client.logs).toBeGreaterThan(0)
      // Reorgs of depth 1–3 on blocks with transactions: some delivered logs came back as removed.
      expect(client.reorgsSeen).toBeGreaterThanOrEqual(1)
      expect(client.removedLogs).toBeGreaterThan(0)
    }
    // Only a bound that no loaded machine can miss: a delivery held up for the whole run would fail it.
    expect(result.headDelaysMs.length).toBeGreaterThan(0)
    expect(Math.max(...result.headDelaysMs, ...result.logDelaysMs)).toBeLessThan(CI_PROFILE.durationMs / 2)
  }, 120_000)
})
