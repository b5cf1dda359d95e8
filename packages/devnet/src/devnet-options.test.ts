import { describe, expect, it } from 'vitest'
import { nextProviderIndex, resolveDevnetOptions, resolveProvider } from './devnet-options.js'
import { DevnetConfigError } from './errors.js'

describe('resolveDevnetOptions', () => {
  it('defaults to three chains with four distinct providers each', () => {
    const options = resolveDevnetOptions()
    expect(options.chains.map((chain) => [chain.name, chain.chainId])).toEqual([
      ['ethereum', 1],
      ['polygon', 137],
      ['arbitrum', 42161],
    ])
    const ethereum = options.chains[0]
    expect(ethereum?.providers.map((provider) => [provider.id, provider.profile])).toEqual([
      ['ethereum-alpha', 'leader'],
      ['ethereum-bravo', 'slow'],
      ['ethereum-charlie', 'flaky'],
      ['ethereum-delta', 'lagging'],
    ])
    for (const chain of options.chains) {
      expect(typeof chain.blockTime === 'number' && chain.blockTime < 1000).toBe(true)
      expect(chain.traffic).toEqual({ intervalMs: chain.blockTime })
    }
    expect(options.seed).toBe(1)
    expect(options.control).toBe(true)
  })

  it('turns traffic off by default for manual mining', () => {
    const [chain] = resolveDevnetOptions({ chains: [{ name: 'ethereum', blockTimeMs: 'manual' }] }).chains
    expect(chain?.traffic).toBe(false)
  })

  it('applies personality knobs on top of the preset', () => {
    const [chain] = resolveDevnetOptions({
      chains: [{ name: 'polygon', providers: [{ preset: 'slow', personality: { errorRate: 0.5 } }] }],
    }).chains
    expect(chain?.providers[0]?.personality).toMatchObject({ latencyMs: 140, errorRate: 0.5 })
  })

  it("leaves the node's hardfork and history to anvil unless asked, and accepts only hardforks anvil runs", () => {
    const [plain, long] = resolveDevnetOptions({
      chains: ['ethereum', { name: 'polygon', hardfork: 'cancun', pruneHistory: true }],
    }).chains
    expect([plain?.hardfork, plain?.pruneHistory]).toEqual([undefined, false])
    expect([long?.hardfork, long?.pruneHistory]).toEqual(['cancun', true])
    expect(() =>
      resolveDevnetOptions({ chains: [{ name: 'ethereum', hardfork: 'merge' as never }] }),
    ).toThrowError(DevnetConfigError)
  })

  it('needs a chain id for an unknown chain', () => {
    expect(() => resolveDevnetOptions({ chains: [{ name: 'gnosis' }] })).toThrowError(/chains\[0\]\.chainId/)
    expect(resolveDevnetOptions({ chains: [{ name: 'gnosis', chainId: 100 }] }).chains[0]?.chainId).toBe(100)
  })

  it('names the path of a bad nested knob', () => {
    try {
      resolveDevnetOptions({
        chains: ['ethereum', { name: 'polygon', providers: [{}, { personality: { lagBlocks: -1 } }] }],
      })
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(DevnetConfigError)
      expect((error as DevnetConfigError).path).toEqual([
        'chains',
        1,
        'providers',
        1,
        'personality',
        'lagBlocks',
      ])
      expect((error as Error).message).toMatch(
        /^devnet options: chains\[1\]\.providers\[1\]\.personality\.lagBlocks: /,
      )
    }
  })

  it('rejects duplicate provider ids and chain names', () => {
    expect(() =>
      resolveDevnetOptions({
        chains: [
          { name: 'ethereum', providers: [{ id: 'x' }] },
          { name: 'polygon', providers: [{ id: 'x' }] },
        ],
      }),
    ).toThrowError(/duplicate provider id "x"/)
    expect(() => resolveDevnetOptions({ chains: ['ethereum', 'ethereum'] })).toThrowError(/duplicate chain/)
  })

  it('rejects unknown options', () => {
    expect(() => resolveDevnetOptions({ chainz: [] } as never)).toThrowError(DevnetConfigError)
  })
})

describe('provider ids', () => {
  it('picks the next free NATO name', () => {
    expect(nextProviderIndex('ethereum', new Set(['ethereum-alpha', 'ethereum-bravo']))).toBe(2)
    expect(resolveProvider('ethereum', {}, 2, [], 'steady')).toMatchObject({
      id: 'ethereum-charlie',
      profile: 'steady',
    })
  })
})
