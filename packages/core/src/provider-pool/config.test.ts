import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors/errors.js'
import { parseProviderPoolConfig } from './config.js'

const secret = '0123456789abcdef0123456789abcdef'
const valid = {
  chains: [{ name: 'ethereum', chainId: 1 }],
  providers: [{ id: 'infura', chain: 'ethereum', httpUrl: `https://mainnet.infura.io/v3/${secret}` }],
}

function issuesOf(input: unknown): string[] {
  try {
    parseProviderPoolConfig(input)
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`)
    throw error
  }
  return []
}

describe('parseProviderPoolConfig', () => {
  it('applies defaults to a valid config', () => {
    const config = parseProviderPoolConfig(valid)
    expect(config.providers[0]).toMatchObject({ priority: 0, defaultCost: 1 })
  })

  it('names the path of a provider on an unknown chain', () => {
    const issues = issuesOf({
      ...valid,
      providers: [{ id: 'a', chain: 'solana', httpUrl: 'http://127.0.0.1:1' }],
    })
    expect(issues).toEqual(['providers.0.chain: unknown chain "solana" (known: ethereum)'])
  })

  it('rejects a provider with no URL, duplicate ids and duplicate chains', () => {
    const issues = issuesOf({
      chains: [
        { name: 'ethereum', chainId: 1 },
        { name: 'ethereum', chainId: 1 },
      ],
      providers: [
        { id: 'a', chain: 'ethereum' },
        { id: 'a', chain: 'ethereum', wsUrl: 'ws://127.0.0.1:1' },
      ],
    })
    expect(issues).toContain('chains.1.name: duplicate chain name "ethereum"')
    expect(issues).toContain('chains.1.chainId: duplicate chain id 1')
    expect(issues).toContain('providers.0.httpUrl: a provider needs an httpUrl, a wsUrl or both')
    expect(issues).toContain('providers.1.id: duplicate provider id "a"')
  })

  it('never echoes an API key from a bad URL', () => {
    const error = (() => {
      try {
        parseProviderPoolConfig({
          ...valid,
          providers: [{ id: 'a', chain: 'ethereum', httpUrl: `ftp://x/${secret}` }],
        })
      } catch (caught) {
        return caught as ConfigError
      }
    })()
    expect(error?.message).toContain('providers.0.httpUrl')
    expect(error?.message).not.toContain(secret)
  })
})
