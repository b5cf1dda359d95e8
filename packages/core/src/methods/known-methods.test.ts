import { describe, expect, it } from 'vitest'
import { BLOCK_PARAMETER_INDEX } from './block-parameter.js'
import { isKnownMethod, KNOWN_METHODS } from './known-methods.js'

describe('KNOWN_METHODS', () => {
  it('lists each method once, every one shaped namespace_name', () => {
    expect(new Set(KNOWN_METHODS).size).toBe(KNOWN_METHODS.length)
    for (const method of KNOWN_METHODS) expect(method).toMatch(/^[a-z0-9]+_[A-Za-z0-9]+$/)
  })

  it('cannot be changed at run time', () => {
    expect(Object.isFrozen(KNOWN_METHODS)).toBe(true)
    expect(() => (KNOWN_METHODS as string[]).push('eth_nope')).toThrow(TypeError)
    expect(isKnownMethod('eth_nope')).toBe(false)
  })

  it('knows every method the block-parameter table knows', () => {
    for (const method of Object.keys(BLOCK_PARAMETER_INDEX)) expect(isKnownMethod(method), method).toBe(true)
  })

  it('leaves out node administration, key management and the engine API', () => {
    for (const method of ['admin_peers', 'personal_sign', 'miner_start', 'engine_newPayloadV4'])
      expect(isKnownMethod(method), method).toBe(false)
  })
})

describe('isKnownMethod', () => {
  it.each([
    ['eth_gasPrice', true],
    ['eth_feeHistory', true],
    ['eth_blobBaseFee', true],
    ['eth_getBlockReceipts', true],
    ['eth_simulateV1', true],
    ['debug_traceTransaction', true],
    ['trace_block', true],
    ['eth_subscribe', true],
    ['eth_nope', false],
    ['ETH_GASPRICE', false],
    ['eth_gasprice', false],
    ['', false],
    ['__proto__', false],
    ['constructor', false],
  ])('%s → %s', (method, expected) => {
    expect(isKnownMethod(method)).toBe(expected)
  })
})
