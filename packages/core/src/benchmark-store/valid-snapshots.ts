import type { BenchmarkStoreSnapshot } from './types.js'

declare const validated: unique symbol

/**
 * A {@link BenchmarkStoreSnapshot} known to be well formed: what `parseBenchmarkSnapshot` returns, and
 * what a store's own `snapshot()` and `mergeBenchmarkSnapshots` produce. Only these can be restored.
 */
export type ValidBenchmarkSnapshot = BenchmarkStoreSnapshot & { readonly [validated]: true }

// The checks behind the type, at run time: a plain JavaScript caller cannot skip them either. Kept apart
// from the snapshot schema so that a store that never restores does not carry the schema.
const known = new WeakSet<object>()

/** Marks `snapshot` as checked (it was just validated, or built by the store itself). */
export function markValid(snapshot: BenchmarkStoreSnapshot): ValidBenchmarkSnapshot {
  known.add(snapshot)
  return snapshot as ValidBenchmarkSnapshot
}

/** Whether `snapshot` was marked by {@link markValid}. */
export function isMarkedValid(snapshot: unknown): snapshot is ValidBenchmarkSnapshot {
  return typeof snapshot === 'object' && snapshot !== null && known.has(snapshot)
}
