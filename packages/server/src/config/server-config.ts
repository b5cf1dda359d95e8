import { ConfigError } from '@chainpulse/core'
import { z } from 'zod'

/** `eth_call`, or a namespace wildcard such as `debug_*`, or `*`. */
const methodPattern = z
  .string()
  .regex(
    /^(\*|[A-Za-z0-9_.]+\*?)$/,
    'expected a method name, a prefix ending in "*" (e.g. "debug_*"), or "*"',
  )

/**
 * Namespaces blocked unless the config says otherwise: node administration and local key management,
 * which no public provider serves and which a proxy in front of a local node must not expose.
 */
export const defaultDeniedMethods: readonly string[] = ['admin_*', 'personal_*', 'miner_*']

/**
 * A method named in the metrics config: exact, and shaped like a JSON-RPC method (`namespace_name`), since
 * it becomes a Prometheus label value.
 */
const metricMethodName = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9]{0,31}_[A-Za-z0-9]{1,64}$/,
    'expected an exact method name such as "zks_getBridgeContracts" (namespace_name, letters and digits)',
  )

const apiKey = z.string().min(16, 'an API key needs at least 16 characters').max(512)

/**
 * A rate limit: at most `max` per `timeWindowMs` window (defaults given), or `false` for none. A batch
 * counts once.
 */
const rateWindow = (max: number, timeWindowMs: number) =>
  z
    .union([
      z.literal(false),
      z.strictObject({
        max: z.number().int().positive().default(max),
        timeWindowMs: z.number().int().positive().default(timeWindowMs),
      }),
    ])
    .prefault({})

/** An integer setting within `[min, max]`, `fallback` when left out. */
const intSetting = (min: number, max: number, fallback: number) =>
  z.number().int().min(min).max(max).default(fallback)

