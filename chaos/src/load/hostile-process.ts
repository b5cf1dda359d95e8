import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { HostileKind, SlowWsReaderOutcome } from './hostile-clients.js'

/** What the hostile clients sent, and the statuses they got back, once they have stopped. */
export interface HostileReport {
  sent: Record<HostileKind, number>
  statuses: Record<string, Record<number, number>>
  slowWsReaders: SlowWsReaderOutcome[]
  /** CPU time (user + system) the hostile process used from the start of the attack to its report. */
  cpuMs: number
}

/** Hostile clients in a child process, loaded and waiting for `start()`. */
export interface HostileProcess {
  /** Starts the attack; it stops by itself after `durationMs`. */
  start(): void
  /** Stops them (closing the child's stdin) and resolves with their report. */
  stop(): Promise<HostileReport>
}

const fromSource = import.meta.url.endsWith('.ts')
const mainPath = fileURLToPath(
  new URL(fromSource ? './hostile-main.ts' : './hostile-main.js', import.meta.url),
)
const nodeArgs = fromSource
  ? [
      '--conditions=source',
      '--import',
      pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href,
      mainPath,
    ]
  : [mainPath]

/**
 * Starts the hostile clients of {@link startHostileClients} in their own process, as real hostile
 * clients are: their CPU (building huge batches, opening thousands of sockets) is not the server's, and
 * their sockets are not in the server's process. Resolves once the child has loaded (on a busy machine,
 * loading takes seconds, which must not eat into a short attack); `start()` starts the attack, which
 * stops by itself after `durationMs`.
 *
 * @throws {Error} when the child exits before it is ready
 * @example
 * const hostile = await spawnHostileClients({ url, durationMs: 5_000, idleSockets: 1_000 })
 * hostile.start()
 * const report = await hostile.stop()
 */
export async function spawnHostileClients(options: {
  url: string
  durationMs: number
  idleSockets: number
  /** Only these kinds run (see `HostileClientsOptions.kinds`). @default every kind */
  kinds?: readonly HostileKind[]
}): Promise<HostileProcess> {
  const child = spawn(process.execPath, [...nodeArgs, JSON.stringify(options)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const exited = new Promise<HostileReport>((resolve, reject) => {
    child.once('exit', (code) => {
      const line = output.trim().split('\n').at(-1)
      if (code === 0 && line) resolve(JSON.parse(line) as HostileReport)
      else reject(new Error(`hostile clients exited with code ${code}: ${output}`))
    })
  })
  await new Promise<void>((resolve, reject) => {
    const onData = () => {
      if (!output.startsWith('ready\n')) return
      child.stdout!.off('data', onData)
      resolve()
    }
    child.stdout!.on('data', onData)
    exited.catch(reject)
  })
  return {
    start() {
      child.stdin!.write('go\n')
    },
    stop() {
      child.stdin!.end()
      return exited
    },
  }
}
