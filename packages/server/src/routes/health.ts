import type { FastifyInstance } from 'fastify'
import type { ProxyPool } from '../proxy-pool.js'

/** Body of `GET /healthz`. */
export interface HealthReport {
  /** `degraded` when some chain has no healthy provider; the process itself is up either way. */
  status: 'ok' | 'degraded'
  chains: {
    name: string
    chainId: number
    head: number | undefined
    providers: number
    healthyProviders: number
  }[]
}

/**
 * `GET /healthz`: liveness for load balancers and orchestrators. Always HTTP 200 while the process can
 * answer; `status` and the per-chain counts tell whether every chain has a healthy provider.
 */
export async function healthRoutes(app: FastifyInstance, options: { pool: ProxyPool }): Promise<void> {
  app.get('/healthz', async (): Promise<HealthReport> => {
    const chains = options.pool.chains().map((chain) => {
      const providers = options.pool.providers(chain.name)
      return {
        name: chain.name,
        chainId: chain.chainId,
        head: chain.head,
        providers: providers.length,
        healthyProviders: providers.filter((provider) => provider.health === 'healthy').length,
      }
    })
    const degraded = chains.some((chain) => chain.healthyProviders === 0)
    return { status: degraded ? 'degraded' : 'ok', chains }
  })
}
