import { keccak_256 } from '@noble/hashes/sha3'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { keccak256 } from './keccak256.js'

const hex = (bytes: Uint8Array) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
const utf8 = (text: string) => new TextEncoder().encode(text)

describe('keccak256', () => {
  it.each([
    ['', 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'],
    ['abc', '4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45'],
    [
      'The quick brown fox jumps over the lazy dog',
      '4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15',
    ],
  ])('hashes %j as the published vector', (text, digest) => {
    expect(hex(keccak256(utf8(text)))).toBe(digest)
  })

  it('agrees with @noble/hashes on any input, every padding boundary included', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), (bytes) => {
        expect(hex(keccak256(bytes))).toBe(hex(keccak_256(bytes)))
      }),
      { numRuns: 200 },
    )
    for (const length of [135, 136, 137, 271, 272, 273])
      expect(hex(keccak256(new Uint8Array(length).fill(0xab)))).toBe(
        hex(keccak_256(new Uint8Array(length).fill(0xab))),
      )
  })
})
