import type { Clock } from '@chainpulse/core'
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { ServerConfig } from '../config/server-config.js'
import type { ControlAccess } from '../routes/api/access.js'
import { ApiHttpError, validate } from '../routes/api/http-errors.js'
import type { DashboardPool } from '../routes/api/views.js'
import { createMethodFilter } from '../security/method-filter.js'
import type { DemoControls } from './controls.js'
import { type AmbientStatus, type AmbientTraffic, createAmbientTraffic } from './load/ambient-traffic.js'
import { createLoadGenerator, type LoadGenerator, type LoadStatus } from './load/load-generator.js'
import {
  createRoutingSampler,
  type RoutingSampler,
  type RoutingSamplerStatus,
} from './load/routing-sampler.js'
import { demoPersonalityPatchSchema, demoProviderPresets } from './personality.js'

/** Options of {@link demoRoutes}. */
export interface DemoRoutesOptions {
  pool: DashboardPool
  config: ServerConfig
  access: ControlAccess
  controls: DemoControls | undefined
  clock: Clock
  /** The server's own origin once it listens (`http://127.0.0.1:<port>`), for the load generator. */
  origin: () => string | undefined
  /** Start the ambient traffic as soon as the server listens (what `chainpulse demo` does). @default false */
  ambientTraffic?: boolean | undefined
}

/** Body of `GET /api/demo/status`. */
export interface DemoStatus {
  load: LoadStatus | null
  sampler: RoutingSamplerStatus | null
  /** The demo's ambient traffic (its own clients and sampler, apart from the two above). */
  ambient: AmbientStatus | null
}

const id = z.string().min(1).max(128)
const providerParams = z.strictObject({ providerId: id })
const chainParams = z.strictObject({ chain: id })
const strategyBody = z.strictObject({ strategy: id })
const cooldownBody = z.strictObject({ ms: z.number().int().min(1).max(3_600_000).default(10_000) })
const personalityBody = demoPersonalityPatchSchema.refine(
  (patch) => Object.keys(patch).length > 0,
  'give at least one knob',
)
const startProviderBody = z.strictObject({
  chain: id,
  id: id.optional(),
  preset: z.enum(demoProviderPresets).optional(),
})
// The deepest reorg allowed is the devnet's to say (its error comes back as a 400 naming `depth`).
const reorgBody = z.strictObject({
  depth: z.number().int().min(1),
  transactions: z.enum(['keep', 'drop']).optional(),
})
const methodName = z.string().regex(/^[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9]+$/, 'expected a JSON-RPC method name')
/**
 * The sampler calls the pool directly, past the proxy's routes: it takes only methods the endpoint's
 * method lists serve, so a demo or admin client cannot reach a denied method (`anvil_*`, `debug_*`) this way.
 */
function samplerBody(config: ServerConfig) {
  const refuse = createMethodFilter(config.rpc.methods)
  const served = methodName.superRefine((method, context) => {
    const refusal = refuse(method)
    if (refusal)
      context.addIssue({
        code: 'custom',
        message: `"${method}" is not served by this endpoint (${refusal.rule === 'allow' ? 'not in allow' : `${refusal.rule} "${refusal.pattern}"`}; see rpc.methods)`,
      })
  })
  return z.strictObject({
    ratePerSecond: z.number().positive().max(50).default(2),
    chains: z.array(id).min(1).max(64).optional(),
    methods: z.array(served).min(1).max(16).optional(),
  })
}

function loadBody(config: ServerConfig) {
  const limits = config.api.load
  return z.strictObject({
    ratePerSecond: z.number().positive().max(limits.maxRatePerSecond).default(20),
    clients: z.number().int().min(1).max(limits.maxClients).default(4),
    durationMs: z.number().int().min(1_000).max(limits.maxDurationMs).default(60_000),
    transports: z
      .array(z.enum(['http', 'ws']))
      .min(1)
      .max(2)
      .default(['http']),
    chains: z.array(id).min(1).max(64).optional(),
    methods: z
      .array(
        z.strictObject({
          method: methodName,
          params: z.array(z.unknown()).max(16).optional(),
          weight: z.number().positive().max(1_000).optional(),
        }),
      )
      .min(1)
      .max(32)
      .optional(),
  })
}

/**
 * `POST /api/demo/...` — the Live Test tab's controls, and `GET /api/demo/status`. Every POST first
 * checks access (demo mode or the admin token: else 403), then validates its input (400 naming the bad
 * path). Strategy and cooldown controls act on the pool; provider and reorg controls go to the injected
 * {@link DemoControls} (501 when there are none, e.g. `chainpulse serve`); the load generator, the
 * routing sampler and the ambient traffic are run by the server itself, one of each at a time (starting
 * again replaces it).
 */
