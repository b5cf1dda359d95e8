import type { BenchmarkStore } from '../benchmark-store/types.js'

/**
 * What a routing strategy knows about a provider it may choose. The pool passes only usable providers
 * (breaker not open, healthy, not cooling down, not lagging when the call needs the head).
 */
export interface ProviderCandidate {
  /** Unique within the pool. Strategies use it as the last tie-breaker, so orders never depend on input order. */
  id: string
  chain: string
  /** Lower is preferred by the `priority` strategy and used to break ties everywhere. @default 0 */
  priority: number
  /** Cost of one call per method (any unit, e.g. compute units). */
  costPerMethod?: Readonly<Record<string, number>>
  /** Cost of a method missing from `costPerMethod`. @default 1 */
  defaultCost?: number
}

/** The request being routed and read access to metrics. */
export interface RoutingContext {
  chain: string
  /** JSON-RPC method, e.g. `eth_call`; per-method strategies (`fastest`, `cheapest`) key their figures by it. */
  method: string
  /** Read-only for strategies: the pool records outcomes, strategies only read. */
  store: BenchmarkStore
  /** Clock time of the decision (ms). */
  now: number
}

/**
 * A routing strategy orders the usable providers for one request; the pool tries them in that order
 * (the first, then the next on failover). The pool calls `select` on every request, so it must be cheap.
 *
 * Contract, checked by `strategyConformanceCases` from `@chainpulse/core/testing`: `select` returns a
 * new array holding every given candidate object exactly once (a permutation: a strategy orders, it
 * never drops — filtering is the pool's job), leaves the input untouched, never throws on missing or
 * degenerate metrics, never writes to the store, and is deterministic: two fresh instances fed the
 * same calls return the same orders.
 *
 * @example
 * const byId: RoutingStrategy = {
 *   name: 'by-id',
 *   select: (candidates) => [...candidates].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
 * }
 */
export interface RoutingStrategy {
  /** Registry key and the `:strategy` segment of `/rpc/:strategy/:chain`: letters, digits, `-`, `_`. */
  readonly name: string
  select(candidates: readonly ProviderCandidate[], context: RoutingContext): ProviderCandidate[]
}