/** Schema of the server's own settings (not the chains and providers: those are the pool's). */
export const serverConfigSchema = z.strictObject({
  rpc: z
    .strictObject({
      /** Largest request body accepted, in bytes; larger ones get HTTP 413. */
      bodyLimitBytes: z.number().int().positive().default(1_048_576),
      /** Most calls in one batch. */
      maxBatchSize: z.number().int().positive().default(100),
      /** Most nested JSON containers in a body (the batch array counts). */
      maxJsonDepth: intSetting(2, 10_000, 64),
      /**
       * Which methods may be called. `allow`, when given, lists the only methods served; `deny` always
       * wins. Patterns are exact names, a prefix ending in `*`, or `*`.
       */
      methods: z
        .strictObject({
          allow: z.array(methodPattern).optional(),
          deny: z.array(methodPattern).default([...defaultDeniedMethods]),
        })
        .prefault({}),
    })
    .prefault({}),
  /** JSON-RPC over WebSocket (`GET /ws/rpc/...`, see docs/websocket-rpc.md); `rpc` limits apply too. */
  ws: z
    .strictObject({
      /** Largest incoming message, in bytes (every WebSocket route); larger ones close with code 1009. */
      maxMessageBytes: intSetting(1_024, 104_857_600, 1_048_576),
      /** `eth_subscribe` subscriptions one connection may hold; more get JSON-RPC error -32005. */
      maxSubscriptionsPerConnection: intSetting(1, 10_000, 100),
      /** Unsent bytes (`ws.bufferedAmount`) before a client that does not read is closed with 1008. */
      maxBufferedBytes: intSetting(1_024, 268_435_456, 4_194_304),
      /** Messages in flight per connection (a batch counts once); more get -32005 at once. */
      maxPendingMessages: intSetting(1, 10_000, 64),
      /** Messages per connection per window (a batch counts once); `false` turns it off. */
      rateLimit: rateWindow(100, 1_000),
      /** `/ws/rpc` connections open at once (all chains); more upgrades get HTTP 503. */
      maxConnections: intSetting(1, 1_000_000, 10_000),
      /** `/ws/rpc` upgrade attempts per client IP per window; more get HTTP 429; `false` turns it off. */
      upgradeRateLimit: rateWindow(60, 10_000),
    })
    .prefault({}),
  /** API keys; when present, every RPC request needs one (header `x-api-key` or `/rpc/key/<key>/...`). */
  auth: z
    .strictObject({
      apiKeys: z.array(apiKey).min(1, 'list at least one API key, or remove "auth"'),
    })
    .optional(),
  /** Per-client request rate limit (a client is its API key, or its IP without auth); `false` turns it off. */
  rateLimit: rateWindow(100, 1_000),
  /**
   * CORS for browser apps calling `/rpc` (WebSockets are not subject to CORS): `origins` is `'*'` or a
   * list of exact origins (`https://app.example`); `false` sends no CORS headers at all.
   */
  cors: z
    .union([
      z.literal(false),
      z.strictObject({
        origins: z
          .union([
            z.literal('*'),
            z.array(
              z
                .string()
                .regex(
                  /^https?:\/\/[^/?#\s]+$/,
                  'expected an origin: scheme and host, e.g. https://app.example',
                ),
            ),
          ])
          .default('*'),
        /** How long browsers may cache a preflight answer. */
        maxAgeSeconds: intSetting(0, 86_400, 600),
      }),
    ])
    .prefault({}),
  /**
   * Trust `X-Forwarded-For` from a load balancer to tell clients apart: `true`, or a comma-separated
   * list of proxy addresses or CIDRs. See Fastify's `trustProxy`.
   */
  trustProxy: z.union([z.boolean(), z.string()]).default(false),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Demo mode: the dashboard's controls (`POST /api/demo/...`) are open to every client. Never in production. */
  demo: z.boolean().default(false),
  /** Opens the demo controls outside demo mode to requests with header `x-chainpulse-admin-token: <token>`. */
  admin: z
    .strictObject({ token: z.string().min(16, 'an admin token needs at least 16 characters').max(512) })
    .optional(),
  /** The dashboard API under `/api` (see docs/server-api.md). */
  api: z
    .strictObject({
      /** Leaderboard samples kept per chain for `GET /api/leaderboard/:chain/history`. */
      scoreHistory: z
        .strictObject({
          intervalMs: intSetting(100, 3_600_000, 5_000),
          samples: intSetting(1, 10_000, 360),
        })
        .prefault({}),
      /** Limits of the live stream `GET /api/stream`; they bound memory per dashboard, however slow it reads. */
      stream: z
        .strictObject({
          /** How often `runtime`, `providers`, `chains` and `leaderboard` snapshots are sent. */
          snapshotIntervalMs: intSetting(100, 60_000, 1_000),
          /** Messages queued per connection while its socket is backed up; past it the oldest go. */
          maxQueuedMessages: intSetting(1, 100_000, 256),
          /** Bytes the socket may hold unsent (`ws.bufferedAmount`) before messages queue instead. */
          maxBufferedBytes: intSetting(1_024, 268_435_456, 1_048_576),
          /** Concurrent stream connections; more are closed with code 1013 (try again later). */
          maxConnections: intSetting(1, 10_000, 100),
        })
        .prefault({}),
      /** Ceilings of the demo load generator (`POST /api/demo/load/start`). */
      load: z
        .strictObject({
          maxRatePerSecond: intSetting(1, 100_000, 500),
          maxClients: intSetting(1, 10_000, 100),
          maxDurationMs: intSetting(1_000, 86_400_000, 600_000),
        })
        .prefault({}),
    })
    .prefault({}),
  /** Prometheus metrics at `GET /metrics`; `false` removes the route. */
  metrics: z
    .union([
      z.literal(false),
      z.strictObject({
        /** Also export prom-client's default Node.js process metrics. */
        nodeMetrics: z.boolean().default(true),
        /**
         * Methods counted under their own `method` label besides core's `KNOWN_METHODS` (a chain's own
         * namespace, say `zks_getL2ToL1LogProof`); every other method is counted as `other`. Exact names
         * only: a pattern would let clients mint labels again.
         */
        methods: z.array(metricMethodName).max(1_000).default([]),
      }),
    ])
    .prefault({}),
})

/** Server settings as written in a config file or passed to `buildServer`. */
export type ServerConfigInput = z.input<typeof serverConfigSchema>
/** Server settings after validation, with every default applied. */
export type ServerConfig = z.output<typeof serverConfigSchema>

/**
 * Validates server settings and applies defaults.
 *
 * @throws {ConfigError} naming the path of every bad field (`rpc.maxBatchSize: ...`).
 * @example
 * const config = parseServerConfig({ rpc: { maxBatchSize: 50 }, auth: { apiKeys: [process.env.KEY] } })
 */
export function parseServerConfig(input: unknown = {}): ServerConfig {
  const result = serverConfigSchema.safeParse(input)
  if (result.success) return result.data
  throw new ConfigError(
    'server config',
    result.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message })),
  )
}
