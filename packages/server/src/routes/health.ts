import type { ProviderHealth } from '@chainpulse/core'
import type { FastifyInstance } from 'fastify'
import type { ProxyPool } from '../proxy-pool.js'
import type { Redactor } from '../security/redaction.js'

/** Body of `GET /healthz`. */
export interface HealthReport {
  /**
   * `ok`: every provider of every chain is healthy. `degraded`: some provider is not (down, circuit
   * open, cooling down or lagging) but every chain still has one to route to. `down` (HTTP 503): some
   * chain has no provider to route to.
   */
  status: 'ok' | 'degraded' | 'down'
  chains: {
    name: string
    chainId: number
    head: number | undefined
    providers: number
    healthyProviders: number
    /** Providers requests can be routed to: not down, circuit not open (cooling-down ones still count). */
    usableProviders: number
  }[]
}

/** Health states that take a provider out of rotation. */
const OUT_OF_ROTATION: ReadonlySet<ProviderHealth> = new Set(['down', 'unhealthy'])

/**
 * `GET /healthz`: for load balancers and orchestrators. HTTP 200 with `ok` or `degraded` while every
 * chain can be served; HTTP 503 with `down` when some chain has no provider left to route to, so an
 * instance that cannot answer a chain is taken out of rotation. The per-chain counts say which.
 */
export async function healthRoutes(app: FastifyInstance, options: { pool: ProxyPool }): Promise<void> {
  app.get('/healthz', async (_request, reply): Promise<HealthReport> => {
    const chains = options.pool.chains().map((chain) => {
      const providers = options.pool.providers(chain.name)
      return {
        name: chain.name,
        chainId: chain.chainId,
        head: chain.head,
        providers: providers.length,
        healthyProviders: providers.filter((provider) => provider.health === 'healthy').length,
        usableProviders: providers.filter((provider) => !OUT_OF_ROTATION.has(provider.health)).length,
      }
    })
    const status = chains.some((chain) => chain.usableProviders === 0)
      ? 'down'
      : chains.some((chain) => chain.healthyProviders < chain.providers)
        ? 'degraded'
        : 'ok'
    if (status === 'down') reply.code(503)
    return { status, chains }
  })
}

/**
 * Logs every provider leaving or re-entering rotation once, at warn, with its chain, id and (redacted)
 * reason: `unhealthy` when probes find it down or its breaker opens, `healthy` when it is back. The pool
 * publishes each transition once, so a provider that stays down is one line, not one per failed call.
 */
export function logHealthTransitions(app: FastifyInstance, pool: ProxyPool, redact: Redactor): void {
  // `healthy` also follows the end of a cooldown or of lag, which took nothing out of rotation.
  const out = new Set<string>()
  const unsubscribe = pool.pubsub.subscribe('provider_pool:events', (event, _topic, origin) => {
    // Another instance's verdict (cluster mode) is its own to log: this log says what this pool does.
    if (origin !== undefined) return
    if (event.type === 'unhealthy') {
      out.add(event.providerId)
      app.log.warn(
        { chain: event.chain, provider: event.providerId, reason: redact(event.detail ?? '') },
        'provider out of rotation',
      )
    } else if (event.type === 'healthy' && out.delete(event.providerId)) {
      app.log.warn({ chain: event.chain, provider: event.providerId }, 'provider back in rotation')
    }
  })
  app.addHook('onClose', async () => unsubscribe())
}
