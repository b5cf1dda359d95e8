import { type ChildProcess, spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'

const require = createRequire(import.meta.url)
/** The real bin's entry, from source, as `pnpm demo` and the CLI's own process tests start it. */
const cliMain = join(dirname(require.resolve('@chainpulse/server/package.json')), 'src/cli/main.ts')
const tsxLoader = pathToFileURL(require.resolve('tsx')).href

/** A `chainpulse serve` process. */
export interface ServerProcess {
  readonly pid: number
  /** What it wrote to stderr so far (the banner: where it listens, whether benchmarks were restored). */
  readonly stderr: () => string
  /** What it wrote to stdout so far (its JSON log lines). */
  readonly stdout: () => string
  /** Resolves with the exit code or signal once the process has exited. */
  readonly exited: Promise<number | NodeJS.Signals>
  /** The exit code or signal once it has exited; undefined while it runs. */
  exitStatus(): number | NodeJS.Signals | undefined
  /** Sends `signal` and resolves once the process has exited. */
  kill(signal: NodeJS.Signals): Promise<number | NodeJS.Signals>
  /** SIGTERM (a graceful shutdown), then SIGKILL if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<number | NodeJS.Signals>
}

/**
 * Starts `chainpulse serve --config <file>` in its own OS process, so a scenario can SIGKILL it and
 * start it again on the same address. `cwd` is where relative paths would resolve (the bin reads
 * `INIT_CWD`). Returns at once: wait for readiness with {@link waitForHealthz}.
 *
 * @example
 * const server = spawnServerProcess({ configPath, cwd: folder })
 * await waitForHealthz('http://127.0.0.1:4000', { timeoutMs: 60_000 })
 * await server.kill('SIGKILL')
 */
export function spawnServerProcess(options: { configPath: string; cwd: string }): ServerProcess {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--conditions=source', '--import', tsxLoader, cliMain, 'serve', '--config', options.configPath],
    { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, INIT_CWD: options.cwd } },
  )
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (chunk: Buffer) => {
    // Bounded: a long run's log must not grow without limit in the suite's memory.
    stdout = (stdout + chunk.toString()).slice(-65_536)
  })
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-65_536)
  })
  let status: number | NodeJS.Signals | undefined
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once('exit', (code, signal) => {
      status = code ?? signal ?? 'SIGKILL'
      resolve(status)
    }),
  )
  const kill = (signal: NodeJS.Signals) => {
    if (status === undefined) child.kill(signal)
    return exited
  }
  return {
    pid: child.pid!,
    stderr: () => stderr,
    stdout: () => stdout,
    exited,
    exitStatus: () => status,
    kill,
    async stop(graceMs = 15_000) {
      const timer = setTimeout(() => kill('SIGKILL'), graceMs)
      try {
        return await kill('SIGTERM')
      } finally {
        clearTimeout(timer)
      }
    },
  }
}

/** Body of the server's `GET /healthz`, the parts a scenario reads. */
export interface Healthz {
  status: 'ok' | 'degraded' | 'down'
  chains: { name: string; head: number | undefined; healthyProviders: number; providers: number }[]
}

/**
 * Polls `GET <origin>/healthz` every 50 ms until it answers HTTP 200 and `accept` holds for its body,
 * and resolves with that body. A refused connection (nothing listening yet) is polled past.
 *
 * @throws {Error} when that does not happen within `timeoutMs`, or `server` exits first
 */
export async function waitForHealthz(
  origin: string,
  options: { timeoutMs: number; accept?: (health: Healthz) => boolean; server?: ServerProcess },
): Promise<Healthz> {
  const until = performance.now() + options.timeoutMs
  let last = 'nothing yet'
  for (;;) {
    try {
      const response = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(2_000) })
      const body = (await response.json()) as Healthz
      last = `HTTP ${response.status} ${JSON.stringify(body)}`
      if (response.status === 200 && (options.accept?.(body) ?? true)) return body
    } catch (error) {
      last = String(error)
    }
    const exit = options.server?.exitStatus()
    if (exit !== undefined)
      throw new Error(
        `chainpulse serve exited (${exit}) before ready: ${options.server!.stderr().slice(-2_000)}`,
      )
    if (performance.now() > until) throw new Error(`${origin}/healthz not ready: ${last}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** A port free on 127.0.0.1 right now (the OS's pick), for a server that must come back on it. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** Writes `config` as the JSON config file of `chainpulse serve` and returns its path. */
export async function writeServerConfig(folder: string, config: Record<string, unknown>): Promise<string> {
  const path = join(folder, 'chainpulse.json')
  await writeFile(path, JSON.stringify(config, null, 2))
  return path
}
