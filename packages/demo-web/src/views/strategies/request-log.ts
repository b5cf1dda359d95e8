import { type ReadonlySignal, signal } from '@preact/signals'
import { leaderOf } from '../../api/leaderboard.js'
import type { RoutingDecision } from '../../api/types.js'
import { perKey, watchFeed } from '../../components/watch-feed.js'
import type { DashboardStore } from '../../stream/dashboard-store.js'
import { createRingBuffer, type RingBuffer } from '../../stream/ring-buffer.js'

/** A routing decision with the race leader of its chain when it arrived. */
export interface LoggedRequest {
  decision: RoutingDecision
  /**
   * The leaderboard's top provider for the chain when the decision arrived; `null` when no race was
   * ranked yet, `undefined` when the decision arrived before the page started the log.
   */
  leader: string | null | undefined
  /** True when a leader was known and routing used another provider. */
  offLeader: boolean
  /** Arrival order, for merging chains. */
  seq: number
}

/** The latest requests per chain, each annotated with the leader of its moment. */
export interface RequestLog {
  readonly perChain: number
  record(decision: RoutingDecision, leader: string | null | undefined): void
  /** Newest first: one chain's requests, or every chain's merged, at most `perChain` either way. */
  entries(chain?: string): LoggedRequest[]
  clear(): void
}

const sameDecision = (a: RoutingDecision, b: RoutingDecision) =>
  a.ts === b.ts &&
  a.providerId === b.providerId &&
  a.method === b.method &&
  a.durationMs === b.durationMs &&
  a.strategy === b.strategy

/** Options of {@link createRequestLog}. */
export interface RequestLogOptions {
  /** Requests kept per chain. @default 100 */
  perChain?: number
  /** Chains kept at most; the one seen least recently is forgotten first. @default 32 */
  maxChains?: number
}

/**
 * Creates a {@link RequestLog}: a ring buffer per chain, so a busy chain does not push a quiet one's
 * requests out, and memory stays at `perChain × maxChains` entries.
 *
 * @example
 * const log = createRequestLog({ perChain: 50 })
 * log.record(decision, 'alpha')
 * log.entries('ethereum')[0]?.offLeader
 */
export function createRequestLog(options: RequestLogOptions = {}): RequestLog {
  const perChain = options.perChain ?? 100
  const maxChains = options.maxChains ?? 32
  const chains = new Map<string, RingBuffer<LoggedRequest>>()
  let seq = 0
  return {
    perChain,
    record(decision, leader) {
      let buffer = chains.get(decision.chain)
      // A replay after a reconnect repeats decisions the log already has.
      if (buffer?.toArray().some((entry) => sameDecision(entry.decision, decision))) return
      if (buffer) chains.delete(decision.chain)
      else {
        buffer = createRingBuffer<LoggedRequest>(perChain)
        if (chains.size >= maxChains) chains.delete(chains.keys().next().value!)
      }
      chains.set(decision.chain, buffer)
      const offLeader = typeof leader === 'string' && leader !== decision.providerId
      buffer.push({ decision, leader, offLeader, seq: seq++ })
    },
    entries(chain) {
      if (chain) return (chains.get(chain)?.toArray() ?? []).reverse()
      return [...chains.values()]
        .flatMap((buffer) => buffer.toArray())
        .sort((a, b) => b.seq - a.seq)
        .slice(0, perChain)
    },
    clear() {
      chains.clear()
    },
  }
}

/** Share of a set of requests that went to the leader of their moment (among those with a known leader). */
export function leaderShare(entries: readonly LoggedRequest[]): { known: number; onLeader: number } {
  let known = 0
  let onLeader = 0
  for (const entry of entries) {
    if (typeof entry.leader !== 'string') continue
    known++
    if (!entry.offLeader) onLeader++
  }
  return { known, onLeader }
}

/** A {@link RequestLog} fed from a store, and a revision that changes when it does. */
export interface RequestLogTracker {
  log: RequestLog
  revision: ReadonlySignal<number>
}

/**
 * The request log of a store (one per store, created on first use and fed for the page's lifetime).
 * Each decision is annotated with the leaderboard the page holds when the decision arrives (the
 * leaderboard snapshot comes every second, so "at that moment" is within a second). Decisions already in
 * the store when the log starts, and the replay after a reconnect, get no leader: the page did not hold
 * the leaderboard of their time. A decision already logged is not logged twice.
 */
export const requestLogOf = perKey((store: DashboardStore): RequestLogTracker => {
  const log = createRequestLog()
  const revision = signal(0)
  watchFeed(store.routing, (decisions, initial) => {
    for (const decision of decisions)
      log.record(decision, initial ? undefined : (leaderOf(store.leaderboard.value[decision.chain]) ?? null))
    revision.value++
  })
  return { log, revision }
})