export async function demoRoutes(app: FastifyInstance, options: DemoRoutesOptions): Promise<void> {
  const { pool, config, clock } = options
  let load: LoadGenerator | undefined
  let sampler: RoutingSampler | undefined
  let ambient: AmbientTraffic | undefined
  const loadSchema = loadBody(config)
  const samplerSchema = samplerBody(config)

  // Before the server drains, not after: a load still running would keep sending requests (and holding
  // keep-alive and WebSocket connections) to the server that is waiting for its connections to end.
  app.addHook('preClose', async () => {
    load?.stop()
    sampler?.stop()
    ambient?.stop()
  })

  app.addHook('preHandler', async (request) => {
    if (request.method === 'GET') return
    if (!options.access(request)) {
      throw new ApiHttpError(403, {
        error: {
          code: 'FORBIDDEN',
          message: 'demo controls need demo mode or the admin token (header x-chainpulse-admin-token)',
        },
      })
    }
  })

  const devnet = (): DemoControls => {
    if (options.controls) return options.controls
    throw new ApiHttpError(501, {
      error: { code: 'NOT_AVAILABLE', message: 'this server has no simulated providers to control' },
    })
  }
  const known = (providerId: string) => {
    if (!pool.providers().some((provider) => provider.id === providerId)) {
      throw new ApiHttpError(404, {
        error: { code: 'UNKNOWN_PROVIDER', message: `no provider "${providerId}" in the pool` },
      })
    }
    return providerId
  }
  const chainNames = (chains: string[] | undefined) =>
    chains ? chains.map((chain) => pool.resolveChain(chain)) : pool.chains().map((chain) => chain.name)
  const listeningOrigin = (): string => {
    const origin = options.origin()
    if (origin) return origin
    throw new ApiHttpError(409, {
      error: { code: 'NOT_AVAILABLE', message: 'the server is not listening yet: no URL to load' },
    })
  }
  // The clients call the proxy like any client: with the first API key when the server requires one.
  const clientHeaders = (): { headers?: Record<string, string> } => {
    const apiKey = config.auth?.apiKeys[0]
    return apiKey ? { headers: { 'x-api-key': apiKey } } : {}
  }
  const startAmbient = (): AmbientStatus => {
    const baseUrl = listeningOrigin()
    ambient?.stop()
    ambient = createAmbientTraffic({
      pool,
      baseUrl,
      chains: chainNames(undefined),
      ...clientHeaders(),
      clock,
    })
    return ambient.status()
  }

  // Once listening, not at registration: the clients need the port, and tests using inject() get none.
  if (options.ambientTraffic) app.addHook('onListen', async () => void startAmbient())

  app.get(
    '/status',
    async (): Promise<DemoStatus> => ({
      load: load?.status() ?? null,
      sampler: sampler?.status() ?? null,
      ambient: ambient?.status() ?? null,
    }),
  )

  app.post('/chains/:chain/strategy', async (request) => {
    const { chain } = validate(chainParams, request.params, 'params')
    const { strategy } = validate(strategyBody, request.body, 'body')
    const name = pool.resolveChain(chain)
    pool.setStrategy(name, strategy)
    return { chain: name, strategy }
  })

  app.post('/chains/:chain/reorg', async (request) => {
    const { chain } = validate(chainParams, request.params, 'params')
    const input = validate(reorgBody, request.body, 'body')
    return devnet().reorg(pool.resolveChain(chain), input)
  })

  app.post('/providers/:providerId/cooldown', async (request) => {
    const providerId = known(validate(providerParams, request.params, 'params').providerId)
    const { ms } = validate(cooldownBody, request.body, 'body')
    pool.cooldown(providerId, ms)
    return { providerId, cooldownMs: ms }
  })

  app.post('/providers/:providerId/healthy', async (request) => {
    const providerId = known(validate(providerParams, request.params, 'params').providerId)
    pool.endCooldown(providerId)
    return { providerId }
  })

  app.get('/providers', async () => ({ providers: await devnet().listProviders() }))

  app.post('/providers', async (request) => {
    const input = validate(startProviderBody, request.body, 'body')
    const chain = pool.resolveChain(input.chain)
    return devnet().startProvider({ ...input, chain })
  })

  for (const action of ['stop', 'kill', 'revive', 'drop'] as const) {
    app.post(`/providers/:providerId/${action}`, async (request) => {
      const { providerId } = validate(providerParams, request.params, 'params')
      const controls = devnet()
      if (action === 'stop') await controls.stopProvider(providerId)
      else if (action === 'kill') await controls.kill(providerId)
      else if (action === 'revive') await controls.revive(providerId)
      else await controls.dropConnections(providerId)
      return { providerId, action }
    })
  }

  app.post('/providers/:providerId/personality', async (request) => {
    const { providerId } = validate(providerParams, request.params, 'params')
    const patch = validate(personalityBody, request.body, 'body')
    await devnet().setPersonality(providerId, patch)
    return { providerId, patch }
  })

  app.post('/load/start', async (request) => {
    const input = validate(loadSchema, request.body, 'body')
    const origin = listeningOrigin()
    const chains = chainNames(input.chains)
    load?.stop()
    load = createLoadGenerator({
      baseUrl: origin,
      chains,
      ratePerSecond: input.ratePerSecond,
      clients: input.clients,
      durationMs: input.durationMs,
      transports: input.transports,
      ...(input.methods ? { methods: input.methods } : {}),
      ...clientHeaders(),
      pubsub: pool.pubsub,
      clock,
    })
    return load.status()
  })

  app.post('/load/stop', async () => {
    load?.stop()
    return { load: load?.status() ?? null }
  })

  app.post('/sampler/start', async (request) => {
    const input = validate(samplerSchema, request.body, 'body')
    const chains = chainNames(input.chains)
    sampler?.stop()
    sampler = createRoutingSampler({
      pool,
      chains,
      ratePerSecond: input.ratePerSecond,
      ...(input.methods ? { methods: input.methods } : {}),
      clock,
    })
    return sampler.status()
  })

  app.post('/sampler/stop', async () => {
    sampler?.stop()
    return { sampler: sampler?.status() ?? null }
  })

  app.post('/ambient/start', async () => startAmbient())

  app.post('/ambient/stop', async () => {
    ambient?.stop()
    return { ambient: ambient?.status() ?? null }
  })
}
