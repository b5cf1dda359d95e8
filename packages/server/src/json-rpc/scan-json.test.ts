import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { scanJson } from './scan-json.js'

function accepts(text: string): boolean {
  return scanJson(text, 1_000).kind === 'ok'
}

function jsonParseAccepts(text: string): boolean {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

describe('scanJson', () => {
  it.each([
    '0',
    '-0',
    '1.5e-7',
    '1E+2',
    '"a\\u00e9\\n\\"\\\\\\/"',
    'true',
    'false',
    'null',
    ' \t\r\n{ "a" : [ 1 , { } , [ ] , "x" ] } ',
    '[]',
    '{}',
    '[[[[]]]]',
    '{"":{"":""}}',
  ])('accepts valid JSON %s', (text) => {
    expect(accepts(text)).toBe(true)
  })

  it.each([
    '',
    ' ',
    '{',
    '[',
    '[1,]',
    '{"a":1,}',
    '{"a"}',
    '{"a":}',
    '{a:1}',
    "{'a':1}",
    '01',
    '1.',
    '.5',
    '+1',
    '-',
    '1e',
    'NaN',
    'Infinity',
    'nul',
    'truex',
    '"unterminated',
    '"bad \\x escape"',
    '"bad \\u12g4"',
    '"raw\ttab"',
    '[1] [2]',
    '\uFEFF{}',
    '{"a":1}}',
    '[1 2]',
  ])('rejects invalid JSON %j', (text) => {
    expect(scanJson(text, 100).kind).toBe('syntax-error')
  })

  it('checks every character of a long string, escapes and control characters after a long plain run included', () => {
    const run = 'x'.repeat(10_000)
    expect(accepts(`"${run}\\n${run}\\u00e9"`)).toBe(true)
    expect(scanJson(`"${run}\u0001"`, 10).kind).toBe('syntax-error')
    expect(scanJson(`"${run}\\x"`, 10).kind).toBe('syntax-error')
    expect(scanJson(`"${run}`, 10).kind).toBe('syntax-error')
    expect(scanJson(`{"id":"${run}","method":"m"}`, 10)).toEqual({
      kind: 'ok',
      top: 'object',
      elements: [{ idRaw: `"${run}"` }],
    })
  })

  it('agrees with JSON.parse on generated JSON and on arbitrary strings', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.json(),
          fc.string(),
          fc.json().map((text) => text.slice(0, -1)),
        ),
        (text) => {
          expect(accepts(text)).toBe(jsonParseAccepts(text))
        },
      ),
      { numRuns: 2_000 },
    )
  })

  it('keeps the raw text of a top-level id, whatever its spelling', () => {
    const idToken = fc.oneof(
      fc.constantFrom('null', '1.0', '1e3', '-0', '9007199254740993', '1.000000000000000000001', '"\\u0041"'),
      fc.bigInt().map(String),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
      fc.string().map((s) => JSON.stringify(s)),
    )
    fc.assert(
      fc.property(idToken, fc.json(), (id, other) => {
        const text = `{"jsonrpc":"2.0","params":[${other}],"id":${id},"method":"m"}`
        const scan = scanJson(text, 1_000)
        expect(scan).toEqual({ kind: 'ok', top: 'object', elements: [{ idRaw: id }] })
      }),
    )
  })

  it('reports one element per batch entry with each id as written', () => {
    const text =
      '[ {"id": 1.0}, 5, {"method":"n"}, {"id":"x","params":{"id":9}}, [ {"id": 3} ], {"id":{"a":1}} ]'
    expect(scanJson(text, 10)).toEqual({
      kind: 'ok',
      top: 'array',
      elements: [
        { idRaw: '1.0' },
        { idRaw: undefined },
        { idRaw: undefined },
        { idRaw: '"x"' },
        { idRaw: undefined },
        { idRaw: undefined },
      ],
    })
  })

  it('keeps the last id member, as JSON.parse does, even when spelled with escapes', () => {
    expect(scanJson('{"id":1,"\\u0069d":2}', 10)).toMatchObject({ elements: [{ idRaw: '2' }] })
    expect(scanJson('{"id":1,"i\\u0064":3}', 10)).toMatchObject({ elements: [{ idRaw: '3' }] })
    expect(scanJson('{"id":1,"\\u0069\\u0064":4}', 10)).toMatchObject({ elements: [{ idRaw: '4' }] })
    expect(scanJson('{"id":1,"\\u0069dx":5}', 10)).toMatchObject({ elements: [{ idRaw: '1' }] })
    expect(scanJson('{"id":1,"id":[2]}', 10)).toMatchObject({ elements: [{ idRaw: undefined }] })
  })

  it('stops at the depth limit without recursing', () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`
    expect(scanJson(deep, 64)).toEqual({ kind: 'too-deep', limit: 64 })
    expect(scanJson('[[1]]', 2).kind).toBe('ok')
    expect(scanJson('[[[1]]]', 2)).toEqual({ kind: 'too-deep', limit: 2 })
  })

  it('has no scalar elements for a top-level scalar', () => {
    expect(scanJson(' "x" ', 5)).toEqual({ kind: 'ok', top: 'scalar', elements: [] })
  })
})
