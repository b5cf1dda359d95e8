import {
  createBenchmarkStore,
  createFastestStrategy,
  createStrategyRegistry,
  type ProviderCandidate,
  type RoutingStrategy,
} from '@chainpulse/core'
import { createFakeClock, strategyConformanceCases } from '@chainpulse/core/testing'

/** Methods that need an archive or tracing node. */
const HEAVY = /^(eth_getLogs$|debug_|trace_)/

/**
 * Sends heavy methods to archive nodes first. The order inside each group, and for every other
 * method, comes from the built-in `fastest` strategy.
 */
export function createArchiveFirstStrategy(archiveIds: readonly string[]): RoutingStrategy {
  const archive = new Set(archiveIds)
  const fastest = createFastestStrategy()
  return {
    name: 'archive-first',
    select(candidates, context) {
      const ordered = fastest.select(candidates, context) // a fresh array: ours to return
      if (!HEAVY.test(context.method)) return ordered
      const archiveNodes: ProviderCandidate[] = []
      const others: ProviderCandidate[] = []
      for (const candidate of ordered) (archive.has(candidate.id) ? archiveNodes : others).push(candidate)
      return archiveNodes.concat(others)
    },
  }
}

export async function main() {
  const registry = createStrategyRegistry()
  registry.register(createArchiveFirstStrategy(['erigon']))

  // Recent latencies as the pool would record them (a fake clock keeps the example deterministic).
  const clock = createFakeClock()
  const store = createBenchmarkStore({ clock })
  const latencyMs = { alchemy: 40, infura: 60, erigon: 150 }
  for (const [providerId, durationMs] of Object.entries(latencyMs)) {
    for (let i = 0; i < 10; i++) {
      for (const method of ['eth_call', 'eth_getLogs']) {
        store.recordRpcCall('ethereum', {
          providerId,
          method,
          strategy: 'archive-first',
          durationMs,
          ok: true,
        })
      }
    }
  }
  const candidates: ProviderCandidate[] = ['alchemy', 'infura', 'erigon'].map((id) => ({
    id,
    chain: 'ethereum',
    priority: 0,
  }))
  const strategy = registry.get('archive-first')
  const route = (method: string) =>
    strategy.select(candidates, { chain: 'ethereum', method, store, now: clock.now() }).map((c) => c.id)

  // The contract every built-in passes; in a test file: `for (const c of cases) it(c.name, c.run)`.
  const cases = strategyConformanceCases(() => createArchiveFirstStrategy(['alpha', 'charlie']))
  const failures: string[] = []
  for (const c of cases) {
    try {
      c.run()
    } catch (error) {
      failures.push(`${c.name}: ${(error as Error).message}`)
    }
  }

  return {
    names: registry.names(),
    getLogsOrder: route('eth_getLogs'),
    callOrder: route('eth_call'),
    casesRun: cases.length,
    failures,
  }
}
