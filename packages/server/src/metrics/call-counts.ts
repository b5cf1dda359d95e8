import type { ChainPulseTopics, PubSub } from '@chainpulse/core'

/** How one chain's client calls were answered, and what they cost upstream, since the server started. */
export interface ChainCalls {
  /**
   * Client calls the pool answered: one per routing decision (so each chunk of a split `eth_getLogs`
   * counts, as it is a routed call of its own); the pool's own calls (`internal`) are not clients'.
   */
  calls: number
  /** Answered by the response cache, with no upstream call. */
  cacheHits: number
  /** Answered by joining an identical read already in flight, with no upstream call of their own. */
  coalesced: number
  /** Routed to providers: a cache miss, or a call the cache does not keep. */
  routed: number
  /**
   * Requests sent to providers: by the routed calls (failovers and hedges included) and by the pool's
   * own calls (its chain follower's), which cost the same quota.
   */
  upstreamCalls: number
  /** Upstream calls saved: `cacheHits + coalesced`. */
  saved: number
}

/** Per-chain {@link ChainCalls}, counted once for the whole server. */
export interface CallCounts {
  /** A chain's counts (a copy), all zero before its first call. */
  of(chain: string): ChainCalls
  /** The chains that had a call, with their counts (copies). */
  all(): Map<string, ChainCalls>
  /** Stops counting. */
  close(): void
}

interface Counts {
  calls: number
  cacheHits: number
  coalesced: number
  upstreamCalls: number
}

const view = (counts: Counts | undefined): ChainCalls => {
  const { calls = 0, cacheHits = 0, coalesced = 0, upstreamCalls = 0 } = counts ?? {}
  return {
    calls,
    cacheHits,
    coalesced,
    routed: calls - cacheHits - coalesced,
    upstreamCalls,
    saved: cacheHits + coalesced,
  }
}

/**
 * Counts, per chain, how the pool answered client calls, from its `routing:decisions` (a decision says
 * `cached` or `coalesced`, else its `attempts` went upstream). The one place these are counted: the
 * Prometheus counters (`chainpulse_cache_hits_total`, `chainpulse_coalesced_requests_total`) and the
 * dashboard's `GET /api/chains` both read it, so they cannot disagree.
 *
 * @example
 * const counts = createCallCounts(pool.pubsub)
 * counts.of('ethereum').saved // upstream calls the cache and coalescing saved
 */
export function createCallCounts(pubsub: Pick<PubSub<ChainPulseTopics>, 'subscribe'>): CallCounts {
  const perChain = new Map<string, Counts>()
  const unsubscribe = pubsub.subscribe('routing:decisions', (decision, _topic, origin) => {
    // Another instance's decision (cluster mode): its calls are counted there, not here.
    if (origin !== undefined) return
    let counts = perChain.get(decision.chain)
    if (counts === undefined) {
      counts = { calls: 0, cacheHits: 0, coalesced: 0, upstreamCalls: 0 }
      perChain.set(decision.chain, counts)
    }
    if (decision.internal) {
      if (!decision.cached && !decision.coalesced) counts.upstreamCalls += decision.attempts
      return
    }
    counts.calls++
    if (decision.cached) counts.cacheHits++
    // A joined call's attempts are those of the call it joined, already counted there.
    else if (decision.coalesced) counts.coalesced++
    else counts.upstreamCalls += decision.attempts
  })
  return {
    of: (chain) => view(perChain.get(chain)),
    all: () => new Map([...perChain].map(([chain, counts]) => [chain, view(counts)])),
    close: unsubscribe,
  }
}
