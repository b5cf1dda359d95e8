import { describe, expect, it } from 'vitest'
import { decodeEnvelope, encodeEnvelope, encodeMessage, envelopePrefix } from './envelope.js'

describe('envelope', () => {
  it('round-trips the messages of one turn in one envelope, in order', () => {
    const text = encodeEnvelope('a', [
      encodeMessage('races', { winner: 'p1' }),
      encodeMessage('blocks:new', 7),
    ])
    expect(JSON.parse(text)).toEqual({
      v: 1,
      origin: 'a',
      messages: [
        { topic: 'races', payload: { winner: 'p1' } },
        { topic: 'blocks:new', payload: 7 },
      ],
    })
    expect(decodeEnvelope(text)).toEqual({
      origin: 'a',
      messages: [
        { topic: 'races', payload: { winner: 'p1' } },
        { topic: 'blocks:new', payload: 7 },
      ],
      malformed: 0,
    })
  })

  it("begins every envelope of an origin with that origin's prefix, and no other origin's", () => {
    for (const origin of ['a', 'ab', 'with "quotes" and \\', 'é']) {
      const text = encodeEnvelope(origin, [encodeMessage('t', 1)])
      expect(text.startsWith(envelopePrefix(origin))).toBe(true)
      expect(decodeEnvelope(text)?.origin).toBe(origin)
    }
    // A prefix of another id is not its prefix: the closing quote is part of it.
    expect(encodeEnvelope('ab', []).startsWith(envelopePrefix('a'))).toBe(false)
  })

  it('carries an undefined payload as an absent one', () => {
    expect(decodeEnvelope(encodeEnvelope('a', [encodeMessage('t', undefined)]))?.messages).toEqual([
      { topic: 't' },
    ])
  })

  it('throws for a payload JSON cannot carry', () => {
    expect(() => encodeMessage('t', { n: 1n })).toThrow(TypeError)
  })

  it('keeps the good messages of an envelope and counts the others', () => {
    const text =
      '{"v":1,"origin":"a","messages":[{"topic":"t","payload":1},{"topic":""},3,null,{"payload":2}]}'
    expect(decodeEnvelope(text)).toEqual({
      origin: 'a',
      messages: [{ topic: 't', payload: 1 }],
      malformed: 4,
    })
  })

  it.each([
    ['not JSON', '{'],
    ['a non-object', '"text"'],
    ['null', 'null'],
    ['an unknown version', '{"v":2,"origin":"a","messages":[]}'],
    ['no origin', '{"v":1,"messages":[]}'],
    ['an empty origin', '{"v":1,"origin":"","messages":[]}'],
    ['no message list', '{"v":1,"origin":"a","topic":"t","payload":1}'],
  ])('rejects %s', (_what, text) => {
    expect(decodeEnvelope(text)).toBeUndefined()
  })
})
