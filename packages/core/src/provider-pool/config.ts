import { redactUrl } from '../errors/redact.js'
import { parseOptions } from '../validation/parse-options.js'
import * as v from '../validation/schema.js'
import type { Upstream } from './provider/upstream.js'

const httpUrl = v.string().check(
  v.refine((value) => /^https?:\/\//i.test(value) && URL.canParse(value), {
    error: (issue) => `expected an http(s) URL, got "${redactUrl(String(issue.input))}"`,
  }),
)
const wsUrl = v.string().check(
  v.refine((value) => /^wss?:\/\//i.test(value) && URL.canParse(value), {
    error: (issue) => `expected a ws(s) URL, got "${redactUrl(String(issue.input))}"`,
  }),
)
const name = v.string().check(v.regex(/^[a-z0-9][a-z0-9_-]*$/i, 'expected letters, digits, "-" or "_"'))
const nonnegative = v.number().check(v.nonnegative())

/** Schema of one chain in {@link ProviderPoolConfig}. */
export const chainConfigSchema = v.object({
  name,
  chainId: v.number().check(v.int(), v.positive()),
  /** Expected block time; used to size head-lag and polling intervals. */
  blockTimeMs: v.optional(v.number().check(v.positive())),
})

/** Schema of one upstream provider in {@link ProviderPoolConfig}. */
export const providerConfigSchema = v
  .object({
    id: name,
    chain: name,
    httpUrl: v.optional(httpUrl),
    wsUrl: v.optional(wsUrl),
    priority: v._default(v.number().check(v.int()), 0),
    costPerMethod: v.optional(v.record(v.string(), nonnegative)),
    defaultCost: v._default(nonnegative, 1),
    /** Max requests per second this pool sends to the provider; beyond it the provider is skipped. */
    rateLimitPerSecond: v.optional(v.number().check(v.positive())),
    /** A ready-made upstream instead of URLs (e.g. the mock provider of `@chainpulse/core/testing`). */
    upstream: v.optional(
      v.custom<Upstream>(
        (value) => typeof (value as Upstream | null)?.request === 'function',
        'expected an Upstream',
      ),
    ),
  })
  .check(
    v.refine((provider) => provider.httpUrl ?? provider.wsUrl ?? provider.upstream, {
      error: 'a provider needs an httpUrl, a wsUrl or both',
      path: ['httpUrl'],
    }),
  )

/** Schema of the chains and providers a pool starts with. */
export const providerPoolConfigSchema = v
  .object({
    chains: v.array(chainConfigSchema).check(v.minLength(1)),
    providers: v._default(v.array(providerConfigSchema), []),
  })
  .check(
    v.superRefine((config, context) => {
      const chainNames = new Set<string>()
      const chainIds = new Set<number>()
      config.chains.forEach((chain, index) => {
        if (chainNames.has(chain.name))
          context.addIssue({
            code: 'custom',
            path: ['chains', index, 'name'],
            message: `duplicate chain name "${chain.name}"`,
          })
        if (chainIds.has(chain.chainId))
          context.addIssue({
            code: 'custom',
            path: ['chains', index, 'chainId'],
            message: `duplicate chain id ${chain.chainId}`,
          })
        chainNames.add(chain.name)
        chainIds.add(chain.chainId)
      })
      const providerIds = new Set<string>()
      config.providers.forEach((provider, index) => {
        if (providerIds.has(provider.id))
          context.addIssue({
            code: 'custom',
            path: ['providers', index, 'id'],
            message: `duplicate provider id "${provider.id}"`,
          })
        providerIds.add(provider.id)
        if (!chainNames.has(provider.chain))
          context.addIssue({
            code: 'custom',
            path: ['providers', index, 'chain'],
            message: `unknown chain "${provider.chain}" (known: ${[...chainNames].join(', ')})`,
          })
      })
    }),
  )

/** A chain as given by the user. */
export type ChainConfig = v.input<typeof chainConfigSchema>
/** An upstream provider as given by the user. */
export type ProviderConfig = v.input<typeof providerConfigSchema>
/** A provider after validation, with defaults applied. */
export type ResolvedProviderConfig = v.output<typeof providerConfigSchema>
/** Chains and providers of a pool, as given by the user. */
export type ProviderPoolConfig = v.input<typeof providerPoolConfigSchema>

/**
 * Validates pool configuration and applies defaults.
 *
 * @throws {ConfigError} naming the path of every bad field (`providers.2.httpUrl: ...`).
 */
export function parseProviderPoolConfig(input: unknown): v.output<typeof providerPoolConfigSchema> {
  return parseOptions(providerPoolConfigSchema, input, 'provider pool config')
}

/**
 * Validates one provider added at runtime.
 *
 * @throws {ConfigError} naming the bad field.
 */
export function parseProviderConfig(input: unknown): ResolvedProviderConfig {
  return parseOptions(providerConfigSchema, input, 'provider config')
}
