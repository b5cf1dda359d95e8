import { describe, expect, it } from 'vitest'
import { createSecretScrubber, scrubCause } from './secrets.js'

describe('createSecretScrubber', () => {
  it('masks every credential of the URL, raw or percent-encoded, wherever it appears', () => {
    const scrub = createSecretScrubber(
      'https://ops:p%40ssword@rpc.example/v2/AbCdEfGhIjKlMnOpQrStUv?apikey=k%2Fey-1&chain=1',
    )
    expect(
      scrub('key AbCdEfGhIjKlMnOpQrStUv, pass p@ssword, api k/ey-1 or k%2Fey-1, chain 1, user ops'),
    ).toBe('key ***, pass ***, api *** or ***, chain 1, user ***')
  })

  it('leaves text alone for a URL without credentials', () => {
    const scrub = createSecretScrubber('http://127.0.0.1:8545/')
    expect(scrub('connect ECONNREFUSED 127.0.0.1:8545')).toBe('connect ECONNREFUSED 127.0.0.1:8545')
  })
})

describe('scrubCause', () => {
  const scrub = createSecretScrubber('https://rpc.example/v3/0123456789abcdef0123')

  it('keeps an error whose message chain holds no secret', () => {
    const error = new TypeError('fetch failed', { cause: new Error('ECONNRESET') })
    expect(scrubCause(error, scrub)).toBe(error)
  })

  it('replaces an error that quotes a secret anywhere in its chain, keeping name and code', () => {
    const error = new TypeError('fetch failed', {
      cause: Object.assign(new Error('bad url https://rpc.example/v3/0123456789abcdef0123'), {
        code: 'E_URL',
      }),
    })
    Object.assign(error, { code: 'E_FETCH' })
    const scrubbed = scrubCause(error, scrub) as Error & { code?: string }
    expect(scrubbed).not.toBe(error)
    expect(scrubbed.name).toBe('TypeError')
    expect(scrubbed.code).toBe('E_FETCH')
    expect(scrubbed.message).toBe('fetch failed: bad url https://rpc.example/v3/***')
  })
})
