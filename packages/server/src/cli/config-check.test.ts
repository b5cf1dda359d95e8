// biome-ignore-all lint/suspicious/noTemplateCurlyInString: config files reference environment variables as ${NAME}
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const mainPath = fileURLToPath(new URL('./main.ts', import.meta.url))
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url))
const example = join(repoRoot, 'examples/real-providers/chainpulse.yaml')

const INFURA_API_KEY = 'dummyInfuraKey0123456789abcdef'
const ALCHEMY_API_KEY = 'dummy-alchemy-key-42'

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs the real `chainpulse` entry point in a child process, as a user's shell would. */
function chainpulse(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=source', '--import', tsxLoader, mainPath, ...args],
      { cwd: repoRoot, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    )
  })
}

describe('chainpulse config check (subprocess)', { timeout: 30_000 }, () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chainpulse-check-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('accepts the real-providers example and never prints the keys', async () => {
    const run = await chainpulse(['config', 'check', example], { INFURA_API_KEY, ALCHEMY_API_KEY })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('ethereum (chain id 1): 2 providers')
    expect(run.stdout).toContain('https://mainnet.infura.io/v3/${INFURA_API_KEY}')
    expect(run.stdout).toContain('https://arb-mainnet.g.alchemy.com/v2/${ALCHEMY_API_KEY}')
    expect(run.stdout).toContain('environment variables used: ALCHEMY_API_KEY, INFURA_API_KEY')
    expect(run.stdout).toContain(
      'methods: all; denied by default eth_sign*, eth_sendTransaction, personal_*, admin_*, miner_*, engine_*, clique_*, debug_*, trace_*, anvil_*, evm_*, hardhat_*\n',
    )
    for (const key of [INFURA_API_KEY, ALCHEMY_API_KEY]) expect(run.stdout + run.stderr).not.toContain(key)
  })

  it('exits 1 naming the path and the variable when a key is missing, printing no other value', async () => {
    const run = await chainpulse(['config', 'check', example], { INFURA_API_KEY })
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toContain(
      'pool.providers.1 (id "ethereum-alchemy").httpUrl: environment variable ALCHEMY_API_KEY is not set',
    )
    expect(run.stderr).not.toContain('INFURA_API_KEY is not set')
    expect(run.stderr).not.toContain(INFURA_API_KEY)
  })

  it('exits 1 listing every invalid field by path', async () => {
    const file = join(dir, 'bad.json')
    await writeFile(
      file,
      JSON.stringify({
        pool: {
          chains: [{ name: 'ethereum', chainId: 1 }],
          providers: [
            { id: 'a', chain: 'ethereum', httpUrl: 'http://127.0.0.1:8545' },
            { id: 'b', chain: 'ethereum', httpUrl: 'http://127.0.0.1:8546' },
            { id: 'c', chain: 'ethereum', httpUrl: 'mainnet.example.com/${KEY}' },
          ],
        },
        listen: { port: 'eighty' },
      }),
    )
    const run = await chainpulse(['config', 'check', file], { KEY: 'secret-value-abcdef123' })
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/listen\.port: /)
    expect(run.stderr).toMatch(/pool\.providers\.2 \(id "c"\)\.httpUrl: expected an http\(s\) URL/)
    expect(run.stderr).not.toContain('secret-value-abcdef123')
  })

  it('never prints a key written literally in a URL, valid or not, whatever its shape', async () => {
    const literalKeys = ['SECRETKEY123abc', 'Qk8v2Lmz', 'acc3ss77', 'pqr.stu.vwx9', 'Pa55-w0rd']
    const config = (third: string) =>
      JSON.stringify({
        pool: {
          chains: [{ name: 'ethereum', chainId: 1 }],
          providers: [
            { id: 'a', chain: 'ethereum', httpUrl: 'https://rpc.example/v3/SECRETKEY123abc' },
            { id: 'b', chain: 'ethereum', httpUrl: 'https://rpc.example/${KEY}?access_key=acc3ss77' },
            {
              id: 'c',
              chain: 'ethereum',
              httpUrl: third,
              wsUrl: 'wss://ops:Pa55-w0rd@rpc.example/pqr.stu.vwx9',
            },
          ],
        },
      })
    await writeFile(join(dir, 'literal.json'), config('https://rpc.example/rpc/Qk8v2Lmz'))
    await writeFile(join(dir, 'literal-bad.json'), config('rpc.example/rpc/Qk8v2Lmz'))

    const good = await chainpulse(['config', 'check', join(dir, 'literal.json')], {
      KEY: 'env-key-0123456789',
    })
    const bad = await chainpulse(['config', 'check', join(dir, 'literal-bad.json')], {
      KEY: 'env-key-0123456789',
    })

    expect(good.code).toBe(0)
    expect(good.stdout).toContain('a: http https://rpc.example/***')
    expect(good.stdout).toContain('c: http https://rpc.example/***  ws wss://rpc.example/***')
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain(
      'pool.providers.2 (id "c").httpUrl: expected an http(s) URL, got "rpc.example/***"',
    )
    for (const key of [...literalKeys, 'env-key-0123456789'])
      expect(good.stdout + good.stderr + bad.stdout + bad.stderr).not.toContain(key)
  })

  it('exits 2 with a hint on a usage error, 0 with the usage on --help', async () => {
    const bad = await chainpulse(['config', 'check'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('config check needs a file')
    const help = await chainpulse(['--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('chainpulse demo')
  })
})
