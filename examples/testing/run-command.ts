import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** The repository root: commands in the docs are written to be typed there. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url))

/** A shell command line started by {@link startCommand}. */
export interface RunningCommand {
  /** Everything written to stdout so far. */
  readonly stdout: string
  /** Everything written to stderr so far. */
  readonly stderr: string
  /** Resolves with the first match of `pattern` in stdout, waiting up to `timeoutMs`. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>
  /** Sends `signal` to the whole process group, as a terminal's Ctrl-C does (SIGINT). */
  signal(signal: NodeJS.Signals): void
  /** Resolves when the command has exited, with its exit code (or the signal that ended it). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Options of {@link startCommand} and {@link runCommand}. */
export interface CommandOptions {
  /** Folder the shell starts in. @default the repository root */
  cwd?: string
  /** Variables added to the environment. */
  env?: Record<string, string>
  /** The command and everything it started are killed after this long. @default 60_000 */
  timeoutMs?: number
}

/**
 * Starts `command` with `bash -c`, in its own process group so that a signal (or the timeout) reaches
 * everything it started: pnpm, node and the anvil nodes of a devnet.
 */
export function startCommand(command: string, options: CommandOptions = {}): RunningCommand {
  // The shell traps INT and TERM with a no-op (children get the default action back), so that a signal
  // sent to the group stops the command but the shell still exits with the command's own status.
  const child: ChildProcess = spawn('bash', ['-c', `trap : INT TERM\n${command}`], {
    cwd: options.cwd ?? repoRoot,
    env: { ...shellEnvironment(), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let stdout = ''
  let stderr = ''
  const waiters = new Set<() => void>()
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk
    for (const wake of waiters) wake()
  })
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk
  })
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal)
    } catch {
      // the group is gone already
    }
  }
  const timer = setTimeout(() => signalGroup('SIGKILL'), options.timeoutMs ?? 60_000)
  let done = false
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      done = true
      for (const wake of waiters) wake()
      resolve({ code, signal })
    }),
  )

  return {
    get stdout() {
      return stdout
    },
    get stderr() {
      return stderr
    },
    exited,
    signal: signalGroup,
    waitForOutput(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(stdout)
          if (match) finish(() => resolve(match))
          else if (done)
            finish(() => reject(new Error(`exited without printing ${pattern}:\n${stdout}\n${stderr}`)))
        }
        const deadline = setTimeout(
          () =>
            finish(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${stdout}\n${stderr}`))),
          timeoutMs,
        )
        const finish = (settle: () => void) => {
          clearTimeout(deadline)
          waiters.delete(check)
          settle()
        }
        waiters.add(check)
        check()
      })
    },
  }
}

/**
 * This process's environment without what pnpm set for the test run (`INIT_CWD`, `npm_*`): a reader's
 * shell has none of it, and a pnpm started by a command would take `INIT_CWD` as where it was typed.
 */
function shellEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => name !== 'INIT_CWD' && !name.startsWith('npm_')),
  )
}

/** Runs `command` to completion (see {@link startCommand}) and returns its exit code and output. */
export async function runCommand(
  command: string,
  options: CommandOptions = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const running = startCommand(command, options)
  const { code } = await running.exited
  return { code, stdout: running.stdout, stderr: running.stderr }
}
