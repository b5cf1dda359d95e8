import type { FastifyInstance } from 'fastify'
import { registerClusterMetrics } from '../cluster/cluster-metrics.js'
import type { Cluster } from '../cluster/start-cluster.js'
import type { ConnectionGuard } from '../http/connection-guard.js'
import { registerConnectionMetrics } from '../http/connection-metrics.js'
import type { Redactor } from '../security/redaction.js'
import type { CallCounts } from './call-counts.js'
import { createServerMetrics, type MetricsPool } from './metrics.js'

/** Options of {@link metricsRoutes}. */
export interface MetricsRoutesOptions {
  pool: MetricsPool
  /** @default true */
  nodeMetrics?: boolean
  /** Methods labelled by name besides core's known ones (`metrics.methods`). @default [] */
  methods?: readonly string[]
  redact: Redactor
  /** The server's call counts (see `createServerMetrics`). @default counts of its own */
  calls?: CallCounts
  /** The instance's cluster: adds the `chainpulse_cluster_*` series. @default none */
  cluster?: Cluster | undefined
  /** The server's per-IP connection guard (`buildServer` has one): adds its refusals. @default none */
  connectionGuard?: ConnectionGuard | undefined
}

/**
 * `GET /metrics`: Prometheus text format. The exposition goes through the redactor as the last line of
 * defence, although no label is ever built from a URL or a key.
 */
export async function metricsRoutes(app: FastifyInstance, options: MetricsRoutesOptions): Promise<void> {
  const metrics = createServerMetrics({
    pool: options.pool,
    nodeMetrics: options.nodeMetrics ?? true,
    methods: options.methods ?? [],
    ...(options.calls ? { calls: options.calls } : {}),
  })
  if (options.cluster) registerClusterMetrics(metrics.registry, options.cluster)
  if (options.connectionGuard) registerConnectionMetrics(metrics.registry, options.connectionGuard)
  app.addHook('onClose', async () => metrics.close())
  app.get('/metrics', async (_request, reply) => {
    const text = await metrics.registry.metrics()
    return reply.type(metrics.registry.contentType).send(options.redact(text))
  })
}
