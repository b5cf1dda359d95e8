import { createFastestStrategy, type ProviderCandidate, type RoutingStrategy } from '@chainpulse/core'

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
