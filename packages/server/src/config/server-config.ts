import { ConfigError, DEFAULT_CACHE_MAX_BYTES, DEFAULT_FINALITY_DEPTH } from '@chainpulse/core'
import { z } from 'zod'
import { clusterConfigSchema } from '../cluster/cluster-config.js'
import {
  defaultDeniedMethods,
  defaultDenyGroups,
  patternCovers,
  patternsOverlap,
} from '../security/method-filter.js'
import { described } from './config-reference.js'

/** `eth_call`, or a namespace wildcard such as `debug_*`, or `*`. */
const methodPattern = z
  .string()
  .regex(
    /^(\*|[A-Za-z0-9_.]+\*?)$/,
    'expected a method name, a prefix ending in "*" (e.g. "debug_*"), or "*"',
  )

/**
 * `rpc.methods`. Only `enable` lifts the default deny list, so one place says what an endpoint opens
 * beyond the defaults; entries that could not do what they look like they do are errors rather than
 * silently dead (an `allow` entry the default deny list still blocks, an `enable` entry that matches
 * nothing denied by default).
 */
const methodLists = z
  .strictObject({
    allow: described(
      'The only methods served; leave it out to serve every method not denied. An entry the default deny list blocks needs `enable` as well.',
      z.array(methodPattern).optional(),
    ),
    deny: described(
      'Methods never served, on top of the default deny list, even when `allow` matches them.',
      z.array(methodPattern).default([]),
    ),
    enable: described(
      `Entries of the default deny list to serve after all (e.g. \`debug_*\`). Denied by default: ${defaultDeniedMethods.join(', ')}.`,
      z.array(methodPattern).default([]),
    ),
  })
  .prefault({})
  .superRefine((lists, context) => {
    lists.enable.forEach((pattern, index) => {
      if (!defaultDeniedMethods.some((denied) => patternsOverlap(denied, pattern)))
        context.addIssue({
          code: 'custom',
          path: ['enable', index],
          message: `"${pattern}" is not denied by default, so there is nothing to enable (enable lifts entries of the default deny list: ${defaultDeniedMethods.join(', ')})`,
        })
    })
    lists.allow?.forEach((pattern, index) => {
      const group = defaultDenyGroups.find((entry) =>
        entry.patterns.some((denied) => patternCovers(denied, pattern)),
      )
      if (group && !lists.enable.some((enabled) => patternsOverlap(enabled, pattern)))
        context.addIssue({
          code: 'custom',
          path: ['allow', index],
          message: `"${pattern}" is denied by default (${group.why}): add it to rpc.methods.enable as well to serve it`,
        })
    })
  })

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
 * A rate limit: at most `max` `counted` per `timeWindowMs` window (defaults given), or `false` for none.
 * A batch counts once.
 */
const rateWindow = (counted: string, max: number, timeWindowMs: number) =>
  z
    .union([
      z.literal(false),
      z.strictObject({
        max: described(`Most ${counted} per window.`, z.number().int().positive().default(max)),
        timeWindowMs: described(
          'Length of the window, in milliseconds.',
          z.number().int().positive().default(timeWindowMs),
        ),
      }),
    ])
    .prefault({})

/** An integer setting within `[min, max]`, `fallback` when left out. */
const intSetting = (min: number, max: number, fallback: number) =>
  z.number().int().min(min).max(max).default(fallback)

// Field descriptions live in the schema (`described`): docs/configuration.md is generated from them
// (`pnpm docs:config`), and a test fails when the page and the schema disagree.

