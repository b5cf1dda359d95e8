import { parseArgs } from 'node:util'

/** Usage text of `chainpulse --help`. */
export const HELP = `chainpulse: one JSON-RPC endpoint in front of many blockchain providers

Usage:
  chainpulse demo [options]                 local devnet (3 chains x 4 simulated providers), proxy and dashboard
  chainpulse serve --config <file> [options]  the proxy in front of the providers a config file lists
  chainpulse config check <file>            validate a config file and print a summary (no secrets)
  chainpulse --help                         this text
  chainpulse --version                      the installed version

Options of demo and serve:
  --port <n>                  port to listen on (default: 4000; 0 picks a free port)
  --host <address>            address to listen on (default: 127.0.0.1)
  --snapshot <file>           benchmark snapshot file, restored at start and written periodically
                              (demo default: .chainpulse/benchmarks.json; serve: the config's persistence.path)
  --no-snapshot               do not read or write a snapshot
  --snapshot-interval <ms>    time between snapshot writes (default: 30000)

Options of demo only:
  --seed <n|text>             seed of the devnet's fault sequences (default: 1)
  --no-ambient                do not start the ambient traffic (a few simulated clients and the
                              routing sampler); the dashboard's toggle can still start it

Config files are JSON (.json) or YAML; \${NAME} is replaced by the environment variable NAME.
See docs/server.md.`

/** Options shared by `demo` and `serve`. */
export interface ListenArgs {
  port: number | undefined
  host: string | undefined
  /** A path, `false` for --no-snapshot, undefined for the command's default. */
  snapshot: string | false | undefined
  snapshotIntervalMs: number | undefined
}

/** A parsed `chainpulse` command line. */
export type CliCommand =
  | ({
      command: 'demo'
      seed: number | string | undefined
      /** False for --no-ambient. */
      ambient: boolean
    } & ListenArgs)
  | ({ command: 'serve'; config: string } & ListenArgs)
  | { command: 'config-check'; file: string }
  | { command: 'help' }
  | { command: 'version' }

/** A command line `chainpulse` does not understand; the CLI prints it with the usage and exits 2. */
export class CliUsageError extends Error {
  override name = 'CliUsageError'
}

/**
 * Parses `chainpulse` arguments (without `node` and the script).
 *
 * @throws {CliUsageError} for an unknown command or flag, a missing value, or a malformed number.
 * @example
 * parseCliArgs(['demo', '--port', '0']) // { command: 'demo', port: 0, ... }
 */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  const [command, ...rest] = argv
  if (command === undefined || command === '--help' || command === '-h' || command === 'help')
    return { command: 'help' }
  if (command === '--version' || command === '-v' || command === 'version') return { command: 'version' }
  if (rest.includes('--help') || rest.includes('-h')) return { command: 'help' }
  switch (command) {
    case 'demo': {
      const values = parse(rest, { seed: { type: 'string' }, 'no-ambient': { type: 'boolean' } })
      const seed = values.seed as string | undefined
      return {
        command: 'demo',
        ...listenArgs(values),
        seed: seed === undefined ? undefined : /^-?\d+$/.test(seed) ? Number(seed) : seed,
        ambient: values['no-ambient'] !== true,
      }
    }
    case 'serve': {
      const values = parse(rest, { config: { type: 'string', short: 'c' } })
      if (typeof values.config !== 'string') throw new CliUsageError('serve needs --config <file>')
      return { command: 'serve', config: values.config, ...listenArgs(values) }
    }
    case 'config': {
      const [sub, file, ...extra] = rest
      if (sub !== 'check') throw new CliUsageError(`unknown config command "${sub ?? ''}" (expected "check")`)
      if (file === undefined || file.startsWith('-')) throw new CliUsageError('config check needs a file')
      if (extra.length > 0) throw new CliUsageError(`unexpected argument "${extra[0]}"`)
      return { command: 'config-check', file }
    }
    default:
      throw new CliUsageError(`unknown command "${command}"`)
  }
}

type Extra = Record<string, { type: 'string' | 'boolean'; short?: string }>

function parse(args: string[], extra: Extra): Record<string, string | boolean | undefined> {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        snapshot: { type: 'string' },
        'no-snapshot': { type: 'boolean' },
        'snapshot-interval': { type: 'string' },
        ...extra,
      },
      strict: true,
      allowPositionals: true,
    })
    if (positionals.length > 0) throw new CliUsageError(`unexpected argument "${positionals[0]}"`)
    return values
  } catch (error) {
    if (error instanceof CliUsageError) throw error
    // node:util's messages are already precise ("Unknown option '--prot'", "Option '--port <value>' argument missing").
    throw new CliUsageError((error as Error).message)
  }
}

function listenArgs(values: Record<string, string | boolean | undefined>): ListenArgs {
  if (values.snapshot !== undefined && values['no-snapshot'])
    throw new CliUsageError('--snapshot and --no-snapshot exclude each other')
  const port = values.port === undefined ? undefined : integer(values.port as string, '--port')
  if (port !== undefined && port > 65_535) throw new CliUsageError(`--port: ${port} is not a port (0-65535)`)
  const interval = values['snapshot-interval']
  const snapshotIntervalMs =
    interval === undefined ? undefined : integer(interval as string, '--snapshot-interval')
  if (snapshotIntervalMs !== undefined && snapshotIntervalMs < 1_000)
    throw new CliUsageError('--snapshot-interval: at least 1000 ms')
  if (values.host === '') throw new CliUsageError('--host: expected an address')
  return {
    port,
    host: values.host as string | undefined,
    snapshot: values['no-snapshot'] ? false : (values.snapshot as string | undefined),
    snapshotIntervalMs,
  }
}

function integer(text: string, flag: string): number {
  if (!/^\d+$/.test(text)) throw new CliUsageError(`${flag}: expected a non-negative integer, got "${text}"`)
  return Number(text)
}
