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

const apiKey = z.string().min(16, 'an API key needs at least 16 characters').max(512)

/** Schema of the server's own settings (not the chains and providers: those are the pool's). */
export const serverConfigSchema = z.strictObject({
  rpc: z
    .strictObject({
      /** Largest request body accepted, in bytes; larger ones get HTTP 413. */
      bodyLimitBytes: z.number().int().positive().default(1_048_576),
      /** Most calls in one batch. */
      maxBatchSize: z.number().int().positive().default(100),
      /** Most nested JSON containers in a body (the batch array counts). */
      maxJsonDepth: z.number().int().min(2).max(10_000).default(64),
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
  /** API keys; when present, every RPC request needs one (header `x-api-key` or `/rpc/key/<key>/...`). */
  auth: z
    .strictObject({
      apiKeys: z.array(apiKey).min(1, 'list at least one API key, or remove "auth"'),
    })
    .optional(),
  /** Per-client request rate limit (a client is its API key, or its IP without auth); `false` turns it off. */
  rateLimit: z
    .union([
      z.literal(false),
      z.strictObject({
        /** Requests (a batch counts once) per window. */
        max: z.number().int().positive().default(100),
        timeWindowMs: z.number().int().positive().default(1_000),
      }),
    ])
    .prefault({}),
  /**
   * Trust `X-Forwarded-For` from a load balancer to tell clients apart: `true`, or a comma-separated
   * list of proxy addresses or CIDRs. See Fastify's `trustProxy`.
   */
  trustProxy: z.union([z.boolean(), z.string()]).default(false),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
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
