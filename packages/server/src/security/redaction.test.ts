import { describe, expect, it } from 'vitest'
import { createRedactor, urlSecrets } from './redaction.js'

const key = '0123456789abcdef0123456789abcdef'

describe('createRedactor', () => {
  it('masks key-like path segments, user info and secret query values of URLs in text', () => {
    const redact = createRedactor()
    const line = `{"msg":"fetch https://user:hunter2pass@mainnet.infura.io/v3/${key}?apikey=s3cr3tvalue failed"}`
    const out = redact(line)
    for (const secret of [key, 'hunter2pass', 's3cr3tvalue']) expect(out).not.toContain(secret)
    expect(out).toContain('mainnet.infura.io/v3/***')
  })

  it('masks ws URLs and the key segment of /rpc/key/ paths', () => {
    const redact = createRedactor()
    expect(redact(`wss://eth.example/ws/${key}`)).toBe('wss://eth.example/ws/***')
    expect(redact('POST /rpc/key/short-key/ethereum')).toBe('POST /rpc/key/***/ethereum')
  })

  it('masks listed secrets wherever they appear, longest first', () => {
    const redact = createRedactor({ secrets: ['abcdefgh', 'abcdefgh-longer'] })
    expect(redact('invalid key abcdefgh-longer and abcdefgh')).toBe('invalid key *** and ***')
  })

  it('ignores secrets too short to mask safely', () => {
    expect(createRedactor({ secrets: ['abc'] })('abc')).toBe('abc')
  })

  it('leaves text without secrets unchanged', () => {
    const text = '{"level":30,"msg":"request completed","url":"/rpc/ethereum"}'
    expect(createRedactor({ secrets: ['zzzzzzzz'] })(text)).toBe(text)
  })
})

describe('urlSecrets', () => {
  it('returns the parts of a provider URL that redaction masks', () => {
    expect(
      urlSecrets(`https://user:hunter2pass@eth.example.com/v3/${key}?apikey=s3cr3tvalue&chain=1`).sort(),
    ).toEqual([key, 'hunter2pass', 's3cr3tvalue', 'user'].sort())
  })

  it('finds nothing in a URL without credentials', () => {
    expect(urlSecrets('http://127.0.0.1:8545/')).toEqual([])
  })
})
