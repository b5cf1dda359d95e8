import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ChainPulseError } from './base-error.js'
import { errorCodes } from './codes.js'
import { CircuitOpenError, ConfigError } from './errors.js'

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