/** Schema of the server's own settings (not the chains and providers: those are the pool's). */
export const serverConfigSchema = z.strictObject({
  rpc: described(
    'The JSON-RPC proxy over HTTP (`POST /rpc/...`); its limits and method filter apply over WebSocket too.',
    z
      .strictObject({
        bodyLimitBytes: described(
          'Largest request body accepted, in bytes; larger ones get HTTP 413.',
          z.number().int().positive().default(1_048_576),
        ),
        maxBatchSize: described(
          'Most calls in one batch; a larger batch is answered with one error (`BATCH_TOO_LARGE`).',
          z.number().int().positive().default(100),
        ),
        maxJsonDepth: described(
          'Most nested JSON containers in a body (the batch array counts).',
          intSetting(2, 10_000, 64),
        ),
        methods: described(
          'Which methods may be called. Each entry is an exact method name (`eth_call`), a prefix ' +
            'ending in `*` (`debug_*`), or `*` for every method. `deny` always wins; `allow`, when ' +
            'given, lists the only methods served; the default deny list (signing, node administration, ' +
            'debugging and tracing, development-node control) applies on top, except to what `enable` ' +
            'names. A blocked call gets JSON-RPC error -32601 (`METHOD_NOT_ALLOWED`).',
          methodLists,
        ),
      })
      .prefault({}),
  ),
  ws: described(
    'JSON-RPC over WebSocket (`GET /ws/rpc/...`, see [websocket-rpc.md](websocket-rpc.md)); the `rpc` limits apply too.',
    z
      .strictObject({
        maxMessageBytes: described(
          'Largest incoming message, in bytes (every WebSocket route); larger ones close the socket with code 1009.',
          intSetting(1_024, 104_857_600, 1_048_576),
        ),
        maxSubscriptionsPerConnection: described(
          '`eth_subscribe` subscriptions one connection may hold; more get JSON-RPC error -32005.',
          intSetting(1, 10_000, 100),
        ),
        maxBufferedBytes: described(
          'Unsent bytes (`ws.bufferedAmount`) before a client that does not read is closed with code 1008.',
          intSetting(1_024, 268_435_456, 4_194_304),
        ),
        maxPendingMessages: described(
          'Messages in flight per connection (a batch counts once); more get -32005 at once.',
          intSetting(1, 10_000, 64),
        ),
        rateLimit: described(
          'Messages per connection per window (a batch counts once); more get -32005. `false` turns it off.',
          rateWindow('messages', 100, 1_000),
        ),
        inboundByteRate: described(
          'Bytes per connection the server reads, parses and answers: `burstBytes` at once, then ' +
            '`bytesPerSecond`. A client over it is read more slowly (the socket stops reading until the ' +
            'budget refills; TCP holds its further bytes), not disconnected. `false` turns it off.',
          z
            .union([
              z.literal(false),
              z.strictObject({
                bytesPerSecond: described(
                  'Sustained incoming bytes per second per connection.',
                  intSetting(1_024, 1_073_741_824, 2_097_152),
                ),
                burstBytes: described(
                  'Incoming bytes a connection may send at once before the rate applies.',
                  intSetting(1_024, 1_073_741_824, 8_388_608),
                ),
              }),
            ])
            .prefault({}),
        ),
        maxConnections: described(
          '`/ws/rpc` connections open at once (all chains together); more upgrades get HTTP 503.',
          intSetting(1, 1_000_000, 10_000),
        ),
        upgradeRateLimit: described(
          '`/ws/rpc` upgrade attempts per client IP per window; more get HTTP 429. `false` turns it off.',
          rateWindow('upgrade attempts', 60, 10_000),
        ),
      })
      .prefault({}),
  ),
  http: described(
    'The HTTP server itself, for every route (`/rpc`, `/api`, `/metrics`, the dashboard, WebSocket ' +
      'upgrades until they open): limits on connections, so a hostile client cannot hold sockets for good.',
    z
      .strictObject({
        maxConnectionsPerIp: described(
          'TCP connections one client IP may hold open at once; one more is closed at once, before any ' +
            'byte is read. Open WebSockets do not count (`ws.maxConnections` and `ws.upgradeRateLimit` ' +
            "bound them), nor does the host's own address (127.0.0.1, ::1: a reverse proxy or sidecar on " +
            "the same host). Keyed by the socket's address, not `X-Forwarded-For`: behind a load balancer " +
            'on another host it caps the connections the balancer opens, so raise it to what the balancer ' +
            'may open, or `false` for no cap.',
          z
            .union([z.literal(false), z.number().int().min(1).max(1_000_000)], {
              error: 'expected a whole number of connections from 1 to 1000000, or false for no cap',
            })
            .default(256),
        ),
        headersTimeoutMs: described(
          "Longest a client may take to send a request's headers, counted from the connection (or from " +
            'the first byte of a later request on a keep-alive connection); past it the connection is ' +
            'closed (HTTP 408). Stops slowloris clients. At most `requestTimeoutMs`.',
          intSetting(100, 600_000, 10_000),
        ),
        requestTimeoutMs: described(
          'Longest a client may take to send a whole request, headers and body; past it the connection ' +
            'is closed (HTTP 408). Only receiving counts: the time the pool takes to answer does not.',
          intSetting(100, 3_600_000, 30_000),
        ),
        keepAliveTimeoutMs: described(
          'How long an idle keep-alive connection stays open after its last answer. Longer than the ' +
            "60 s idle timeout of common load balancers (AWS ALB's), so the balancer, not ChainPulse, " +
            'closes first and never reuses a connection being closed (a 502).',
          intSetting(100, 3_600_000, 72_000),
        ),
      })
      .prefault({})
      .superRefine((http, context) => {
        if (http.headersTimeoutMs > http.requestTimeoutMs)
          context.addIssue({
            code: 'custom',
            path: ['headersTimeoutMs'],
            message: `must be at most http.requestTimeoutMs (${http.requestTimeoutMs}): the headers are part of the request`,
          })
      }),
  ),
  auth: described(
    'API keys. When present, every RPC request needs one, in the `x-api-key` header or the path ' +
      '(`/rpc/key/<key>/...`); without it, no key is needed.',
    z
      .strictObject({
        apiKeys: described(
          'The accepted keys, each 16 to 512 characters; give them through environment variables.',
          z.array(apiKey).min(1, 'list at least one API key, or remove "auth"'),
        ),
      })
      .optional(),
  ),
  rateLimit: described(
    'Requests per client per window over HTTP (a client is its API key, or its IP without auth); ' +
      'more get HTTP 429. `false` turns it off.',
    rateWindow('requests', 100, 1_000),
  ),
  cors: described(
    'CORS for browser apps calling `/rpc` (WebSockets are not subject to CORS); `false` sends no CORS headers at all.',
    z
      .union([
        z.literal(false),
        z.strictObject({
          origins: described(
            '`*` for any origin, or a list of exact origins (`https://app.example`).',
            z
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
          ),
          maxAgeSeconds: described(
            'How long browsers may cache a preflight answer.',
            intSetting(0, 86_400, 600),
          ),
        }),
      ])
      .prefault({}),
  ),
  trustProxy: described(
    'Trust `X-Forwarded-For` from a load balancer to tell clients apart: `true`, or a comma-separated ' +
      "list of proxy addresses or CIDRs (Fastify's `trustProxy`).",
    z.union([z.boolean(), z.string()]).default(false),
  ),
  logLevel: described(
    'Least severe level written to the log (JSON lines on stdout).',
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  demo: described(
    "Demo mode: the dashboard's controls (`POST /api/demo/...`) are open to every client. Never in production.",
    z.boolean().default(false),
  ),
  admin: described(
    'Opens the demo controls outside demo mode to requests with header `x-chainpulse-admin-token: <token>`.',
    z
      .strictObject({
        token: described(
          'The admin token, 16 to 512 characters.',
          z.string().min(16, 'an admin token needs at least 16 characters').max(512),
        ),
      })
      .optional(),
  ),
  api: described(
    'The dashboard API under `/api` (see [server-api.md](server-api.md)).',
    z
      .strictObject({
        scoreHistory: described(
          'Leaderboard samples kept per chain for `GET /api/leaderboard/:chain/history`.',
          z
            .strictObject({
              intervalMs: described(
                'Time between samples, in milliseconds.',
                intSetting(100, 3_600_000, 5_000),
              ),
              samples: described('Samples kept per chain.', intSetting(1, 10_000, 360)),
            })
            .prefault({}),
        ),
        stream: described(
          'Limits of the live stream `GET /api/stream`; they bound memory per dashboard, however slow it reads.',
          z
            .strictObject({
              snapshotIntervalMs: described(
                'How often `runtime`, `providers`, `chains` and `leaderboard` snapshots are sent, in milliseconds.',
                intSetting(100, 60_000, 1_000),
              ),
              maxQueuedMessages: described(
                'Messages queued per connection while its socket is backed up; past it the oldest go.',
                intSetting(1, 100_000, 256),
              ),
              maxBufferedBytes: described(
                'Bytes the socket may hold unsent (`ws.bufferedAmount`) before messages queue instead.',
                intSetting(1_024, 268_435_456, 1_048_576),
              ),
              maxConnections: described(
                'Concurrent stream connections; more are closed with code 1013 (try again later).',
                intSetting(1, 10_000, 100),
              ),
            })
            .prefault({}),
        ),
        load: described(
          'Ceilings of the demo load generator (`POST /api/demo/load/start`).',
          z
            .strictObject({
              maxRatePerSecond: described(
                'Highest request rate a load run may ask for.',
                intSetting(1, 100_000, 500),
              ),
              maxClients: described('Most simulated clients in one load run.', intSetting(1, 10_000, 100)),
              maxDurationMs: described(
                'Longest load run, in milliseconds.',
                intSetting(1_000, 86_400_000, 600_000),
              ),
            })
            .prefault({}),
        ),
      })
      .prefault({}),
  ),
  cache: described(
    'The response cache in front of the pool (see [cache.md](cache.md)): answers about final blocks are ' +
      'kept until evicted, answers about `latest` until the next head, answers about newer blocks until ' +
      'that block is orphaned; errors, `null`, `pending` and writes never. A request opts out with ' +
      '`Cache-Control: no-cache`. `false` turns it off. Made by `startChainPulse` (the CLI); a pool given to ' +
      '`buildServer` brings its own (`createProviderPool({ cache: createResponseCache() })`).',
    z
      .union([
        z.literal(false),
        z.strictObject({
          maxBytes: described(
            'Most bytes of answers kept in memory; past it the least recently used go first. In cluster ' +
              'mode this memory sits in front of the cache shared in Redis, so a hit costs no round trip ' +
              '(0 keeps nothing here: every lookup asks Redis).',
            z.number().int().nonnegative().default(DEFAULT_CACHE_MAX_BYTES),
          ),
          finalityDepth: described(
            'Blocks below the head taken as final: answers about them are kept until evicted. Set it to ' +
              "at least the deepest reorg a chain can have (Ethereum's `finalized` block is about 64 below the head).",
            z.number().int().nonnegative().default(DEFAULT_FINALITY_DEPTH),
          ),
          finalityDepths: described(
            'Per-chain finality depth, by chain name, overriding `finalityDepth`.',
            z.record(z.string(), z.number().int().nonnegative()).optional(),
          ),
          methods: described(
            'Per-method overrides, by method name: `never` (not cached), `final-only` (only answers about ' +
              'final blocks), `immutable` (every non-null answer kept until evicted: only for methods whose ' +
              'answer can never change).',
            z.record(z.string(), z.enum(['never', 'final-only', 'immutable'])).optional(),
          ),
        }),
      ])
      .prefault({}),
  ),
  metrics: described(
    'Prometheus metrics at `GET /metrics`; `false` removes the route.',
    z
      .union([
        z.literal(false),
        z.strictObject({
          nodeMetrics: described(
            "Also export prom-client's default Node.js process metrics.",
            z.boolean().default(true),
          ),
          methods: described(
            "Methods counted under their own `method` label besides core's `KNOWN_METHODS` (a chain's own " +
              'namespace, say `zks_getL2ToL1LogProof`); every other method is counted as `other`. Exact ' +
              'names only: a pattern would let clients mint labels again.',
            z.array(metricMethodName).max(1_000).default([]),
          ),
        }),
      ])
      .prefault({}),
  ),
  cluster: described(
    'Cluster mode: N instances behind a load balancer share events, the response cache and rate limits ' +
      'through one Redis (see [operations.md](operations.md#running-several-instances)). Without it, ' +
      'everything stays in-process. Acted on by `startChainPulse` (the CLI).',
    clusterConfigSchema.optional(),
  ),
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
