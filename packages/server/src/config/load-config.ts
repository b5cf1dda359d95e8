import { readFile } from 'node:fs/promises'
import { dirname, extname, isAbsolute, resolve } from 'node:path'
import {
  builtInStrategyNames,
  ConfigError,
  type ConfigIssue,
  type ProviderPoolOptions,
  parseProviderPoolConfig,
} from '@chainpulse/core'
import { parseDocument } from 'yaml'
import { z } from 'zod'
import { createRedactor, urlSecrets } from '../security/redaction.js'
import { type ServerConfigInput, serverConfigSchema } from './server-config.js'

/** Where `chainpulse serve` listens unless the file or the command line says otherwise. */
export const defaultListen = { port: 4000, host: '127.0.0.1' } as const

/** How often the benchmark snapshot is written, unless configured. */
export const defaultSnapshotIntervalMs = 30_000

const strategyName = z.enum(builtInStrategyNames)
const positiveMs = z.number().positive()

/**
 * The pool section: core's chains and providers (validated by `parseProviderPoolConfig`, so the file
 * accepts exactly what `createProviderPool` does) plus the pool's behaviour knobs that a file can hold.
 */
const poolSectionSchema = z.strictObject(
  {
    chains: z.array(z.unknown()),
    providers: z.array(z.unknown()).optional(),
    strategy: strategyName.optional(),
    strategies: z.record(z.string(), strategyName).optional(),
    hedge: z
      .union([
        z.literal(false),
        z.strictObject({ delayMs: positiveMs.optional(), minDelayMs: z.number().nonnegative().optional() }),
      ])
      .optional(),
    requestTimeoutMs: positiveMs.optional(),
    maxLagBlocks: z.number().int().nonnegative().optional(),
    defaultCooldownMs: z.number().nonnegative().optional(),
    breaker: z
      .strictObject({
        failureThreshold: z.number().int().positive().optional(),
        halfOpenAfterMs: z.number().nonnegative().optional(),
        halfOpenMaxProbes: z.number().int().positive().optional(),
        successThreshold: z.number().int().positive().optional(),
      })
      .optional(),
    racing: z.boolean().optional(),
    headPollIntervalMs: positiveMs.optional(),
  },
  {
    error: (issue) => (issue.input === undefined ? 'required: the chains and providers to serve' : undefined),
  },
)

const fileSchema = z.strictObject({
  /** The server's own settings; validated by `serverConfigSchema` (paths prefixed `server.`). */
  server: z.unknown().optional(),
  /** Validated on its own by `poolSectionSchema` (and core), so its issues show next to the others'. */
  pool: z.unknown().optional(),
  listen: z
    .strictObject({
      port: z.number().int().min(0).max(65_535).default(defaultListen.port),
      host: z.string().min(1).default(defaultListen.host),
    })
    .prefault({}),
  persistence: z
    .strictObject({
      /** File for benchmark snapshots; relative paths resolve against the config file's folder. */
      path: z.string().min(1),
      intervalMs: z.number().int().min(1_000).default(defaultSnapshotIntervalMs),
    })
    .optional(),
})

// Keys core's provider and chain schemas know. Core strips unknown keys; a config file should not
// silently drop a typo such as `httpURL`, and must not carry `upstream` (an in-process object).
const chainKeys = new Set(['name', 'chainId', 'blockTimeMs'])
const providerKeys = new Set([
  'id',
  'chain',
  'httpUrl',
  'wsUrl',
  'priority',
  'costPerMethod',
  'defaultCost',
  'rateLimitPerSecond',
])

/** A validated config file, ready for `createProviderPool` and `buildServer`. */
export interface ChainPulseConfig {
  /** The `server` section, validated (defaults are applied again by `buildServer`). */
  server: ServerConfigInput
  /** Options for `createProviderPool`: chains, providers and knobs. */
  pool: Pick<
    ProviderPoolOptions,
    | 'chains'
    | 'providers'
    | 'strategy'
    | 'strategies'
    | 'hedge'
    | 'requestTimeoutMs'
    | 'maxLagBlocks'
    | 'defaultCooldownMs'
    | 'breaker'
    | 'racing'
    | 'headPollIntervalMs'
  >
  listen: { port: number; host: string }
  /** Benchmark snapshot file (absolute path) and write interval; undefined when not configured. */
  persistence: { path: string; intervalMs: number } | undefined
}

