import { describe, expect, it } from 'vitest'
import { createApiKeyVerifier } from './api-keys.js'

const keyA = 'alpha-key-0123456789'
const keyB = 'bravo-key-0123456789'

describe('createApiKeyVerifier', () => {
  it('is not required without keys and then lets nothing match', () => {
    const verifier = createApiKeyVerifier([])
    expect(verifier.required).toBe(false)
    expect(verifier.verify(keyA)).toBeUndefined()
  })

  it('names the matching key by position, never by value', () => {
    const verifier = createApiKeyVerifier([keyA, keyB])
    expect(verifier.required).toBe(true)
    expect(verifier.verify(keyA)).toBe('key-0')
    expect(verifier.verify(keyB)).toBe('key-1')
  })

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['a prefix', keyA.slice(0, -1)],
    ['longer', `${keyA}x`],
    ['another case', keyA.toUpperCase()],
  ])('rejects a %s key', (_, presented) => {
    expect(createApiKeyVerifier([keyA]).verify(presented)).toBeUndefined()
  })
})
