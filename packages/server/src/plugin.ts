import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { parseServerConfig, type ServerConfigInput } from './config/server-config.js'
import type { ProxyPool } from './proxy-pool.js'
import { healthRoutes } from './routes/health.js'
import { rpcRoutes } from './routes/rpc.js'
import { createRedactor, type Redactor } from './security/redaction.js'

/** Options of {@link chainPulsePlugin}. */
export interface ChainPulsePluginOptions {
  /** The pool requests are routed through. The caller owns it (and closes it). */
  pool: ProxyPool
  /** Server settings; validated here. @default {} (every default) */
  config?: ServerConfigInput
  /** Masks secrets in error bodies. @default a redactor for URLs and the configured API keys */
  redact?: Redactor
}

/**
 * The ChainPulse routes as a Fastify plugin, for mounting in an existing Fastify app: `GET /healthz`
 * and the JSON-RPC proxy under `/rpc`. `buildServer` wraps it with logging and redaction set up.
 *
 * @throws {ConfigError} when `config` is invalid (at registration).
 * @example
 * const app = Fastify()
 * await app.register(chainPulsePlugin, { pool, config: { rpc: { maxBatchSize: 50 } } })
 */
export const chainPulsePlugin = fp(
  async (app: FastifyInstance, options: ChainPulsePluginOptions) => {
    const config = parseServerConfig(options.config)
    const redact = options.redact ?? createRedactor({ secrets: config.auth?.apiKeys ?? [] })
    await app.register(healthRoutes, { pool: options.pool })
    await app.register(rpcRoutes, { prefix: '/rpc', pool: options.pool, config, redact })
  },
  { name: 'chainpulse', fastify: '5.x' },
)
