import type { BenchmarkStore } from '../benchmark-store/types.js'

/** What a routing strategy knows about a provider it may choose. */
export interface ProviderCandidate {
  id: string
  chain: string
  /** Lower is preferred by the `priority` strategy and used to break ties. @default 0 */
  priority: number
  /** Cost of one call per method (any unit, e.g. compute units). */
  costPerMethod?: Readonly<Record<string, number>>
  /** Cost of a method missing from `costPerMethod`. @default 1 */
  defaultCost?: number
}

/** The request being routed and read access to metrics. */
export interface RoutingContext {
  chain: string
  method: string
  store: BenchmarkStore
  /** Clock time of the decision (ms). */
  now: number
}

/**
 * A routing strategy orders the usable providers for one request; the pool tries them in that order.
 * Implementations must return only given candidates, without duplicates, never throw on missing
 * metrics, and be deterministic for the same state — `@chainpulse/core/testing` checks all of it.
 */
export interface RoutingStrategy {
  readonly name: string
  select(candidates: readonly ProviderCandidate[], context: RoutingContext): ProviderCandidate[]
}
