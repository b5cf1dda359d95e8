import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseCli, summary } from './cli-args.js'
import { resolveDevnetOptions } from './devnet-options.js'

describe('parseCli', () => {
  it('gives the three default chains without flags', async () => {
    const { options, manifestPath, help } = await parseCli([], '/tmp')
    expect(options.chains).toEqual([{ name: 'ethereum' }, { name: 'polygon' }, { name: 'arbitrum' }])
    expect(manifestPath).toBeUndefined()
    expect(help).toBe(false)
  })

  it('applies flags to every chain', async () => {
    const { options, manifestPath } = await parseCli(
      [
        '--chains',
        'ethereum,polygon',
        '--providers',
        '3',
        '--block-time',
        'manual',
        '--seed',
        '9',
        '--no-traffic',
        '--manifest',
        'm.json',
      ],
      '/work',
    )
    expect(options.seed).toBe(9)
    expect(options.chains).toEqual([
      { name: 'ethereum', providers: 3, blockTimeMs: 'manual', traffic: false },
      { name: 'polygon', providers: 3, blockTimeMs: 'manual', traffic: false },
    ])
    expect(manifestPath).toBe('/work/m.json')
  })

  it('gives providers consecutive fixed ports from --base-port', async () => {
    const { options } = await parseCli(
      ['--chains', 'ethereum,polygon', '--providers', '2', '--base-port', '9100'],
      '/',
    )
    const resolved = resolveDevnetOptions(options)
    expect(resolved.chains.flatMap((chain) => chain.providers.map((provider) => provider.port))).toEqual([
      9100, 9101, 9102, 9103,
    ])
  })

  it('reads a JSON config file and lets flags override it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'devnet-cli-'))
    await writeFile(
      join(dir, 'devnet.json'),
      JSON.stringify({ seed: 'abc', chains: [{ name: 'gnosis', chainId: 100 }] }),
    )
    const { options } = await parseCli(['--config', 'devnet.json', '--control-port', '9000'], dir)
    expect(options).toEqual({ seed: 'abc', controlPort: 9000, chains: [{ name: 'gnosis', chainId: 100 }] })
  })

  it('rejects malformed values and unknown flags', async () => {
    await expect(parseCli(['--providers', 'many'], '/')).rejects.toThrow(/--providers/)
    await expect(parseCli(['--block-time', 'soon'], '/')).rejects.toThrow(/--block-time/)
    await expect(parseCli(['--bogus'], '/')).rejects.toThrow()
  })
})

describe('summary', () => {
  it('lists every provider under its chain', () => {
    const text = summary({
      version: 1,
      seed: 1,
      controlUrl: 'http://127.0.0.1:1',
      chains: [
        {
          name: 'ethereum',
          chainId: 1,
          nodeUrl: 'n',
          nodeWsUrl: 'w',
          nodePid: 1,
          blockTime: 800,
          emitterAddress: '0x',
        },
      ],
      providers: [
        {
          id: 'ethereum-alpha',
          chain: 'ethereum',
          chainId: 1,
          httpUrl: 'h',
          wsUrl: 'w',
          profile: 'leader',
          personality: resolveDevnetOptions().chains[0]?.providers[0]?.personality as never,
        },
      ],
    })
    expect(text).toMatch(/ethereum \(chain id 1, 800 ms blocks\)/)
    expect(text).toMatch(/ethereum-alpha .* leader/)
  })
})
