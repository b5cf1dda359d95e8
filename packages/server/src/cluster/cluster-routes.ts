import type { FastifyInstance } from 'fastify'
import type { ClusterMembers } from './heartbeat.js'
import type { Cluster, ClusterAggregatesStatus, ClusterRedisStatus } from './start-cluster.js'

/** Body of `GET /api/cluster`. */
export type ClusterView =
  | { enabled: false }
  | ({
      enabled: true
      /** This instance's id. */
      instanceId: string
      /** Redis as this instance sees it; never its URL. */
      redis: ClusterRedisStatus
      /** This instance's sharing of race and RPC figures; null before the pool is attached. */
      aggregates: ClusterAggregatesStatus | null
    } & ClusterMembers)

/**
 * `GET /cluster` (mounted under `/api`): the cluster as this instance sees it — its id, its Redis
 * connections and counters, its sharing of figures, and every instance with a live heartbeat. `{ enabled: false }` for an
 * instance without `cluster` in its config.
 */
export async function clusterRoutes(
  app: FastifyInstance,
  options: { cluster: Cluster | undefined },
): Promise<void> {
  const { cluster } = options
  app.get('/cluster', async (): Promise<ClusterView> => {
    if (!cluster) return { enabled: false }
    return {
      enabled: true,
      instanceId: cluster.instanceId,
      redis: cluster.redisStatus(),
      aggregates: cluster.aggregatesStatus(),
      ...cluster.members(),
    }
  })
}
