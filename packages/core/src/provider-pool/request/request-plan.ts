import type { BenchmarkStore } from '../../benchmark-store/types.js'
import type { UpstreamRpcError } from '../../errors/errors.js'
import type { ProviderCandidate, RoutingStrategy } from '../../routing/types.js'
import type { HeadTracker } from '../chain/head-tracker.js'
import type { ProviderRuntime } from '../provider/provider-runtime.js'

/** What the plan needs to know about one call. */
export interface PlanInput {
  chain: string
  method: string
  /** Whether the answer depends on the provider being at the tip (`latest`, `eth_blockNumber`, ...). */
  needsTip: boolean
  /** The highest block number the call names, if any. */
  referencedBlock: number | undefined
  /** The block whose state the call reads, for a state read that names one by number (`stateBlockNumber`). */
  stateBlock?: number | undefined
  providers: readonly ProviderRuntime[]
  heads: HeadTracker
  strategy: RoutingStrategy
  store: BenchmarkStore
  now: number
  /**
   * Whether background health probes run: then only providers whose breaker is closed take client
   * requests (the probes are the half-open trials); without probes a half-open breaker admits a trial.
   */
  probing: boolean
  /** A provider to put first when it is usable for this call (the call's session is on it). */
  preferred?: string | undefined
}

/** How to route one call. */
export type RequestPlan =
  | {
      kind: 'route'
      /** Providers to try, in order. */
      providers: ProviderRuntime[]
      /** Providers cooling down, earliest end first (the executor's fallback). */
      coolingDown: ProviderRuntime[]
      /** Why each left-out provider was left out. */
      reasons: Record<string, string>
      /**
       * The preferred provider is usable but has not reported the block the call names yet, or is taken
       * not to keep that block's state, so it comes after those that may: a detour of this call only, not
       * a reason to leave it.
       */
      preferredBehind: boolean
    }
  /** Every provider that could be asked is known not to serve the method: what the first one said. */
  | { kind: 'unsupported'; error: UpstreamRpcError; provider: ProviderRuntime }

/**
 * Orders a chain's providers for one call. Left out: providers that are down, whose breaker is not
 * closed, or that are known not to serve the method. Set aside for the executor's throttle fallback:
 * those cooling down. Ordered by the strategy: the rest, with the preferred provider (a session's)
 * moved first when it is among them; then, last, providers lagging behind the tip
 * (for calls that need it), providers whose head has not reached the block the call names, and providers
 * taken not to keep the state a state read needs (pruning nodes: history-aware routing). A call
 * naming a block above every provider's head goes to one provider only: its answer ("unknown block")
 * is the request's own, and asking every provider would only multiply it.
 */
export function planRequest(input: PlanInput): RequestPlan {
  const { now } = input
  const usable: ProviderCandidate[] = []
  const byId = new Map<string, ProviderRuntime>()
  const lagging: ProviderRuntime[] = []
  const behind: ProviderRuntime[] = []
  /** Providers taken not to keep the state the call reads, with the oldest block they are taken to keep. */
  const pruned: { provider: ProviderRuntime; earliest: number }[] = []
  const coolingDown: ProviderRuntime[] = []
  const reasons: Record<string, string> = {}
  let unsupported: { error: UpstreamRpcError; provider: ProviderRuntime } | undefined
  for (const provider of input.providers) {
    const id = provider.config.id
    if (provider.downReason !== undefined) {
      reasons[id] = `down (${provider.downReason})`
      continue
    }
    const breakerState = provider.breaker.state
    if (breakerState === 'open' || (input.probing && breakerState === 'half-open')) {
      reasons[id] = `circuit ${breakerState}`
      continue
    }
    const known = provider.unsupportedAnswer(input.method)
    if (known) {
      reasons[id] = `does not serve ${input.method}`
      unsupported ??= { error: known, provider }
      continue
    }
    if (provider.cooldownUntil > now) {
      reasons[id] = 'cooling down'
      coolingDown.push(provider)
      continue
    }
    if (input.needsTip && provider.lagging) {
      lagging.push(provider)
      continue
    }
    const head = input.heads.head(id)
    if (input.referencedBlock !== undefined && head !== undefined && head < input.referencedBlock) {
      behind.push(provider)
      continue
    }
    if (input.stateBlock !== undefined) {
      const earliest = provider.earliestStateBlock(head)
      if (earliest !== undefined && input.stateBlock < earliest) {
        pruned.push({ provider, earliest })
        continue
      }
    }
    usable.push(provider.candidate)
    byId.set(id, provider)
  }
  if (
    usable.length + lagging.length + behind.length + pruned.length + coolingDown.length === 0 &&
    unsupported
  )
    return { kind: 'unsupported', ...unsupported }
  const ordered = input.strategy
    .select(usable, { chain: input.chain, method: input.method, store: input.store, now })
    .map((candidate) => byId.get(candidate.id)!)
  const preferred = input.preferred === undefined ? undefined : byId.get(input.preferred)
  if (preferred !== undefined && ordered[0] !== preferred) {
    ordered.splice(ordered.indexOf(preferred), 1)
    ordered.unshift(preferred)
  }
  // The closest to the block first: the most likely to have it by the time the call arrives.
  behind.sort((a, b) => (input.heads.head(b.config.id) ?? 0) - (input.heads.head(a.config.id) ?? 0))
  // Never left out (what was learned may be wrong): the one keeping the oldest state first.
  pruned.sort((a, b) => a.earliest - b.earliest)
  let providers = ordered.concat(
    lagging,
    behind,
    pruned.map((entry) => entry.provider),
  )
  const best = input.heads.best()
  if (input.referencedBlock !== undefined && best !== undefined && input.referencedBlock > best)
    providers = providers.slice(0, 1)
  coolingDown.sort((a, b) => a.cooldownUntil - b.cooldownUntil)
  const preferredBehind =
    input.preferred !== undefined &&
    (behind.some((p) => p.config.id === input.preferred) ||
      pruned.some((entry) => entry.provider.config.id === input.preferred))
  return { kind: 'route', providers, coolingDown, reasons, preferredBehind }
}
