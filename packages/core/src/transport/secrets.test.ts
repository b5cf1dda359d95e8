import { describe, expect, it } from 'vitest'
import { createSecretScrubber, scrubCause, scrubRpcErrors } from './secrets.js'

describe('createSecretScrubber', () => {
  it('masks every secret part of the URL, raw or percent-encoded, wherever it appears', () => {
    const scrub = createSecretScrubber(
      'https://ops:p%40ssword@rpc.example/v2/AbCdEfGhIjKlMnOpQrStUv?apikey=k%2Fey-1&chain=1',
    )
    expect(
      scrub('key AbCdEfGhIjKlMnOpQrStUv, pass p@ssword, api k/ey-1 or k%2Fey-1, chain 1, user ops'),
    ).toBe('key ***, pass ***, api *** or ***, chain 1, user ops')
  })

  it('cuts every URL in the text to its origin', () => {
    const scrub = createSecretScrubber('https://rpc.example/v3/SECRETKEY123abc')
    expect(scrub('POST https://rpc.example/v3/SECRETKEY123abc failed; see https://docs.example/e/1')).toBe(
      'POST https://rpc.example/*** failed; see https://docs.example/***',
    )
  })

  it('masks keys of any shape: short, dotted, in any query parameter or the fragment', () => {
    const scrub = createSecretScrubber(
      'https://rpc.example/rpc/Qk8v2Lmz/pqr.stu.vwx9?x-api-key=XAK-7f3e&access_key=acc3ss77&foo=f00bar9#frag-s3cret',
    )
    expect(scrub('Qk8v2Lmz pqr.stu.vwx9 XAK-7f3e acc3ss77 f00bar9 frag-s3cret rpc')).toBe(
      '*** *** *** *** *** *** rpc',
    )
  })

  it('leaves text alone for a URL with nothing after its origin', () => {
    const scrub = createSecretScrubber('http://127.0.0.1:8545/')
    const text = 'connect ECONNREFUSED 127.0.0.1:8545 (http://127.0.0.1:8545/x)'
    expect(scrub(text)).toBe(text)
  })
})

describe('scrubRpcErrors', () => {
  const scrub = createSecretScrubber('https://rpc.example/v3/SECRETKEY123abc')

  it('returns a response whose error quotes no secret as is', () => {
    const response = {
      jsonrpc: '2.0',
      id: 1,
      error: { code: 3, message: 'execution reverted', data: '0x08c3' },
    }
    expect(scrubRpcErrors(response, scrub)).toBe(response)
  })

  it('scrubs every string of an error object, keeping codes and structure', () => {
    const response = {
      jsonrpc: '2.0',
      id: 1,
      error: { code: -32001, message: 'bad key SECRETKEY123abc', data: { list: ['SECRETKEY123abc', 7] } },
    }
    expect(scrubRpcErrors(response, scrub)).toEqual({
      jsonrpc: '2.0',
      id: 1,
      error: { code: -32001, message: 'bad key ***', data: { list: ['***', 7] } },
    })
    expect(response.error.message).toBe('bad key SECRETKEY123abc')
  })

  it('scrubs the errors of a batch and leaves its results alone', () => {
    const ok = { jsonrpc: '2.0', id: 1, result: 'SECRETKEY123abc' }
    const failed = { jsonrpc: '2.0', id: 2, error: { code: 1, message: 'SECRETKEY123abc' } }
    expect(scrubRpcErrors([ok, failed], scrub)).toEqual([
      ok,
      { ...failed, error: { code: 1, message: '***' } },
    ])
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
    expect(scrubbed.message).toBe('fetch failed: bad url https://rpc.example/***')
  })

  it('replaces an error that carries a secret in a property a logger would print', () => {
    const error = Object.assign(new Error('request failed'), {
      input: 'https://rpc.example/v3/0123456789abcdef0123',
    })
    const scrubbed = scrubCause(error, scrub) as Error
    expect(scrubbed).not.toBe(error)
    expect(JSON.stringify(scrubbed)).not.toContain('0123456789abcdef0123')
  })
})
