import type { BenchmarkStore } from '@chainpulse/core'

/** The all-history figures the dashboard shows: what a `BenchmarkStore` answers, or a cluster-wide view. */
export type StatsReader = Pick<
  BenchmarkStore,
  'leaderboard' | 'raceStatsByEventType' | 'marginStats' | 'rpcStats'
>

/** Whose figures a body holds: this instance's own, or every instance's of the cluster. */
export type StatsScope = 'instance' | 'cluster'

/**
 * Figures merged across a cluster's instances, e.g. `createRedisAggregateSync` of `@chainpulse/redis`
 * (pass the sync itself). `clusterStore()` is read per request, so it should be cheap (the sync rebuilds
 * its view at most once per interval); `status().scope` says whether the view really holds the cluster
 * or, with the cluster out of reach, this instance only.
 */
export interface ClusterAggregates {
  clusterStore(): StatsReader
  status?(): { scope: 'cluster' | 'local' }
}

/** Picks the figures for a request: the cluster's unless `requested` is `instance` or there is no cluster. */
export function createStatsSource(local: StatsReader, aggregates: ClusterAggregates | undefined) {
  return (requested: StatsScope = 'cluster'): { stats: StatsReader; scope: StatsScope } => {
    if (aggregates === undefined || requested === 'instance') return { stats: local, scope: 'instance' }
    const stats = aggregates.clusterStore()
    // A view that fell back to local figures says so: the body must not claim the cluster.
    const scope = aggregates.status?.().scope === 'local' ? 'instance' : 'cluster'
    return { stats, scope }
  }
}