/** The outcome of {@link loadConfigFile} / {@link parseConfigText}. */
export interface LoadConfigResult {
  config: ChainPulseConfig
  /**
   * Every value that came from an environment variable, plus every part of each provider URL after its
   * origin that could be a key (see `urlSecrets`), literal or not. Hand them to
   * `buildServer({ secrets })` so they are masked everywhere, even where an upstream echoes them.
   */
  secrets: string[]
  /**
   * The file as parsed, before `${NAME}` replacement: what to show a person (it names the variables,
   * not their values). Literal values are as written, so redact URLs before printing them.
   */
  template: unknown
}

/** Options of {@link parseConfigText}. */
export interface ParseConfigTextOptions {
  /** `json`, or `yaml` (which also reads JSON). @default 'yaml' */
  format?: 'json' | 'yaml'
  /** Variables for `${NAME}` references. @default process.env */
  env?: Record<string, string | undefined>
  /** Folder that relative paths in the file (`persistence.path`) resolve against. @default process.cwd() */
  baseDir?: string
  /** Names the file in error messages. @default 'config' */
  source?: string
}

/**
 * Reads a ChainPulse config file (JSON for `.json`, YAML otherwise), replaces `${NAME}` references
 * with environment variables and validates it.
 *
 * @throws {ConfigError} when the file cannot be read or parsed, a variable is missing, or a field is
 *   invalid; each issue names its path (`pool.providers.2.httpUrl`) and never contains a secret.
 * @example
 * const { config, secrets } = await loadConfigFile('chainpulse.yaml')
 * const pool = createProviderPool(config.pool)
 * const app = buildServer({ pool, config: config.server, secrets })
 */
export async function loadConfigFile(
  path: string,
  options: Omit<ParseConfigTextOptions, 'format' | 'baseDir' | 'source'> & { cwd?: string } = {},
): Promise<LoadConfigResult> {
  const absolute = isAbsolute(path) ? path : resolve(options.cwd ?? process.cwd(), path)
  let text: string
  try {
    text = await readFile(absolute, 'utf8')
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : 'cannot be read'
    throw new ConfigError(`config file ${path}`, [{ path: '', message: reason }])
  }
  return parseConfigText(text, {
    ...(options.env ? { env: options.env } : {}),
    format: extname(absolute).toLowerCase() === '.json' ? 'json' : 'yaml',
    baseDir: dirname(absolute),
    source: `config file ${path}`,
  })
}

/**
 * Parses and validates config text: see {@link loadConfigFile}. `${NAME}` is replaced by the variable's
 * value, `${NAME:-fallback}` falls back when it is unset or empty, `$${...}` is a literal `${...}`.
 * Replacement happens in string values only, so the result is always a string.
 *
 * @throws {ConfigError} naming each bad path; see {@link loadConfigFile}.
 * @example
 * const { config } = parseConfigText('pool: { chains: [{ name: ethereum, chainId: 1 }] }')
 */
export function parseConfigText(text: string, options: ParseConfigTextOptions = {}): LoadConfigResult {
  const source = options.source ?? 'config'
  const raw = options.format === 'json' ? parseJson(text, source) : parseYaml(text, source)

  const secrets = new Set<string>()
  const missing: ConfigIssue[] = []
  const interpolated = interpolate(raw, [], options.env ?? process.env, secrets, missing)
  if (missing.length > 0) throw new ConfigError(source, missing)

  const issues: ConfigIssue[] = []
  const file = fileSchema.safeParse(interpolated)
  if (!file.success) issues.push(...file.error.issues.map((issue) => toIssue(issue.path)(issue.message)))

  const sections = (interpolated ?? {}) as { server?: unknown; pool?: unknown }
  const server = serverConfigSchema.safeParse(sections.server ?? {})
  if (!server.success)
    issues.push(...server.error.issues.map((i) => toIssue(['server', ...i.path])(i.message)))
  const poolSection = poolSectionSchema.safeParse(sections.pool)
  if (!poolSection.success)
    issues.push(...poolSection.error.issues.map((i) => toIssue(['pool', ...i.path])(i.message)))

  let pool: ReturnType<typeof parseProviderPoolConfig> | undefined
  if (poolSection.success) {
    const section = poolSection.data
    issues.push(...unknownKeys(section.chains, chainKeys, 'chains'))
    issues.push(...unknownKeys(section.providers ?? [], providerKeys, 'providers'))
    try {
      pool = parseProviderPoolConfig({ chains: section.chains, providers: section.providers ?? [] })
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error
      issues.push(...error.issues.map((issue) => ({ ...issue, path: join('pool', issue.path) })))
    }
  }

  // Every part of a provider URL after its origin that could be a key, literal or from the environment.
  // Chain names, chain ids and provider ids are left out even when a URL holds them (`/polygon_zkevm/`):
  // the API shows them by design, and masking them would blank the dashboard's labels.
  const shown = new Set([
    ...(pool?.chains ?? []).flatMap((chain) => [chain.name, String(chain.chainId)]),
    ...(pool?.providers ?? []).map((provider) => provider.id),
  ])
  for (const provider of pool?.providers ?? []) {
    for (const url of [provider.httpUrl, provider.wsUrl])
      if (url) for (const s of urlSecrets(url)) if (!shown.has(s)) secrets.add(s)
  }
  const secretList = [...secrets]
  if (issues.length > 0 || !file.success || !server.success || !poolSection.success || !pool) {
    // Validation messages may quote a value (an URL that is not one, ...): mask whatever came from
    // the environment before the message can reach a terminal or a log.
    const redact = createRedactor({ secrets: secretList })
    throw new ConfigError(
      source,
      issues.map((issue) => ({ path: issue.path, message: redact(issue.message) })),
    )
  }

  const { listen, persistence } = file.data
  const { chains: _chains, providers: _providers, ...knobs } = poolSection.data
  return {
    config: {
      server: server.data as ServerConfigInput,
      pool: { ...dropUndefined(knobs), chains: pool.chains, providers: pool.providers },
      listen,
      persistence: persistence && {
        path: resolve(options.baseDir ?? process.cwd(), persistence.path),
        intervalMs: persistence.intervalMs,
      },
    },
    secrets: secretList,
    template: raw,
  }
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    // V8's message quotes the text around the error, which could be a literal key: report the position only.
    const position = /position (\d+)/.exec((error as Error).message)?.[1]
    const where = position === undefined ? '' : ` at ${lineColumn(text, Number(position))}`
    throw new ConfigError(source, [{ path: '', message: `not valid JSON${where}` }])
  }
}

