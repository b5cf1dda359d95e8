import type { ProviderCandidate, RoutingContext, RoutingStrategy } from './types.js'

/**
 * Per-instance sort keys: `group[i]` and `key[i]` belong to the i-th candidate of the current call.
 * Reused across calls so the hot path allocates only its result array; safe because `select` is
 * synchronous and never re-entered.
 */
export interface SortKeys {
  group: Float64Array
  key: Float64Array
}

/** Creates sort keys for up to `capacity` candidates; {@link ensureCapacity} grows them on demand. */
export function createSortKeys(capacity = 8): SortKeys {
  return { group: new Float64Array(capacity), key: new Float64Array(capacity) }
}

/** Makes room for `n` candidates (pools beyond 8 providers per chain are rare, so growth is too). */
export function ensureCapacity(keys: SortKeys, n: number): void {
  if (keys.group.length >= n) return
  const capacity = Math.max(n, keys.group.length * 2)
  keys.group = new Float64Array(capacity)
  keys.key = new Float64Array(capacity)
}

/**
 * A strategy that orders by sort keys. `assignKeys` fills `keys.group[i]` and `keys.key[i]` for the
 * i-th of two or more candidates; this does the rest: one candidate or none is returned as is, the keys
 * grow with the pool, and {@link orderCandidates} breaks ties by priority, then id.
 *
 * @example
 * const byCost = sortKeyStrategy('by-cost', (candidates, context, keys) => {
 *   for (let i = 0; i < candidates.length; i++) {
 *     keys.group[i] = 0
 *     keys.key[i] = methodCost(candidates[i]!, context.method)
 *   }
 * })
 */
export function sortKeyStrategy(
  name: string,
  assignKeys: (candidates: readonly ProviderCandidate[], context: RoutingContext, keys: SortKeys) => void,
): RoutingStrategy {
  const keys = createSortKeys()
  return {
    name,
    select(candidates, context) {
      if (candidates.length < 2) return candidates.slice()
      ensureCapacity(keys, candidates.length)
      assignKeys(candidates, context, keys)
      return orderCandidates(candidates, keys)
    },
  }
}

/**
 * Returns a copy of `candidates` ordered by group, then key (both ascending), then priority (lower
 * first), then id — so the order never depends on the input order. Permutes `keys` alongside.
 * Insertion sort: fastest for the handful of providers a chain has, and it allocates nothing.
 */
export function orderCandidates(
  candidates: readonly ProviderCandidate[],
  keys: SortKeys,
): ProviderCandidate[] {
  const out = candidates.slice()
  const group = keys.group
  const key = keys.key
  for (let i = 1; i < out.length; i++) {
    const candidate = out[i]!
    const candidateGroup = group[i]!
    const candidateKey = key[i]!
    let j = i - 1
    while (j >= 0 && comesAfter(out[j]!, group[j]!, key[j]!, candidate, candidateGroup, candidateKey)) {
      out[j + 1] = out[j]!
      group[j + 1] = group[j]!
      key[j + 1] = key[j]!
      j--
    }
    out[j + 1] = candidate
    group[j + 1] = candidateGroup
    key[j + 1] = candidateKey
  }
  return out
}

/** Returns a copy of `candidates` ordered by priority (lower first), then id; insertion sort like {@link orderCandidates}. */
export function orderByPriority(candidates: readonly ProviderCandidate[]): ProviderCandidate[] {
  const out = candidates.slice()
  for (let i = 1; i < out.length; i++) {
    const candidate = out[i]!
    let j = i - 1
    while (j >= 0 && comesAfterByPriority(out[j]!, candidate)) {
      out[j + 1] = out[j]!
      j--
    }
    out[j + 1] = candidate
  }
  return out
}

/** Whether `a` sorts strictly after `b`. NaN keys sort last so a bad figure cannot make the order depend on input order. */
function comesAfter(
  a: ProviderCandidate,
  aGroup: number,
  aKey: number,
  b: ProviderCandidate,
  bGroup: number,
  bKey: number,
): boolean {
  if (aGroup !== bGroup) return aGroup > bGroup
  const ka = Number.isNaN(aKey) ? Number.POSITIVE_INFINITY : aKey
  const kb = Number.isNaN(bKey) ? Number.POSITIVE_INFINITY : bKey
  if (ka !== kb) return ka > kb
  return comesAfterByPriority(a, b)
}

/** Whether `a` sorts strictly after `b` by priority (lower first), then id. */
export function comesAfterByPriority(
  a: Pick<ProviderCandidate, 'id' | 'priority'>,
  b: Pick<ProviderCandidate, 'id' | 'priority'>,
): boolean {
  const pa = Number.isNaN(a.priority) ? Number.POSITIVE_INFINITY : a.priority
  const pb = Number.isNaN(b.priority) ? Number.POSITIVE_INFINITY : b.priority
  if (pa !== pb) return pa > pb
  return a.id > b.id
}
