import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ChainPulseError } from './base-error.js'
import { errorCodes } from './codes.js'
import { CircuitOpenError, ConfigError } from './errors.js'
import { redactUrl } from './redact.js'

describe('error codes registry', () => {
  const doc = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8')

  it.each(Object.keys(errorCodes))('documents %s in docs/errors.md', (code) => {
    const anchor = code.toLowerCase().replaceAll('_', '-')
    expect(doc).toContain(`## ${anchor}\n`)
    expect(doc).toContain(`\`${code}\``)
  })
})

describe('ChainPulseError', () => {
  it('carries code, short message, details, cause and a docs path', () => {
    const cause = new Error('boom')
    const error = new ChainPulseError('It failed.', { code: 'CIRCUIT_OPEN', details: 'more', cause })
    expect(error.code).toBe('CIRCUIT_OPEN')
    expect(error.shortMessage).toBe('It failed.')
    expect(error.cause).toBe(cause)
    expect(error.docsPath).toBe('docs/errors.md#circuit-open')
    expect(error.message).toContain('Details: more')
  })

  it('subclasses are instances of the base and keep their name', () => {
    const error = new CircuitOpenError({ retryAt: 1500, name: 'alpha' })
    expect(error).toBeInstanceOf(ChainPulseError)
    expect(error.name).toBe('CircuitOpenError')
    expect(error.retryAt).toBe(1500)
  })

  it('ConfigError names every bad path', () => {
    const error = new ConfigError('pool options', [
      { path: 'chains.0.id', message: 'expected number' },
      { path: '', message: 'missing' },
    ])
    expect(error.message).toContain('chains.0.id: expected number')
    expect(error.message).toContain('(root): missing')
  })
})

describe('redactUrl', () => {
  it.each([
    ['https://mainnet.infura.io/v3/0123456789abcdef0123456789abcdef', 'https://mainnet.infura.io/v3/***'],
    [
      'https://eth-mainnet.g.alchemy.com/v2/AbCdEfGhIjKlMnOpQrStUv',
      'https://eth-mainnet.g.alchemy.com/v2/***',
    ],
    ['wss://user:pass@node.example/ws', 'wss://***:***@node.example/ws'],
    ['https://rpc.example/?apikey=s3cr3t&chain=1', 'https://rpc.example/?apikey=***&chain=1'],
    ['http://127.0.0.1:8545/', 'http://127.0.0.1:8545/'],
  ])('redacts %s', (input, expected) => {
    expect(redactUrl(input)).toBe(expected)
  })

  it('masks key-like runs in strings that are not URLs', () => {
    expect(redactUrl('key 0123456789abcdef0123 here')).toBe('key *** here')
  })
})
