import { isAbsolute, resolve } from 'node:path'
import { ConfigError } from '@chainpulse/core'
import { loadConfigFile } from '../config/load-config.js'
import type { RunningDemo } from '../demo/start-demo.js'
import { packageVersion } from '../package/package-info.js'
import type { SnapshotRestoreResult } from '../persistence/snapshot-file.js'
import { createRedactor } from '../security/redaction.js'
import { type RunningChainPulse, startChainPulse } from '../start-chainpulse.js'
import { CliUsageError, HELP, type ListenArgs, parseCliArgs } from './cli-args.js'
import { type CliIo, configCheck, formatConfigError } from './config-check.js'

/** What a command line came to: an exit code, or a server that runs until it is closed. */
export type CliOutcome = { exitCode: number } | { running: RunningChainPulse }

/** What `chainpulse demo` prints, in one line, when `@chainpulse/devnet` is not installed. */
export const DEVNET_MISSING =
  'chainpulse demo needs the local devnet: npm install @chainpulse/devnet (serve and config check do not)'

/**
 * Runs a `chainpulse` command line. One-shot commands (`config check`, `--help`, `--version`, bad usage)
 * resolve with their exit code; `demo` and `serve` resolve with the running server once it listens (the
 * caller closes it on a signal). Nothing here exits the process or installs signal handlers. Banners go
 * to stderr: stdout carries the server's JSON log lines, one per line, for log collectors.
 *
 * @example
 * const outcome = await runCli(['config', 'check', 'chainpulse.yaml'], { stdout, stderr, env, cwd })
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<CliOutcome> {
  let command: ReturnType<typeof parseCliArgs>
  try {
    command = parseCliArgs(argv)
  } catch (error) {
    if (!(error instanceof CliUsageError)) throw error
    io.stderr.write(`chainpulse: ${error.message}\nRun "chainpulse --help" for usage.\n`)
    return { exitCode: 2 }
  }
  try {
    switch (command.command) {
      case 'help':
        io.stdout.write(`${HELP}\n`)
        return { exitCode: 0 }
      case 'version':
        io.stdout.write(`${packageVersion}\n`)
        return { exitCode: 0 }
      case 'config-check':
        return { exitCode: await configCheck(command.file, io) }
      case 'demo': {
        const demoModule = await loadDemo()
        if (!demoModule) {
          io.stderr.write(`chainpulse: ${DEVNET_MISSING}\n`)
          return { exitCode: 1 }
        }
        const demo = await demoModule.startDemo({
          ...listenOptions(command),
          ...(command.snapshot === undefined ? {} : { snapshotPath: command.snapshot }),
          ...(command.snapshotIntervalMs === undefined
            ? {}
            : { snapshotIntervalMs: command.snapshotIntervalMs }),
          ...(command.seed === undefined ? {} : { devnet: { seed: command.seed } }),
          ambient: command.ambient,
          cwd: io.cwd,
        })
        io.stderr.write(demoBanner(demo, { ambient: command.ambient }))
        return { running: demo }
      }
      case 'serve': {
        const { config, secrets } = await loadConfigFile(command.config, { env: io.env, cwd: io.cwd })
        const persistence =
          command.snapshot === false
            ? undefined
            : command.snapshot !== undefined
              ? { path: absolute(io.cwd, command.snapshot), intervalMs: command.snapshotIntervalMs }
              : config.persistence && {
                  path: config.persistence.path,
                  intervalMs: command.snapshotIntervalMs ?? config.persistence.intervalMs,
                }
        const running = await startChainPulse({
          pool: config.pool,
          server: config.server,
          secrets,
          listen: { port: command.port ?? config.listen.port, host: command.host ?? config.listen.host },
          ...(persistence ? { persistence } : {}),
        })
        io.stderr.write(serveBanner(running))
        return { running }
      }
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr.write(formatConfigError(error))
      return { exitCode: 1 }
    }
    const redact = createRedactor()
    io.stderr.write(`chainpulse: ${redact(error instanceof Error ? error.message : String(error))}\n`)
    return { exitCode: 1 }
  }
}

/**
 * Loads the demo, and with it `@chainpulse/devnet`, only when `demo` runs: the production commands must
 * work where devnet (an optional peer dependency) is not installed. `undefined` when it is missing.
 */