function parseYaml(text: string, source: string): unknown {
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true })
  if (document.errors.length > 0) {
    throw new ConfigError(
      source,
      document.errors.map((error) => {
        // The message's first line only: later lines quote the source, which could hold a key.
        const message = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+.*$/, '')
        return { path: '', message: `not valid YAML at ${lineColumn(text, error.pos[0])}: ${message}` }
      }),
    )
  }
  return document.toJS({ maxAliasCount: 100 })
}

function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n')
  return `line ${before.length}, column ${before.at(-1)!.length + 1}`
}

const REFERENCE = /\$(\$?)\{([^}]*)\}/g
const NAME_AND_FALLBACK = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s

function interpolate(
  value: unknown,
  path: (string | number)[],
  env: Record<string, string | undefined>,
  secrets: Set<string>,
  issues: ConfigIssue[],
): unknown {
  if (typeof value === 'string') {
    return value.replace(REFERENCE, (match, escaped: string, inner: string) => {
      if (escaped) return match.slice(1)
      const reference = NAME_AND_FALLBACK.exec(inner)
      if (!reference) {
        issues.push({ path: pathText(path), message: `"\${${inner}}" is not a valid variable reference` })
        return ''
      }
      const [, name, fallback] = reference as unknown as [string, string, string | undefined]
      const fromEnv = env[name]
      if (fromEnv !== undefined && fromEnv !== '') {
        secrets.add(fromEnv)
        return fromEnv
      }
      if (fallback !== undefined) return fallback
      issues.push({
        path: pathText(path),
        message: `environment variable ${name} is ${fromEnv === '' ? 'empty' : 'not set'}`,
      })
      return ''
    })
  }
  if (Array.isArray(value))
    return value.map((item, index) => interpolate(item, [...path, index], env, secrets, issues))
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        interpolate(item, [...path, key], env, secrets, issues),
      ]),
    )
  }
  return value
}

function unknownKeys(items: unknown[], known: Set<string>, list: 'chains' | 'providers'): ConfigIssue[] {
  return items.flatMap((item, index) =>
    item !== null && typeof item === 'object' && !Array.isArray(item)
      ? Object.keys(item)
          .filter((key) => !known.has(key))
          .map((key) => ({
            path: `pool.${list}.${index}.${key}`,
            message: `unknown key (expected one of: ${[...known].join(', ')})`,
          }))
      : [],
  )
}

function toIssue(path: readonly PropertyKey[]) {
  return (message: string): ConfigIssue => ({ path: pathText(path), message })
}

function pathText(path: readonly PropertyKey[]): string {
  return path.map(String).join('.')
}

function join(prefix: string, path: string): string {
  return path ? `${prefix}.${path}` : prefix
}

function dropUndefined<T extends object>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T
}
