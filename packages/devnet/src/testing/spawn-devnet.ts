import { type ChildProcess, spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { DevnetManifest } from '../manifest.js'
import type { PersonalityPatch } from '../provider/personality.js'

/** A devnet running in its own process, driven through its control API. */
export interface DevnetProcess {
  readonly manifest: DevnetManifest
  /** Applies a personality patch to a provider. */
  set(providerId: string, patch: PersonalityPatch): Promise<void>
  kill(providerId: string): Promise<void>
  revive(providerId: string): Promise<void>
  dropConnections(providerId: string): Promise<void>
  /** Mines `blocks` blocks on a manually mined chain. */
  mine(chain: string, blocks?: number): Promise<void>
  /** Sends SIGTERM and waits for the process (and so its anvil nodes) to exit. */
  stop(): Promise<void>
}

/**
 * Run from source (tests, tsx) the CLI is TypeScript and needs tsx's loader, and resolves workspace
 * packages (`@chainpulse/core`) to their source too; from dist it is plain JS.
 */
const fromSource = import.meta.url.endsWith('.ts')
const cliPath = fileURLToPath(new URL(fromSource ? '../cli.ts' : '../cli.js', import.meta.url))
const nodeArgs = fromSource
  ? [
      '--conditions=source',
      '--import',
      pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href,
      cliPath,
    ]
  : [cliPath]

/**
 * Starts the devnet CLI in a child process. Use it where timing matters: a devnet in the test's own
 * process shares its event loop, so the code under test would delay the simulated providers' timers
 * (and the other way round), blurring sub-millisecond measurements such as race margins.
 *
 * @example
 * const devnet = await spawnDevnet(['--chains', 'ethereum', '--providers', '3', '--no-traffic'])
 * await devnet.set('ethereum-bravo', { wsDelayMs: 20 })
 * await devnet.stop()
 */
export async function spawnDevnet(
  args: readonly string[],
  { timeoutMs = 20_000 } = {},
): Promise<DevnetProcess> {
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  const manifest = await new Promise<DevnetManifest>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM')
      reject(new Error(`devnet did not start within ${timeoutMs} ms: ${stderr}`))
    }, timeoutMs)
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      if (stderr.includes('Ready.')) {
        clearTimeout(timer)
        resolve(JSON.parse(stdout) as DevnetManifest)
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`devnet exited with code ${code}: ${stderr}`))
    })
  })

  const control = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${manifest.controlUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    if (!response.ok)
      throw new Error(`devnet control ${method} ${path}: ${response.status} ${await response.text()}`)
  }

  return {
    manifest,
    set: (id, patch) => control('PATCH', `/providers/${id}`, patch),
    kill: (id) => control('POST', `/providers/${id}/kill`),
    revive: (id) => control('POST', `/providers/${id}/revive`),
    dropConnections: (id) => control('POST', `/providers/${id}/drop`),
    mine: (chain, blocks = 1) => control('POST', `/chains/${chain}/mine`, { blocks }),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM')
      await exited
    },
  }
}
