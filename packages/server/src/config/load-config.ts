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
import { described } from './config-reference.js'
import { type ServerConfigInput, serverConfigSchema } from './server-config.js'

/** Where `chainpulse serve` listens unless the file or the command line says otherwise. */
export const defaultListen = { port: 4000, host: '127.0.0.1' } as const

/** How often the benchmark snapshot is written, unless configured. */
export const defaultSnapshotIntervalMs = 30_000

const strategyName = z.enum(builtInStrategyNames)
const positiveMs = z.number().positive()
const name = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, 'expected letters, digits, "-" or "_"')

/**
 * An object whose unknown keys are errors that list the known ones. Core strips unknown keys; a config
 * file must not silently drop a typo such as `httpURL`, nor carry `upstream` (an in-process object).
 */
const entry = <Shape extends z.ZodRawShape>(shape: Shape) =>
  z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown key (expected one of: ${Object.keys(shape).join(', ')})`
        : undefined,
  })

// Core's parseProviderPoolConfig is the authority on chains and providers (it also runs on them, for
// URLs, duplicates and unknown chains): these schemas give their shape and types, for unknown keys and
// for the docs, and never reject what core accepts.
const chainSchema = entry({
  name: described('How requests, routes and the dashboard name the chain (`/rpc/<name>`).', name),
  chainId: described('The chain id (1 for Ethereum mainnet).', z.number().int().positive()),
  blockTimeMs: described(
    'Expected block time; sizes head-lag checks and polling.',
    z.number().positive().optional(),
  ),
})

const providerSchema = entry({
  id: described('Unique across all chains; shown in headers, metrics and the dashboard.', name),
  chain: described('The `name` of the chain it serves.', name),
  httpUrl: described(
    'JSON-RPC over HTTP: an `http://` or `https://` URL. Keep API keys in environment variables.',
    z.string().optional(),
  ),
  wsUrl: described(
    'JSON-RPC over WebSocket (`ws://` or `wss://`), for racing and subscriptions. A provider needs `httpUrl`, `wsUrl` or both.',
    z.string().optional(),
  ),
  priority: described(
    'Lower goes first with the `priority` strategy; breaks ties in every strategy.',
    z.number().int().default(0),
  ),
  costPerMethod: described(
    'Cost of one call per method (any unit, e.g. compute units), for the `cheapest` and `hybrid` strategies.',
    z.record(z.string(), z.number().nonnegative()).optional(),
  ),
  defaultCost: described(
    'Cost of a method missing from `costPerMethod`.',
    z.number().nonnegative().default(1),
  ),
  rateLimitPerSecond: described(
    'Most requests per second the pool sends to the provider; beyond it the provider is skipped.',
    z.number().positive().optional(),
  ),
})

// The pool's knobs get their defaults from core (createProviderPool), so the file leaves them unset;
// the `default` in their metadata documents core's value.
/**
 * The pool section: core's chains and providers plus the pool's behaviour knobs that a file can hold.
 * Exported (with the other sections, see `configFileSections`) for docs/configuration.md.
 */
