// biome-ignore-all lint/suspicious/noTemplateCurlyInString: config files reference environment variables as ${NAME}
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Devnet, startDevnet } from '@chainpulse/devnet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from './run-cli.js'

function io(env: Record<string, string | undefined>, cwd: string) {
  const out = { stdout: '', stderr: '' }
  return {
    out,
    io: {
      stdout: { write: (text: string) => (out.stdout += text) },
      stderr: { write: (text: string) => (out.stderr += text) },
      env,
      cwd,
    },
  }
}

describe('runCli', () => {
  it('answers a usage error with exit code 2 and a hint', async () => {
    const { out, io: cliIo } = io({}, '/')
    expect(await runCli(['demo', '--port', 'eighty'], cliIo)).toEqual({ exitCode: 2 })
    expect(out.stderr).toContain('--port: expected a non-negative integer, got "eighty"')
    expect(out.stderr).toContain('chainpulse --help')
  })

  it('prints the package version for --version', async () => {
    const { out, io: cliIo } = io({}, '/')
    const manifest = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'))
    expect(await runCli(['--version'], cliIo)).toEqual({ exitCode: 0 })
    expect(out.stdout).toBe(`${manifest.version}\n`)
  })

  it('reports an invalid config file for serve with exit code 1', async () => {
    const { out, io: cliIo } = io({}, '/')
    expect(await runCli(['serve', '--config', '/nonexistent/chainpulse.yaml'], cliIo)).toEqual({
      exitCode: 1,
    })
    expect(out.stderr).toContain('(root): file not found')
  })
})

describe('chainpulse serve', { timeout: 30_000 }, () => {
  let devnet: Devnet
  let dir: string
  beforeAll(async () => {
    devnet = await startDevnet({
      chains: [{ name: 'ethereum', blockTimeMs: 'manual', providers: Array(2).fill({ preset: 'neutral' }) }],
    })
    dir = await mkdtemp(join(tmpdir(), 'chainpulse-serve-'))
  }, 20_000)
  afterAll(async () => {
    await devnet?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('proxies the configured providers, requires the configured key and never prints it', async () => {
    const [alpha, bravo] = devnet.manifest.providers
    const clientKey = 'client-key-from-the-environment-0123'
    await writeFile(
      join(dir, 'chainpulse.yaml'),
      [
        'server:',
        '  logLevel: silent',
        '  auth:',
        '    apiKeys:',
        '      - ${CLIENT_KEY}',
        'pool:',
        '  chains: [{ name: ethereum, chainId: 1 }]',
        '  providers:',
        `    - { id: alpha, chain: ethereum, httpUrl: "${alpha!.httpUrl}", wsUrl: "${alpha!.wsUrl}" }`,
        `    - { id: bravo, chain: ethereum, httpUrl: "${bravo!.httpUrl}" }`,
        'listen: { port: 4999 }',
        'persistence: { path: state/benchmarks.json }',
      ].join('\n'),
    )
    const { out, io: cliIo } = io({ CLIENT_KEY: clientKey }, dir)
    const outcome = await runCli(['serve', '--config', 'chainpulse.yaml', '--port', '0'], cliIo)
    if (!('running' in outcome)) throw new Error(`serve failed: ${out.stderr}`)
    const { running } = outcome
    try {
      expect(running.url).not.toContain(':4999')
      expect(out.stderr).toContain(`${running.url}/rpc/ethereum`)
      const call = (headers: Record<string, string>) =>
        fetch(`${running.url}/rpc/ethereum`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId' }),
        })
      expect((await call({})).status).toBe(401)
      const answered = await call({ 'x-api-key': clientKey })
      expect(await answered.json()).toEqual({ jsonrpc: '2.0', id: 1, result: '0x1' })
    } finally {
      await running.close()
    }
    const saved = JSON.parse(await readFile(join(dir, 'state/benchmarks.json'), 'utf8'))
    expect(saved.chains.map((chain: { chain: string }) => chain.chain)).toEqual(['ethereum'])
    expect(out.stdout + out.stderr).not.toContain(clientKey)
  })
})
