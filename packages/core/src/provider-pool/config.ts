import * as z from 'zod/mini'
import { redactUrl } from '../errors/redact.js'
import { parseOptions } from '../validation/parse-options.js'
import type { Upstream } from './upstream.js'

const httpUrl = z.string().check(
  z.refine((value) => /^https?:\/\//i.test(value) && URL.canParse(value), {
    error: (issue) => `expected an http(s) URL, got "${redactUrl(String(issue.input))}"`,
  }),
)
const wsUrl = z.string().check(
  z.refine((value) => /^wss?:\/\//i.test(value) && URL.canParse(value), {
    error: (issue) => `expected a ws(s) URL, got "${redactUrl(String(issue.input))}"`,
  }),
)
const name = z.string().check(z.regex(/^[a-z0-9][a-z0-9_-]*$/i, 'expected letters, digits, "-" or "_"'))
const nonnegative = z.number().check(z.nonnegative())

/** Schema of one chain in {@link ProviderPoolConfig}. */
export const chainConfigSchema = z.object({
  name,
  chainId: z.number().check(z.int(), z.positive()),
  /** Expected block time; used to size head-lag and polling intervals. */
  blockTimeMs: z.optional(z.number().check(z.positive())),
})

/** Schema of one upstream provider in {@link ProviderPoolConfig}. */
export const providerConfigSchema = z
  .object({
    id: name,
    chain: name,
    httpUrl: z.optional(httpUrl),
    wsUrl: z.optional(wsUrl),
    priority: z._default(z.number().check(z.int()), 0),
    costPerMethod: z.optional(z.record(z.string(), nonnegative)),
    defaultCost: z._default(nonnegative, 1),
    /** Max requests per second this pool sends to the provider; beyond it the provider is skipped. */
    rateLimitPerSecond: z.optional(z.number().check(z.positive())),
    /** A ready-made upstream instead of URLs (e.g. the mock provider of `@chainpulse/core/testing`). */
    upstream: z.optional(
      z.custom<Upstream>(
        (value) => typeof (value as Upstream | null)?.request === 'function',
        'expected an Upstream',
      ),
    ),
  })
  .check(
    z.refine((provider) => provider.httpUrl ?? provider.wsUrl ?? provider.upstream, {
      error: 'a provider needs an httpUrl, a wsUrl or both',
      path: ['httpUrl'],
    }),
  )

/** Schema of the chains and providers a pool starts with. */
export const providerPoolConfigSchema = z
  .object({
    chains: z.array(chainConfigSchema).check(z.minLength(1)),
    providers: z._default(z.array(providerConfigSchema), []),
  })
  .check(
    z.superRefine((config, context) => {
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
export type ChainConfig = z.input<typeof chainConfigSchema>
/** An upstream provider as given by the user. */
export type ProviderConfig = z.input<typeof providerConfigSchema>
/** A provider after validation, with defaults applied. */
export type ResolvedProviderConfig = z.output<typeof providerConfigSchema>
/** Chains and providers of a pool, as given by the user. */
export type ProviderPoolConfig = z.input<typeof providerPoolConfigSchema>

/**
 * Validates pool configuration and applies defaults.
 *
 * @throws {ConfigError} naming the path of every bad field (`providers.2.httpUrl: ...`).
 */
export function parseProviderPoolConfig(input: unknown): z.output<typeof providerPoolConfigSchema> {
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
