import {
  builtInStrategyNames,
  ConfigError,
  type ConfigIssue,
  type JsonSchema,
  parseProviderPoolConfig,
  providerPoolConfigJsonSchema,
  type ResolvedProviderPoolConfig,
} from '@chainpulse/core'

// A config file's `pool` section is core's pool config (`parseProviderPoolConfig`: every option of
// `createProviderPool` but the in-process objects, strict, with core's defaults) plus what only a file
// needs: strategy names must be built-in ones, since a file cannot register others.

/** The outcome of {@link validatePoolSection}: the resolved pool config, or every issue at `pool.*`. */
export type PoolSectionResult =
  | { success: true; data: ResolvedProviderPoolConfig }
  | { success: false; issues: ConfigIssue[] }

/**
 * Validates the `pool` section of a config file, reporting every problem at once by its path under
 * `pool` (`pool.providers.2.httpUrl`; see {@link withProviderIds} for the ids).
 */
export function validatePoolSection(section: unknown): PoolSectionResult {
  if (section === undefined)
    return {
      success: false,
      issues: [{ path: 'pool', message: 'required: the chains and providers to serve' }],
    }
  const issues: ConfigIssue[] = unknownStrategies(section)
  let data: ResolvedProviderPoolConfig | undefined
  try {
    data = parseProviderPoolConfig(section)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    issues.unshift(
      ...error.issues.map((issue) => ({ ...issue, path: issue.path ? `pool.${issue.path}` : 'pool' })),
    )
  }
  return data && issues.length === 0 ? { success: true, data } : { success: false, issues }
}

// Core takes any strategy name (a registry can hold custom ones); a file can only name built-in ones.
function unknownStrategies(section: unknown): ConfigIssue[] {
  if (section === null || typeof section !== 'object') return []
  const { strategy, strategies } = section as { strategy?: unknown; strategies?: unknown }
  const named: [string, unknown][] = [['pool.strategy', strategy]]
  if (strategies !== null && typeof strategies === 'object')
    for (const [chain, name] of Object.entries(strategies)) named.push([`pool.strategies.${chain}`, name])
  const known = builtInStrategyNames as readonly string[]
  return named
    .filter(([, name]) => typeof name === 'string' && !known.includes(name))
    .map(([path, name]) => ({
      path,
      message: `unknown strategy "${name}" (expected one of: ${known.join(', ')})`,
    }))
}

/**
 * `issues` with each provider path naming the provider's id as the file gives it, so a reader need not
 * count list items: `pool.providers.2.httpUrl` becomes `pool.providers.2 (id "alchemy").httpUrl`. A
 * provider without a usable id keeps its index alone.
 */
export function withProviderIds(issues: readonly ConfigIssue[], section: unknown): ConfigIssue[] {
  const providers = (section as { providers?: unknown } | null | undefined)?.providers
  return issues.map((issue) => {
    const index = /^pool\.providers\.(\d+)(?=\.|$)/.exec(issue.path)
    if (!index || !Array.isArray(providers)) return issue
    const id: unknown = (providers[Number(index[1])] as { id?: unknown } | null | undefined)?.id
    if (typeof id !== 'string' || id === '') return issue
    return { ...issue, path: `${index[0]} (id ${JSON.stringify(id)})${issue.path.slice(index[0].length)}` }
  })
}

/**
 * The JSON Schema docs/configuration.md documents the `pool` section by: core's (so the defaults and
 * descriptions are what the pool really does), with the file's built-in strategy names as the allowed
 * values.
 */
export function poolSectionJsonSchema(): JsonSchema {
  const schema = providerPoolConfigJsonSchema()
  const strategy = schema.properties?.strategy
  const perChain = schema.properties?.strategies?.additionalProperties
  for (const node of [strategy, perChain])
    if (node && typeof node === 'object') node.enum = [...builtInStrategyNames]
  return schema
}
