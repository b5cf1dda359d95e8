import { ConfigError, redactUrl } from '@chainpulse/core'
import { type LoadConfigResult, loadConfigFile } from '../config/load-config.js'
import { parseServerConfig, type ServerConfig } from '../config/server-config.js'
import { defaultDeniedMethods } from '../security/method-filter.js'

/** Where a CLI command reads its environment and writes its output. */
export interface CliIo {
  stdout: { write(text: string): unknown }
  stderr: { write(text: string): unknown }
  env: Record<string, string | undefined>
  /** Folder relative paths resolve against (where the user ran the command). */
  cwd: string
}

/**
 * `chainpulse config check <file>`: validates the file and prints a summary on stdout (exit code 0), or
 * every problem by path (a provider's naming its id) on stderr (exit code 1). Neither output contains an environment variable's
 * value: URLs are shown as written in the file, `${NAME}` references included.
 */
export async function configCheck(file: string, io: CliIo): Promise<number> {
  let loaded: LoadConfigResult
  try {
    loaded = await loadConfigFile(file, { env: io.env, cwd: io.cwd })
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    io.stderr.write(formatConfigError(error))
    return 1
  }
  io.stdout.write(mask(describeConfig(file, loaded), loaded.secrets))
  return 0
}

/** A ConfigError as the CLI prints it: one line per issue, by path. */
export function formatConfigError(error: ConfigError): string {
  const lines = [
    error.shortMessage,
    ...error.issues.map((issue) => `  ${issue.path || '(root)'}: ${issue.message}`),
  ]
  return `${lines.join('\n')}\n`
}

interface TemplateProvider {
  httpUrl?: unknown
  wsUrl?: unknown
}

/** A human summary of a valid config; URLs come from the template, so they show `${NAME}`, not values. */
export function describeConfig(file: string, { config, template }: LoadConfigResult): string {
  const templates =
    ((template as { pool?: { providers?: TemplateProvider[] } }).pool?.providers as TemplateProvider[]) ?? []
  const server = parseServerConfig(config.server)
  const lines = [`${file}: OK`, '', 'chains:']
  const providers = config.pool.providers
  for (const chain of config.pool.chains) {
    const strategy = config.pool.strategies?.[chain.name] ?? config.pool.strategy
    const own = providers.filter((provider) => provider.chain === chain.name)
    lines.push(`  ${chain.name} (chain id ${chain.chainId}): ${own.length} providers, strategy ${strategy}`)
    for (const provider of own) {
      const written = templates[providers.indexOf(provider)] ?? {}
      const urls = [
        provider.httpUrl && `http ${shown(written.httpUrl, provider.httpUrl)}`,
        provider.wsUrl && `ws ${shown(written.wsUrl, provider.wsUrl)}`,
      ].filter(Boolean)
      lines.push(`    ${provider.id}: ${urls.join('  ') || 'no URL'}`)
    }
  }
  const { hedge, racing, requestTimeoutMs } = config.pool
  lines.push(
    '',
    `pool: racing ${racing ? 'on' : 'off'}, hedging ${hedge ? 'on' : 'off'}, request timeout ${requestTimeoutMs} ms`,
    `listen: ${config.listen.host}:${config.listen.port}`,
    `persistence: ${config.persistence ? `${config.persistence.path} every ${config.persistence.intervalMs} ms` : 'off'}`,
    `auth: ${server.auth ? `${server.auth.apiKeys.length} API key(s)` : 'off (no API key needed)'}`,
    `rate limit: ${server.rateLimit === false ? 'off' : `${server.rateLimit.max} per ${server.rateLimit.timeWindowMs} ms per client`}`,
    `methods: ${describeMethods(server.rpc.methods)}`,
    `environment variables used: ${variablesIn(template).join(', ') || 'none'}`,
  )
  return `${lines.join('\n')}\n`
}

function describeMethods(methods: ServerConfig['rpc']['methods']): string {
  return [
    methods.allow ? `only ${methods.allow.join(', ')}` : 'all',
    `denied by default ${defaultDeniedMethods.join(', ')}`,
    methods.enable.length > 0 ? `enabled ${methods.enable.join(', ')}` : undefined,
    methods.deny.length > 0 ? `denied ${methods.deny.join(', ')}` : undefined,
  ]
    .filter(Boolean)
    .join('; ')
}

function shown(written: unknown, resolved: string): string {
  return typeof written === 'string' && written.includes('${') ? written : redactUrl(resolved)
}

function variablesIn(value: unknown, found = new Set<string>()): string[] {
  if (typeof value === 'string')
    for (const match of value.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)/g)) found.add(match[1]!)
  else if (Array.isArray(value)) for (const item of value) variablesIn(item, found)
  else if (value !== null && typeof value === 'object')
    for (const item of Object.values(value)) variablesIn(item, found)
  return [...found].sort()
}

// Last line of defence: the summary is built from the template, but a value could still reach it
// (e.g. an interpolated chain name). Secrets shorter than 4 characters would mask unrelated text.
function mask(text: string, secrets: readonly string[]): string {
  let out = text
  for (const secret of [...secrets].sort((a, b) => b.length - a.length))
    if (secret.length >= 4) out = out.replaceAll(secret, '***')
  return out
}
