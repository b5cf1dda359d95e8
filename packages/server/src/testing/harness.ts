import {
  type ChainConfig,
  createProviderPool,
  type JsonRpcResponse,
  type ProviderConfig,
  type ProviderPool,
  type ProviderPoolOptions,
  type Upstream,
  UpstreamHttpError,
} from '@chainpulse/core'
import { createFakeClock, type FakeClock } from '@chainpulse/core/testing'
import type { FastifyInstance } from 'fastify'
import { afterEach } from 'vitest'
import { type BuildServerOptions, buildServer } from '../app.js'
import type { ServerConfigInput } from '../config/server-config.js'
import { upstreamErrorObject } from './envelope-cases.js'

/** One call a {@link TestUpstream} received. */
export interface UpstreamCall {
  method: string
  params: unknown
}

/** An in-test upstream: answers like the envelope table's echo upstream and records every call. */
export interface TestUpstream extends Upstream {
  readonly id: string
  readonly calls: UpstreamCall[]
  /** Makes every call fail with HTTP 503 (a retriable failure) until set back. */
  failing: boolean
}

/**
 * An upstream answering `echo` with its params, `upstream_error` with {@link upstreamErrorObject},
 * `eth_blockNumber` with `0x10` and anything else with its method name; with `failing` set, every call
 * fails with HTTP 503.
 */
export function createTestUpstream(id: string): TestUpstream {
  const upstream: TestUpstream = {
    id,
    calls: [],
    failing: false,
    async request(method, params): Promise<JsonRpcResponse> {
      upstream.calls.push({ method, params })
      if (upstream.failing) throw new UpstreamHttpError({ status: 503, providerId: id })
      if (method === 'upstream_error') return { jsonrpc: '2.0', id: 1, error: upstreamErrorObject }
      if (method === 'eth_blockNumber') return { jsonrpc: '2.0', id: 1, result: '0x10' }
      return { jsonrpc: '2.0', id: 1, result: method === 'echo' ? params : method }
    },
    close() {},
  }
  return upstream
}

/** A server over a real pool of {@link TestUpstream}s, with logs captured. */
export interface TestServer {
  app: FastifyInstance
  pool: ProviderPool
  clock: FakeClock
  upstreams: Record<string, TestUpstream>
  /** Every log line written so far. */
  logs: string[]
  /** Calls the upstreams received, heads polling excluded. */
  upstreamCalls(): UpstreamCall[]
  close(): Promise<void>
}

/** Options of {@link createTestServer}. */
export interface TestServerOptions {
  config?: ServerConfigInput
  chains?: ChainConfig[]
  /** Providers; those without `upstream`, `httpUrl` or `wsUrl` get a {@link TestUpstream}. @default a, b on ethereum; c on polygon */
  providers?: (Omit<ProviderConfig, 'upstream'> & { upstream?: Upstream })[]
  pool?: Partial<ProviderPoolOptions>
  secrets?: BuildServerOptions['secrets']
}

/**
 * For a test file whose tests use test servers: returns `start(options)`, which builds one with
 * {@link createTestServer}; every server started in a test is closed after it. Call it once, at the top
 * of the file.
 *
 * @example
 * const start = useTestServerPerTest()
 * it('answers', async () => { const server = start(); await server.app.inject({ ... }) })
 */
export function useTestServerPerTest(): (options?: TestServerOptions) => TestServer {
  const started: TestServer[] = []
  afterEach(async () => {
    await Promise.all(started.splice(0).map((server) => server.close()))
  })
  return (options = {}) => {
    const server = createTestServer(options)
    started.push(server)
    return server
  }
}

/**
 * Starts nothing on the network: builds a pool over in-test upstreams (fake clock, no racing) and the
 * server over it, for `app.inject()`.
 */
export function createTestServer(options: TestServerOptions = {}): TestServer {
  const clock = createFakeClock()
  const upstreams: Record<string, TestUpstream> = {}
  const providers = (
    options.providers ?? [
      { id: 'a', chain: 'ethereum', priority: 2 },
      { id: 'b', chain: 'ethereum', priority: 1 },
      { id: 'c', chain: 'polygon' },
    ]
  ).map((provider) => {
    if (provider.upstream || provider.httpUrl || provider.wsUrl) return provider
    const upstream = createTestUpstream(provider.id)
    upstreams[provider.id] = upstream
    return { ...provider, upstream }
  })
  const pool = createProviderPool({
    chains: options.chains ?? [
      { name: 'ethereum', chainId: 1 },
      { name: 'polygon', chainId: 137 },
    ],
    providers,
    strategy: 'priority',
    racing: false,
    // The proxy alone: background probes would be upstream calls of their own. Tests of health opt in.
    healthCheck: false,
    clock,
    ...options.pool,
  })
  const logs: string[] = []
  const app = buildServer({
    pool,
    config: { logLevel: 'debug', ...options.config },
    logger: { stream: { write: (line: string) => logs.push(line) } },
    ...(options.secrets ? { secrets: options.secrets } : {}),
  })
  return {
    app,
    pool,
    clock,
    upstreams,
    logs,
    upstreamCalls: () =>
      Object.values(upstreams)
        .flatMap((upstream) => upstream.calls)
        .filter((call) => call.method !== 'eth_blockNumber'),
    async close() {
      await app.close()
      await pool.close()
    },
  }
}