async function loadDemo(): Promise<typeof import('../demo/index.js') | undefined> {
  try {
    return await import('../demo/index.js')
  } catch (error) {
    const code = (error as { code?: unknown }).code
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes('@chainpulse/devnet'))
      return undefined
    throw error
  }
}

function listenOptions(args: ListenArgs): { port?: number; host?: string } {
  return {
    ...(args.port === undefined ? {} : { port: args.port }),
    ...(args.host === undefined ? {} : { host: args.host }),
  }
}

function absolute(cwd: string, path: string): string {
  return isAbsolute(path) ? path : resolve(cwd, path)
}

function restoredLine(path: string | undefined, restored: SnapshotRestoreResult | undefined): string {
  if (!path || !restored) return '  Benchmarks      not persisted'
  switch (restored.status) {
    case 'restored':
      return `  Benchmarks      ${path} (history of ${restored.chains} chain(s) restored)`
    case 'missing':
      return `  Benchmarks      ${path} (new)`
    case 'corrupt':
      return `  Benchmarks      ${path} (the old file was unreadable: ${restored.reason}; ${restored.movedTo ? `moved to ${restored.movedTo}, ` : ''}starting empty)`
  }
}

/** What `chainpulse demo` prints once everything listens; `ambient` says whether ambient traffic runs. */
export function demoBanner(demo: RunningDemo, options: { ambient: boolean } = { ambient: true }): string {
  const { urls } = demo
  const chains = urls.rpc.length
  const providers = demo.devnet.manifest.providers.length
  const width = Math.max(...urls.rpc.map((entry) => entry.http.length))
  return [
    '',
    `ChainPulse demo: ${chains} local chains, ${providers} simulated providers, racing on`,
    '',
    `  Dashboard       ${urls.dashboard}`,
    ...urls.rpc.map(
      (entry, index) =>
        `  ${index === 0 ? 'JSON-RPC' : '        '}        ${entry.http.padEnd(width)}  ${entry.ws}   (${entry.chain}, chain id ${entry.chainId})`,
    ),
    `  API             ${urls.api}/chains   live stream ${urls.api.replace(/^http/, 'ws')}/stream`,
    `  Metrics         ${urls.metrics}`,
    `  Health          ${urls.health}`,
    `  Devnet control  ${urls.devnetControl ?? 'off'}`,
    `  Ambient traffic ${options.ambient ? 'on: simulated clients and the routing sampler (the dashboard switches it, or --no-ambient)' : 'off (--no-ambient; the dashboard can start it)'}`,
    restoredLine(demo.persistence?.path, demo.restored),
    '',
    'Point any Ethereum client at a JSON-RPC URL, e.g.',
    `  curl -s ${urls.rpc[0]?.http ?? ''} -H 'content-type: application/json' -d '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber"}'`,
    '',
    'Ctrl-C to stop.',
    '',
  ].join('\n')
}

/** What `chainpulse serve` prints once it listens. */
export function serveBanner(running: RunningChainPulse): string {
  const base = running.url
  const chains = running.pool.chains()
  return [
    '',
    `ChainPulse proxy: ${chains.length} chain(s), ${running.pool.providers().length} provider(s)`,
    '',
    ...chains.map(
      (chain, index) =>
        `  ${index === 0 ? 'JSON-RPC' : '        '}        ${base}/rpc/${chain.name}   ${base.replace(/^http/, 'ws')}/ws/rpc/${chain.name}   (chain id ${chain.chainId}, strategy ${chain.strategy})`,
    ),
    `  Health          ${base}/healthz`,
    restoredLine(running.persistence?.path, running.restored),
    '',
  ].join('\n')
}
