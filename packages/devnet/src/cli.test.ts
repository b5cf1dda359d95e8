import { spawn } from 'node:child_process'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import type { DevnetManifest } from './manifest.js'
import { hexToNumber, rpcCall } from './rpc/json-rpc.js'
import { isProcessAlive } from './testing/process-alive.js'
import { waitFor } from './testing/wait-for.js'

const packageDir = fileURLToPath(new URL('..', import.meta.url))
const children: ReturnType<typeof spawn>[] = []

afterAll(() => {
  for (const child of children) child.kill('SIGKILL')
})

describe('chainpulse-devnet CLI', () => {
  it('starts 3 chains × 4 providers, writes the manifest and stops cleanly on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'devnet-cli-'))
    const manifestPath = join(dir, 'manifest.json')
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', 'src/cli.ts', '--manifest', manifestPath],
      {
        cwd: packageDir,
        env: { ...process.env, INIT_CWD: dir },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    children.push(child)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))

    await waitFor(() => stderr.includes('Ready.'), {
      timeoutMs: 15_000,
      what: `the devnet to start (stderr: ${stderr})`,
    })
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as DevnetManifest
    expect(JSON.parse(stdout)).toEqual(manifest)
    expect(manifest.chains.map((chain) => chain.chainId)).toEqual([1, 137, 42161])
    expect(manifest.providers).toHaveLength(12)
    for (const chain of manifest.chains) {
      expect(
        manifest.providers.filter((provider) => provider.chain === chain.name).length,
      ).toBeGreaterThanOrEqual(3)
    }
    const leader = manifest.providers.find((provider) => provider.id === 'arbitrum-alpha')
    expect(hexToNumber(await rpcCall(leader?.httpUrl ?? '', 'eth_chainId'))).toBe(42161)

    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    for (const chain of manifest.chains) expect(isProcessAlive(chain.nodePid)).toBe(false)
  })
})
