import { type ChildProcess, spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { connect as connectTcp, createServer } from 'node:net'

/** Options of {@link startRedisServer}. */
export interface StartRedisServerOptions {
  /** The redis-server executable. @default process.env.REDIS_SERVER ?? "redis-server" (on PATH) */
  command?: string
  /** Longest wait for the server to answer PING, at each start. @default 10_000 */
  startTimeoutMs?: number
  /** Extra redis-server arguments, e.g. `["--maxmemory", "10mb"]`. @default [] */
  args?: string[]
}

/** A redis-server process on a loopback port, started by {@link startRedisServer}. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string
  readonly port: number
  /** Whether the process is running (paused counts as running). */
  readonly running: boolean
  /** Stops the server with SIGTERM (SIGKILL if it lingers) and waits for it to exit. */
  stop(): Promise<void>
  /** Kills the server with SIGKILL, as a crash would, and waits for it to exit. */
  kill(): Promise<void>
  /** Starts the server again on the same port (stopping it first if it runs), so clients can reconnect. */
  restart(): Promise<void>
  /**
   * Freezes the process (SIGSTOP): connections stay open and nothing answers, as with a hung server.
   * Resolves once the process is stopped (on Linux; elsewhere once the signal is sent).
   */
  pause(): Promise<void>
  /** Lets a paused server run again (SIGCONT). */
  resume(): void
}

// Every server this process started, killed when it exits however a test run ends.
const running = new Set<ChildProcess>()
let killOnExit = false
function track(child: ChildProcess): void {
  if (!killOnExit) {
    killOnExit = true
    process.once('exit', () => {
      for (const server of running) server.kill('SIGKILL')
    })
  }
  running.add(child)
  child.once('exit', () => running.delete(child))
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port)
        else reject(new Error('no port assigned'))
      })
    })
  })
}

/** Whether something on `port` answers PING with PONG within `timeoutMs`. */
function answersPing(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp({ host: '127.0.0.1', port })
    let reply = ''
    const done = (ok: boolean) => {
      clearTimeout(timer)
      socket.destroy()
      resolve(ok)
    }
    const timer = setTimeout(() => done(false), timeoutMs)
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.on('data', (chunk) => {
      reply += chunk.toString()
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'))
    })
    socket.once('error', () => done(false))
  })
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

/**
 * Resolves once the kernel reports `child` stopped, so a command sent next cannot slip in before the
 * SIGSTOP takes hold. Reads /proc (Linux); where there is none, resolves at once.
 */
async function stopped(child: ChildProcess): Promise<void> {
  const deadline = performance.now() + 2_000
  while (performance.now() < deadline) {
    let stat: string
    try {
      stat = await readFile(`/proc/${child.pid}/stat`, 'utf8')
    } catch {
      return
    }
    // The state follows the parenthesised command name: `<pid> (redis-server) T ...`.
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('T')) return
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/**
 * Starts a real `redis-server` on a free loopback port, without persistence (`--save ""
 * --appendonly no`), and resolves once it answers PING. For tests: every server is killed when the
 * process exits, but stop each one when done with it.
 *
 * @throws {Error} when redis-server is not installed, exits early, or does not answer in time.
 * @example
 * const redis = await startRedisServer()
 * const adapter = createRedisPubSubAdapter({ redis: redis.url, instanceId: 'a' })
 * await redis.kill() // Redis crashes
 * await redis.restart() // and comes back on the same port
 * await redis.stop()
 */
export async function startRedisServer(options: StartRedisServerOptions = {}): Promise<RedisServer> {
  const command = options.command ?? process.env.REDIS_SERVER ?? 'redis-server'
  const startTimeoutMs = options.startTimeoutMs ?? 10_000
  const extraArgs = options.args ?? []

  async function launch(port: number): Promise<ChildProcess> {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']
    const child = spawn(command, [...args, ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] })
    track(child)
    let output = ''
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-2_000)
    }
    child.stdout?.on('data', keep)
    child.stderr?.on('data', keep)
    let spawnError: NodeJS.ErrnoException | undefined
    child.once('error', (error: NodeJS.ErrnoException) => {
      spawnError = error
    })

    const deadline = performance.now() + startTimeoutMs
    for (;;) {
      if (spawnError?.code === 'ENOENT')
        throw new Error(
          `redis-server not found ("${command}"): install it (e.g. apt-get install redis-server) or set REDIS_SERVER to its path`,
        )
      if (spawnError) throw new Error(`redis-server could not be started: ${spawnError.message}`)
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`redis-server exited before it was ready (port ${port}): ${output.trim()}`)
      if (await answersPing(port, 500)) return child
      if (performance.now() > deadline) {
        child.kill('SIGKILL')
        await exited(child)
        throw new Error(`redis-server did not answer PING within ${startTimeoutMs} ms: ${output.trim()}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  }

  async function end(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return
    // A stopped process does not act on SIGTERM until it runs again.
    child.kill('SIGCONT')
    child.kill(signal)
    const lingering = setTimeout(() => child.kill('SIGKILL'), 5_000)
    await exited(child)
    clearTimeout(lingering)
  }

  // Another process may take the free port between the check and redis-server's bind: try a few.
  let port = 0
  let child: ChildProcess | undefined
  for (let attempt = 1; child === undefined; attempt++) {
    port = await freePort()
    try {
      child = await launch(port)
    } catch (error) {
      if (attempt >= 3 || !(error instanceof Error) || !error.message.includes('exited before')) throw error
    }
  }

  let current: ChildProcess = child
  const isRunning = () => current.exitCode === null && current.signalCode === null
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get running() {
      return isRunning()
    },
    stop: () => end(current, 'SIGTERM'),
    kill: () => end(current, 'SIGKILL'),
    async restart() {
      await end(current, 'SIGTERM')
      current = await launch(port)
    },
    async pause() {
      if (!isRunning()) return
      current.kill('SIGSTOP')
      await stopped(current)
    },
    resume() {
      if (isRunning()) current.kill('SIGCONT')
    },
  }
}
