import { describe, expect, it } from 'vitest'
import { isDuplicateSubmission, isWriteMethod, rawTransactionHash } from './write-methods.js'

describe('write methods', () => {
  it('knows which methods submit transactions', () => {
    expect(isWriteMethod('eth_sendRawTransaction')).toBe(true)
    expect(isWriteMethod('eth_call')).toBe(false)
  })

  it.each([
    ['already known', true],
    ['Known transaction: 0xabc', true],
    ['nonce too low: next nonce 5, tx nonce 4', true],
    ['insufficient funds for gas * price + value', false],
  ])('treats "%s" as duplicate submission: %s', (message, expected) => {
    expect(isDuplicateSubmission(message)).toBe(expected)
  })

  it('hashes a raw transaction with keccak-256', () => {
    // keccak256 of the empty input is the well-known constant.
    expect(rawTransactionHash('0x')).toBe(
      '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470',
    )
  })
})
