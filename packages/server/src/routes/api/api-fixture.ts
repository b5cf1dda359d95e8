import { createProviderPool, type ProviderPool } from '@chainpulse/core'
import { createFakeClock, type FakeClock } from '@chainpulse/core/testing'
import type { FastifyInstance } from 'fastify'
import { buildServer } from '../../app.js'
import type { ServerConfigInput } from '../../config/server-config.js'
import type { DemoControls } from '../../demo/controls.js'
import { createTestUpstream, type TestUpstream } from '../../testing/harness.js'
import type { ClusterAggregates } from './stats-source.js'

/** A key planted in a provider URL: it must never appear in an API response or /metrics. */
export const PLANTED_KEY = 'abcdef0123456789abcdef0123456789'

/** A server over a real pool with a fake clock driving the pool and the dashboard API alike. */
export interface ApiFixture {
  app: FastifyInstance
  pool: ProviderPool
  clock: FakeClock
  upstreams: Record<string, TestUpstream>
  close(): Promise<void>
}

/**
 * Providers `a` (tried first) and `b` on ethereum, `c` on polygon (in-test upstreams), plus `keyed` on
 * ethereum: tried last, an HTTP URL carrying {@link PLANTED_KEY}, never called.
 */
export function createApiFixture(
  options: {
    config?: ServerConfigInput
    controls?: DemoControls
    /** The cluster figures the API shows, made from the fixture's pool. */
    aggregates?: (pool: ProviderPool) => ClusterAggregates
  } = {},
): ApiFixture {
  const clock = createFakeClock()
  const upstreams = { a: createTestUpstream('a'), b: createTestUpstream('b'), c: createTestUpstream('c') }
  const pool = createProviderPool({
    chains: [
      { name: 'ethereum', chainId: 1 },
      { name: 'polygon', chainId: 137 },
    ],
    providers: [
      { id: 'a', chain: 'ethereum', priority: 1, upstream: upstreams.a },
      { id: 'b', chain: 'ethereum', priority: 2, upstream: upstreams.b },
      { id: 'keyed', chain: 'ethereum', priority: 9, httpUrl: `http://127.0.0.1:9/v3/${PLANTED_KEY}` },
      { id: 'c', chain: 'polygon', upstream: upstreams.c },
    ],
    strategy: 'priority',
    racing: false,
    // The API over scripted upstreams: background probes would be calls and verdicts of their own.
    healthCheck: false,
    clock,
    wallClock: () => 1_700_000_000_000 + clock.now(),
  })
  const app = buildServer({
    pool,
    config: { logLevel: 'silent', rateLimit: false, ...options.config },
    logger: false,
    clock,
    ...(options.controls ? { controls: options.controls } : {}),
    ...(options.aggregates ? { aggregates: options.aggregates(pool) } : {}),
  })
  return {
    app,
    pool,
    clock,
    upstreams,
    async close() {
      await app.close()
      await pool.close()
    },
  }
}
