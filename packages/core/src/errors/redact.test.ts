import { describe, expect, it } from 'vitest'
import { redactUrl, redactUrlsInText, urlOrigin, urlSecrets } from './redact.js'

describe('redactUrl', () => {
  it.each([
    ['https://mainnet.infura.io/v3/0123456789abcdef0123456789abcdef', 'https://mainnet.infura.io/***'],
    ['https://mainnet.infura.io/v3/SECRETKEY123abc', 'https://mainnet.infura.io/***'],
    ['https://eth.example/rpc/abc.def.ghi', 'https://eth.example/***'],
    ['https://rpc.example/?x-api-key=k', 'https://rpc.example/***'],
    ['https://rpc.example?foo=bar', 'https://rpc.example/***'],
    ['wss://user:pass@node.example:8546/', 'wss://node.example:8546/***'],
    ['https://rpc.example/#fragment', 'https://rpc.example/***'],
    ['https://rpc.example/v3', 'https://rpc.example/***'],
    ['ftp://files.example/v3/0123', 'ftp://files.example/***'],
  ])('hides everything after the origin of %s', (input, expected) => {
    expect(redactUrl(input)).toBe(expected)
  })

  it.each(['http://127.0.0.1:8545/', 'http://127.0.0.1:8545', 'wss://node.example', 'ftp://example.com'])(
    'returns %s as given: nothing follows its origin',
    (url) => {
      expect(redactUrl(url)).toBe(url)
    },
  )

  it('is idempotent', () => {
    const once = redactUrl('https://u:p@mainnet.infura.io/v3/abc?x=1#y')
    expect(redactUrl(once)).toBe(once)
  })

  it('reads a string without a scheme or with a bad one as a URL when it has no whitespace', () => {
    expect(redactUrl('mainnet.example.com/SHORTKEY')).toBe('mainnet.example.com/***')
    expect(redactUrl('user:pass@mainnet.example.com')).toBe('mainnet.example.com/***')
    expect(redactUrl('http://[bad/v3/SHORTKEY')).toBe('http://[bad/***')
  })

  it('masks URLs and key-like runs in text that is not a URL', () => {
    expect(redactUrl('key 0123456789abcdef0123 here')).toBe('key *** here')
    expect(redactUrl('bad https://rpc.example/v3/short here')).toBe('bad https://rpc.example/*** here')
  })
})

describe('urlOrigin', () => {
  it.each([
    ['https://mainnet.infura.io/v3/SECRETKEY123abc', 'https://mainnet.infura.io'],
    ['wss://user:pass@node.example:8546/ws?k=v#f', 'wss://node.example:8546'],
    ['http://127.0.0.1:8545/', 'http://127.0.0.1:8545'],
  ])('shows %s as %s', (url, origin) => {
    expect(urlOrigin(url)).toBe(origin)
  })
})

describe('redactUrlsInText', () => {
  it('cuts each URL to its origin and leaves the rest of the text alone', () => {
    expect(redactUrlsInText('"GET https://a.example/v3/k?x=1" then wss://b.example/ws, done')).toBe(
      '"GET https://a.example/***" then wss://b.example/***, done',
    )
  })
})

describe('urlSecrets', () => {
  const secretsOf = (url: string) => new Set(urlSecrets(url))

  it.each([
    ['a 15-character path key', 'https://mainnet.infura.io/v3/SECRETKEY123abc', 'SECRETKEY123abc'],
    ['an 8-character path key', 'https://rpc.example/Qk8v2Lmz', 'Qk8v2Lmz'],
    ['a dotted path key', 'https://rpc.example/rpc/abc.def.ghi', 'abc.def.ghi'],
    ['an x-api-key value', 'https://rpc.example/?x-api-key=XAK-7f3e', 'XAK-7f3e'],
    ['an access_key value', 'https://rpc.example/?access_key=acc3ss77', 'acc3ss77'],
    ['the value of any query parameter', 'https://rpc.example/?foo=f00bar9&chain=1', 'f00bar9'],
    ['a query name without a value', 'https://rpc.example/?NAMEKEY99', 'NAMEKEY99'],
    ['a password', 'https://rpcuser:Pa55-w0rd@rpc.example/', 'Pa55-w0rd'],
    ['a user name', 'https://rpcuser:Pa55-w0rd@rpc.example/', 'rpcuser'],
    ['user and password together', 'https://user:pass@rpc.example/', 'user:pass'],
    ['a fragment', 'https://rpc.example/#frag-s3cret', 'frag-s3cret'],
    ['the whole path and query', 'https://rpc.example/v3/abc12?q=zz', '/v3/abc12?q=zz'],
  ])('includes %s', (_name, url, secret) => {
    expect(secretsOf(url)).toContain(secret)
  })

  it('includes the decoded, encoded and JSON-escaped forms of a part', () => {
    const secrets = secretsOf('https://rpc.example/?key=k%2Fey%22-long')
    for (const form of ['k%2Fey%22-long', 'k/ey\\"-long']) expect(secrets).toContain(form)
    // The raw decoded form (with a bare quote) is left out: masked inside JSON it could cut the syntax.
    expect(secrets).not.toContain('k/ey"-long')
  })

  it.each([
    [
      'API versions and common path words',
      'https://rpc.example/v3/rpc/ws/SECRETKEY123abc',
      ['v3', 'rpc', 'ws'],
    ],
    [
      'network and chain names',
      'https://lb.example/ethereum/mainnet/SECRETKEY123abc',
      ['ethereum', 'mainnet'],
    ],
    ['numbers', 'https://rpc.example/SECRETKEY123abc?chainId=11155111', ['11155111']],
    ['query names that have a value', 'https://rpc.example/?access_key=acc3ss77', ['access_key']],
    ['parts shorter than 6 characters', 'https://user:pass@rpc.example/abc12', ['user', 'pass', 'abc12']],
  ])('leaves out %s on their own', (_name, url, kept) => {
    const secrets = secretsOf(url)
    for (const part of kept) expect(secrets).not.toContain(part)
  })

  it('finds nothing when only well-known words follow the origin', () => {
    expect(urlSecrets('https://rpc.example/v3/rpc')).toEqual([])
  })

  it('finds nothing in a URL with nothing after its origin', () => {
    expect(urlSecrets('http://127.0.0.1:8545/')).toEqual([])
    expect(urlSecrets('not a url')).toEqual([])
  })

  it('lists longer secrets first, so one containing another is masked whole', () => {
    const secrets = urlSecrets('https://rpc.example/v3/SECRETKEY123abc?k=SECRETKEY')
    const lengths = secrets.map((secret) => secret.length)
    expect(lengths).toEqual([...lengths].sort((a, b) => b - a))
  })
})
