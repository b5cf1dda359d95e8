import { readFile } from 'node:fs/promises'
import { dirname, extname, isAbsolute, resolve } from 'node:path'
import { ConfigError, type ConfigIssue, type ResolvedProviderPoolConfig } from '@chainpulse/core'
import { parseDocument } from 'yaml'
import { z } from 'zod'
import { redisUrlSecrets } from '../cluster/cluster-config.js'
import { createRedactor, urlSecrets } from '../security/redaction.js'
import { described } from './config-reference.js'
import { validatePoolSection, withProviderIds } from './pool-section.js'
import { type ServerConfigInput, serverConfigSchema } from './server-config.js'

/** Where `chainpulse serve` listens unless the file or the command line says otherwise. */
export const defaultListen = { port: 4000, host: '127.0.0.1' } as const

/** How often the benchmark snapshot is written, unless configured. */
export const defaultSnapshotIntervalMs = 30_000

const listenSchema = z
  .strictObject({
    port: described(
      'Port to listen on; 0 picks a free one. `--port` overrides it.',
      z.number().int().min(0).max(65_535).default(defaultListen.port),
    ),
    host: described(
      'Address to listen on; `0.0.0.0` for every interface. `--host` overrides it.',
      z.string().min(1).default(defaultListen.host),
    ),
  })
  .prefault({})

const persistenceSchema = z
  .strictObject({
    path: described(
      "File of the benchmark snapshot (race and latency history); a relative path resolves against the config file's folder.",
      z.string().min(1),
    ),
    intervalMs: described(
      'Time between snapshot writes, in milliseconds.',
      z.number().int().min(1_000).default(defaultSnapshotIntervalMs),
    ),
  })
  .optional()

/**
 * The zod-validated sections of a config file with their schemas, in the order docs/configuration.md
 * lists them after `pool` (core's, see pool-section.ts). The `server` section is validated on its own
 * (so its issues carry its path).
 */
export const configFileSections = {
  server: serverConfigSchema,
  listen: listenSchema,
  persistence: persistenceSchema,
} as const

const fileSchema = z.strictObject({
  server: z.unknown().optional(),
  pool: z.unknown().optional(),
  listen: listenSchema,
  persistence: persistenceSchema,
})

/** A validated config file, ready for `createProviderPool` and `buildServer`. */
export interface ChainPulseConfig {
  /** The `server` section, validated (defaults are applied again by `buildServer`). */
  server: ServerConfigInput
  /** Options for `createProviderPool` (chains, providers and knobs), validated by core, defaults applied. */
  pool: ResolvedProviderPoolConfig
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
 *   invalid: every problem at once, each by its path (`pool.providers.2 (id "alchemy").httpUrl`, a
 *   provider's path naming its id), never with a secret.
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
  const sections = (isObject(interpolated) ? interpolated : {}) as { server?: unknown; pool?: unknown }

  // Every problem at once: each section is validated even when another one (or the top level) has
  // problems, and a top-level typo hides nothing.
  const file = fileSchema.safeParse(interpolated)
  const server = serverConfigSchema.safeParse(sections.server ?? {})
  const pool = validatePoolSection(sections.pool)
  const invalid = [
    ...(file.success ? [] : zodIssues([], file.error)),
    ...(server.success ? [] : zodIssues(['server'], server.error)),
    ...(pool.success ? [] : pool.issues),
  ]
  // A missing variable left an empty string behind: what is wrong with that value is said already.
  const consequence = (issue: ConfigIssue) =>
    missing.some((gap) => issue.path === gap.path || issue.path.startsWith(`${gap.path}.`))
  const issues = withProviderIds(
    [...missing, ...invalid.filter((issue) => !consequence(issue))],
    sections.pool,
  )

  // Every part of a provider URL after its origin that could be a key, literal or from the environment.
  // Chain names, chain ids and provider ids are left out even when a URL holds them (`/polygon_zkevm/`):
  // the API shows them by design, and masking them would blank the dashboard's labels.
  const { chains, providers } = isObject(sections.pool) ? sections.pool : {}
  const shown = new Set(
    [
      ...listOf(chains).flatMap((chain) => [chain.name, chain.chainId]),
      ...listOf(providers).map((provider) => provider.id),
    ].map(String),
  )
  for (const provider of listOf(providers))
    for (const url of [provider.httpUrl, provider.wsUrl])
      if (typeof url === 'string') for (const s of urlSecrets(url)) if (!shown.has(s)) secrets.add(s)
  // The cluster's Redis password, even when written literally.
  const cluster = isObject(sections.server) ? sections.server.cluster : undefined
  if (isObject(cluster) && typeof cluster.redisUrl === 'string')
    for (const s of redisUrlSecrets(cluster.redisUrl)) secrets.add(s)
  const secretList = [...secrets]

  if (issues.length > 0 || !file.success || !server.success || !pool.success) {
    // Validation messages may quote a value (an URL that is not one, ...) and a path may name a
    // provider id: mask whatever came from the environment before either can reach a terminal or a log.
    const redact = createRedactor({ secrets: secretList })
    throw new ConfigError(
      source,
      issues.map((issue) => ({ path: redact(issue.path), message: redact(issue.message) })),
    )
  }

  const { listen, persistence } = file.data
  return {
    config: {
      server: server.data as ServerConfigInput,
      pool: pool.data,
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

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)

/** The objects of a list in the file (anything else in it, or no list, is for validation to report). */
function listOf(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isObject) : []
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

/**
 * zod's issues as config issues under `prefix`. An unknown key is reported at its own path
 * (`server.rpc.maxBatchSise`), one issue per key.
 */
function zodIssues(prefix: readonly PropertyKey[], error: z.ZodError): ConfigIssue[] {
  return error.issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path]
    if (issue.code !== 'unrecognized_keys') return [toIssue(path)(issue.message)]
    const message = issue.message.startsWith('Unrecognized key') ? 'unknown key' : issue.message
    return issue.keys.map((key) => toIssue([...path, key])(message))
  })
}

function toIssue(path: readonly PropertyKey[]) {
  return (message: string): ConfigIssue => ({ path: pathText(path), message })
}

function pathText(path: readonly PropertyKey[]): string {
  return path.map(String).join('.')
}
