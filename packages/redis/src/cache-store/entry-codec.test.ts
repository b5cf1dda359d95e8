import { describe, expect, it } from 'vitest'
import { decodeEntry, encodeEntry } from './entry-codec.js'

describe('entry codec', () => {
  it('round-trips each shape of entry', () => {
    for (const entry of [
      { json: 'null' },
      { json: '"0x1"', block: [1, '0xab'] as [number, string] },
      { json: '[]', head: [2, '0xcd'] as [number, string] },
    ]) {
      expect(decodeEntry(encodeEntry(entry))).toEqual(entry)
    }
  })

  it.each([
    ['not JSON', 'x'],
    ['a non-object', '1'],
    ['a non-string json', '{"json":1}'],
    ['a short block', '{"json":"1","block":[1]}'],
    ['a fractional height', '{"json":"1","head":[1.5,"0x"]}'],
    ['a non-string hash', '{"json":"1","block":[1,2]}'],
  ])('rejects %s', (_what, text) => {
    expect(decodeEntry(text)).toBeUndefined()
  })
})
