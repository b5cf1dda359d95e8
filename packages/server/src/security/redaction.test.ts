import { describe, expect, it } from 'vitest'
import { createRedactor, urlSecrets } from './redaction.js'

const key = '0123456789abcdef0123456789abcdef'

describe('createRedactor', () => {
  it('cuts every URL in a text to its origin, whatever follows it', () => {
    const redact = createRedactor()
    const line = `{"msg":"fetch https://user:hunter2pass@mainnet.infura.io/v3/${key}?apikey=s3cr3tvalue failed"}`
    expect(redact(line)).toBe('{"msg":"fetch https://mainnet.infura.io/*** failed"}')
    expect(redact('calling https://rpc.example/v3/SECRETKEY123abc.')).toBe('calling https://rpc.example/***.')
  })

  it('masks ws URLs and the key segment of /rpc/key/ paths', () => {
    const redact = createRedactor()
    expect(redact(`wss://eth.example/ws/${key}`)).toBe('wss://eth.example/***')
    expect(redact('POST /rpc/key/short-key/ethereum')).toBe('POST /rpc/key/***/ethereum')
  })

  it('leaves a URL with nothing after its origin as it is', () => {
    const text = 'Server listening at http://127.0.0.1:4000'
    expect(createRedactor()(text)).toBe(text)
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

  it("masks a provider URL's secret parts where an upstream echoes them without the URL", () => {
    const url =
      'https://rpcuser:Pa55-w0rd@rpc.example/v3/Qk8v2Lmz/pqr.stu.vwx9?x-api-key=XAK-7f3e&access_key=acc3ss77&foo=f00bar9'
    const redact = createRedactor({ secrets: urlSecrets(url) })
    const echoed = '{"error":"key Qk8v2Lmz (pqr.stu.vwx9) XAK-7f3e acc3ss77 f00bar9 for rpcuser:Pa55-w0rd"}'
    expect(redact(echoed)).toBe('{"error":"key *** (***) *** *** *** for ***"}')
  })

  it('keeps well-known path words and numbers readable', () => {
    const redact = createRedactor({
      secrets: urlSecrets('https://rpc.example/v3/mainnet/SECRETKEY123abc?chainId=137'),
    })
    const text = '{"chain":"ethereum","chainId":137,"path":"/rpc/v3/mainnet","key":"SECRETKEY123abc"}'
    expect(redact(text)).toBe('{"chain":"ethereum","chainId":137,"path":"/rpc/v3/mainnet","key":"***"}')
  })
})

describe('urlSecrets', () => {
  it('returns every part after the origin that could be a key, and the strings that hold them', () => {
    expect(
      urlSecrets(`https://user:hunter2pass@eth.example.com/v3/${key}?apikey=s3cr3tvalue&chain=1`).sort(),
    ).toEqual(
      [
        key,
        'hunter2pass',
        's3cr3tvalue',
        'user:hunter2pass',
        `/v3/${key}`,
        `/v3/${key}?apikey=s3cr3tvalue&chain=1`,
        'apikey=s3cr3tvalue&chain=1',
      ].sort(),
    )
  })

  it('finds nothing in a URL without anything after its origin', () => {
    expect(urlSecrets('http://127.0.0.1:8545/')).toEqual([])
  })
})
