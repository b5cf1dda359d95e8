import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { StartChainPulseOptions } from '@chainpulse/server'
import type { ResourceSample } from '../record/memory.js'

/** What the parent asks the sampled server's process. */
export type SampledServerRequest = { type: 'sample'; id: number } | { type: 'stop' }

/** What the sampled server's process tells the parent. */
export type SampledServerMessage =
  | { type: 'ready'; url: string }
  | { type: 'sample'; id: number; sample: ResourceSample; connections: number }

/** A server sample: the process's resources and the HTTP server's open connections. */
export interface ServerSample extends ResourceSample {
  /** Client connections open on the server (HTTP keep-alive and WebSocket). */
  connections: number
}

/** ChainPulse in its own process, sampled on request. */
export interface SampledServer {
  readonly pid: number
  /** Base URL, e.g. `http://127.0.0.1:4000`. */
  readonly url: string
  /** Samples the server's process (after a full collection there), stamped with `at`. */
  sample(at: number): Promise<ServerSample>
  /** Closes the server gracefully and resolves once its process has exited. */
  stop(): Promise<void>
}

const fromSource = import.meta.url.endsWith('.ts')
const mainPath = fileURLToPath(
  new URL(fromSource ? './sampled-server-main.ts' : './sampled-server-main.js', import.meta.url),
)
const nodeArgs = [
  '--expose-gc',
  ...(fromSource
    ? ['--conditions=source', '--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href]
    : []),
  mainPath,
]

/**
 * Starts ChainPulse (through `startChainPulse`, on 127.0.0.1, logging off) in a child process of its
 * own, so what is sampled there is the server alone: the load's clients and the suite's recordings, which
 * grow over a long run, live in this process.
 *
 * @throws {Error} when the process exits before it listens, or does not listen within 60 s
 * @example
 * const server = await spawnSampledServer({ pool, server: { rateLimit: false } })
 * const { heapUsedBytes } = await server.sample(0)
 * await server.stop()
 */
export async function spawnSampledServer(
  options: Pick<StartChainPulseOptions, 'pool' | 'server'>,
): Promise<SampledServer> {
  const child = spawn(process.execPath, [...nodeArgs, JSON.stringify(options)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const waiting = new Map<
    number,
    {
      resolve: (message: Extract<SampledServerMessage, { type: 'sample' }>) => void
      reject: (error: Error) => void
    }
  >()
  child.once('exit', (code, signal) => {
    for (const { reject } of waiting.values()) reject(new Error(`sampled server exited (${code ?? signal})`))
    waiting.clear()
  })
  let nextId = 0
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error('sampled server not listening within 60 s'))
    }, 60_000)
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`sampled server exited (${code ?? signal}) before it listened`))
    })
    child.on('message', (message: SampledServerMessage) => {
      if (message.type === 'ready') {
        clearTimeout(timer)
        resolve(message.url)
      } else {
        waiting.get(message.id)?.resolve(message)
        waiting.delete(message.id)
      }
    })
  })
  return {
    pid: child.pid!,
    url,
    sample(at) {
      const id = nextId++
      return new Promise<ServerSample>((resolve, reject) => {
        if (!child.connected) return reject(new Error('sampled server has exited'))
        waiting.set(id, {
          resolve: ({ sample, connections }) => resolve({ ...sample, at, connections }),
          reject,
        })
        child.send({ type: 'sample', id } satisfies SampledServerRequest)
      })
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
        if (child.connected) child.send({ type: 'stop' } satisfies SampledServerRequest)
        else child.kill('SIGTERM')
        await exited
        clearTimeout(timer)
      }
    },
  }
}
