import { Counter, Gauge, type Registry } from 'prom-client'
import type { Cluster } from './start-cluster.js'

/**
 * Adds the cluster's own series to a server's registry, read at scrape time: whether this instance's
 * Redis connections are up (the one to alert on: while it is 0, events, cache and rate limits are
 * local only), how many instances it sees, when it last shared its figures with them, and what Redis trouble cost (events not sent to the other
 * instances, cache commands that failed). Per instance, like every series of `/metrics`.
 */
export function registerClusterMetrics(registry: Registry, cluster: Cluster): void {
  new Gauge({
    name: 'chainpulse_cluster_redis_connected',
    help: 'Whether every Redis connection of this cluster instance is up (1) or not (0).',
    registers: [registry],
    collect() {
      this.set(cluster.redisStatus().connected ? 1 : 0)
    },
  })
  new Gauge({
    name: 'chainpulse_cluster_instances',
    help: 'Cluster instances with a live heartbeat, this one included, as last read from Redis.',
    registers: [registry],
    collect() {
      this.set(cluster.members().instances.length)
    },
  })
  new Gauge({
    name: 'chainpulse_cluster_aggregates_last_sync_timestamp_seconds',
    help: 'Unix time of the last successful sync of race and RPC figures with the other instances (0 before the first).',
    registers: [registry],
    collect() {
      const lastSyncAt = cluster.aggregatesStatus()?.lastSyncAt ?? null
      this.set(lastSyncAt === null ? 0 : lastSyncAt / 1_000)
    },
  })
  new Counter({
    name: 'chainpulse_cluster_events_dropped_total',
    help: 'PubSub messages of this instance not sent to the others (Redis down or too slow).',
    registers: [registry],
    collect() {
      this.reset()
      this.inc(cluster.redisStatus().pubsub.dropped)
    },
  })
  new Counter({
    name: 'chainpulse_cluster_cache_failures_total',
    help: 'Shared-cache commands that failed, timed out or were not sent (each read among them missed).',
    registers: [registry],
    collect() {
      this.reset()
      this.inc(cluster.redisStatus().cache?.failures ?? 0)
    },
  })
}
