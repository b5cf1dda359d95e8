import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { DevnetManifest } from '@chainpulse/devnet'
import { isProcessAlive, waitFor } from '@chainpulse/devnet/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const mainPath = fileURLToPath(new URL('./main.ts', import.meta.url))
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href

async function json<T>(response: Response): Promise<T> {
  if (!response.ok) throw new Error(`${response.status} ${await response.text()}`)
  return (await response.json()) as T
}

// The real bin, as `pnpm demo` runs it: SIGTERM must let an in-flight request finish, stop every anvil
// node and write the benchmark snapshot, and a corrupt snapshot must not stop it from starting.
describe('chainpulse demo process', { timeout: 45_000 }, () => {
  let dir: string
  let child: ChildProcess | undefined
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chainpulse-cli-'))
  })
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL')
    await rm(dir, { recursive: true, force: true })
  })

  it('starts over a corrupt snapshot, then shuts down gracefully on SIGTERM', async () => {
    const snapshot = join(dir, 'benchmarks.json')
    await writeFile(snapshot, '{"version": 1, "cha')
    const started = spawn(
      process.execPath,
      // No ambient traffic: its requests to ethereum-alpha would satisfy the wait for the pinned request
      // below before that request reached the provider.
      [
        '--conditions=source',
        '--import',
        tsxLoader,
        mainPath,
        'demo',
        '--port',
        '0',
        '--snapshot',
        snapshot,
        '--no-ambient',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, INIT_CWD: dir } },
    )
    child = started
    const exited = new Promise<number | null>((resolve) => started.once('exit', (code) => resolve(code)))
    let stdout = ''
    let stderr = ''
    started.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk
    })
    started.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk
    })
    // The banner goes to stderr; stdout carries only the server's JSON log lines.
    await waitFor(() => stderr.includes('Ctrl-C to stop.') || started.exitCode !== null, {
      timeoutMs: 30_000,
      what: 'the demo banner',
    })
    expect(stderr).toMatch(/Benchmarks {6}.*unreadable: not valid JSON; moved to .*\.corrupt/)
    expect(stderr).toMatch(/Ambient traffic off \(--no-ambient/)
    const rpcUrl = /(http:\/\/127\.0\.0\.1:\d+)\/rpc\/ethereum/.exec(stderr)![1]!
    const control = /Devnet control {2}(\S+)/.exec(stderr)![1]!
    const manifest = await json<DevnetManifest>(await fetch(`${control}/manifest`))
    const anvilPids = manifest.chains.map((chain) => chain.nodePid)
    expect(anvilPids.every(isProcessAlive)).toBe(true)

    // A slow provider and a request pinned to it: in flight when the signal arrives.
    await json(
      await fetch(`${control}/providers/ethereum-alpha`, {
        method: 'PATCH',
        body: JSON.stringify({ latencyMs: 1_500, jitterMs: 0, errorRate: 0, hangRate: 0 }),
      }),
    )
    const stats = async () =>
      (await json<{ stats: { requests: number } }>(await fetch(`${control}/providers/ethereum-alpha`))).stats
    const before = (await stats()).requests
    const inFlight = fetch(`${rpcUrl}/rpc/provider/ethereum-alpha/ethereum`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'eth_blockNumber' }),
    })
    await waitFor(async () => (await stats()).requests > before, { what: 'the request at the provider' })
    started.kill('SIGTERM')

    const response = await inFlight
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ id: 7, result: expect.stringMatching(/^0x/) })
    expect(await exited).toBe(0)
    expect(stderr).toContain('SIGTERM: shutting down')
    for (const line of stdout.split('\n').filter(Boolean)) expect(() => JSON.parse(line), line).not.toThrow()
    expect(anvilPids.some(isProcessAlive)).toBe(false)
    const written = JSON.parse(await readFile(snapshot, 'utf8'))
    expect(written).toMatchObject({ version: 1 })
  })
})
