import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { rawResultOf } from './raw-result.js'

describe('rawResultOf', () => {
  it.each([
    ['{"jsonrpc":"2.0","id":1,"result":"0x1"}', '"0x1"'],
    ['{"jsonrpc":"2.0","id":1,"result":123456789012345678901234567890}', '123456789012345678901234567890'],
    ['{"result":{"b":1,"10":2},"jsonrpc":"2.0","id":"x"}', '{"b":1,"10":2}'],
    [' { "id" : 1 , "result" : [ "a\\"]" , {"c":"}"} ] , "jsonrpc":"2.0" } ', '[ "a\\"]" , {"c":"}"} ]'],
    ['{"jsonrpc":"2.0","id":1,"result":null}', 'null'],
    ['{"jsonrpc":"2.0","id":1,"result":1.50e3}', '1.50e3'],
  ])('takes the result of %s verbatim', (body, raw) => {
    expect(rawResultOf(body)).toBe(raw)
  })

  it.each([
    '{"jsonrpc":"2.0","id":1,"error":{"code":-1,"message":"x"}}',
    '[{"jsonrpc":"2.0","id":1,"result":"0x1"}]',
    '"result"',
  ])('finds no result in %s', (body) => {
    expect(rawResultOf(body)).toBeUndefined()
  })

  it('for any JSON value, returns text that parses to the same value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (before, result) => {
        const body = JSON.stringify({ jsonrpc: '2.0', id: before, result }, null, 1)
        expect(JSON.parse(rawResultOf(body)!)).toEqual(JSON.parse(JSON.stringify(result)))
      }),
    )
  })
})