export const poolSectionSchema = z.strictObject(
  {
    chains: described('The chains to serve; at least one.', z.array(chainSchema).min(1)),
    providers: described(
      'The upstream providers, each serving one chain.',
      z.array(providerSchema).optional(),
    ),
    strategy: described(
      'Routing strategy of requests that name none (see [strategies.md](strategies.md)).',
      strategyName.optional(),
      {
        default: 'leaderboard',
      },
    ),
    strategies: described(
      'Per-chain default strategy, by chain name; overrides `strategy`.',
      z.record(z.string(), strategyName).optional(),
    ),
    hedge: described(
      'Hedged reads: a read still unanswered after the delay also goes to the next provider, and the ' +
        "first answer wins. The delay is `delayMs`, or the provider's recent p95 for the method but at " +
        'least `minDelayMs` (default 50). Writes are never hedged.',
      z
        .union([
          z.literal(false),
          z.strictObject({
            delayMs: described('A fixed delay, in milliseconds.', positiveMs.optional()),
            minDelayMs: described(
              "Lower bound of the delay taken from the provider's recent p95, in milliseconds.",
              z.number().nonnegative().optional(),
              { default: 50 },
            ),
          }),
        ])
        .optional(),
      { default: false },
    ),
    requestTimeoutMs: described(
      "Timeout of each attempt, in milliseconds; an attempt never runs past its request's deadline (15 s) either.",
      positiveMs.optional(),
      { default: 10_000 },
    ),
    maxLagBlocks: described(
      'A provider this many blocks behind the best head is not used for calls that need the tip (`latest`).',
      z.number().int().nonnegative().optional(),
      { default: 3 },
    ),
    defaultCooldownMs: described(
      'Cooldown of a provider after a rate-limit answer without `Retry-After`, in milliseconds.',
      z.number().nonnegative().optional(),
      { default: 1_000 },
    ),
    breaker: described(
      "Each provider's circuit breaker (see [circuit-breaker.md](circuit-breaker.md)).",
      z
        .strictObject({
          failureThreshold: described(
            'Consecutive failures that open the breaker.',
            z.number().int().positive().optional(),
            { default: 5 },
          ),
          halfOpenAfterMs: described(
            'Time an open breaker waits before letting probes through, in milliseconds.',
            z.number().nonnegative().optional(),
            { default: 10_000 },
          ),
          halfOpenMaxProbes: described(
            'Probes let through at once while half-open.',
            z.number().int().positive().optional(),
            { default: 1 },
          ),
          successThreshold: described(
            'Successful probes that close the breaker again.',
            z.number().int().positive().optional(),
            { default: 1 },
          ),
        })
        .optional(),
    ),
    racing: described(
      "Keep every WebSocket provider's `newHeads` subscribed, to race them, rather than only while someone subscribes.",
      z.boolean().optional(),
      { default: true },
    ),
    headPollIntervalMs: described(
      "How often subscriptions check that blocks still arrive while every upstream stream is quiet, in milliseconds (providers' heads are read by the health probes).",
      positiveMs.optional(),
      { default: 4_000 },
    ),
  },
  {
    error: (issue) => (issue.input === undefined ? 'required: the chains and providers to serve' : undefined),
  },
)

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
 * Each section of a config file with its schema, in the order docs/configuration.md lists them. The
 * `pool` and `server` sections are validated on their own (so their issues carry their paths).
 */
export const configFileSections = {
  pool: poolSectionSchema,
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
  if (!file.success) issues.push(...zodIssues([], file.error))

  const sections = (interpolated ?? {}) as { server?: unknown; pool?: unknown }
  const server = serverConfigSchema.safeParse(sections.server ?? {})
  if (!server.success) issues.push(...zodIssues(['server'], server.error))
  const poolSection = poolSectionSchema.safeParse(sections.pool)
  if (!poolSection.success) issues.push(...zodIssues(['pool'], poolSection.error))

  // Core checks what the section's schema leaves to it (URLs, duplicate ids, unknown chains) even when
  // the section has other problems, so that every problem is reported at once. An issue at a path
  // already reported is the same problem seen twice.
  let pool: ReturnType<typeof parseProviderPoolConfig> | undefined
  const rawPool = sections.pool as { chains?: unknown; providers?: unknown } | undefined
  if (rawPool !== null && typeof rawPool === 'object') {
    try {
      pool = parseProviderPoolConfig({ chains: rawPool.chains, providers: rawPool.providers ?? [] })
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error
      const reported = new Set(issues.map((issue) => issue.path))
      for (const issue of error.issues) {
        const path = join('pool', issue.path)
        if (!reported.has(path)) issues.push({ ...issue, path })
      }
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

/**
 * zod's issues as config issues under `prefix`. An unknown key is reported at its own path
 * (`pool.providers.3.httpURL`), one issue per key.
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

function join(prefix: string, path: string): string {
  return path ? `${prefix}.${path}` : prefix
}

function dropUndefined<T extends object>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T
}
