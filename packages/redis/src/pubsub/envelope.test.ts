import { describe, expect, it } from 'vitest'
import { decodeEnvelope, encodeEnvelope } from './envelope.js'

describe('envelope', () => {
  it('round-trips a message', () => {
    const text = encodeEnvelope('a', 'races', { winner: 'p1' })
    expect(JSON.parse(text)).toEqual({ v: 1, origin: 'a', topic: 'races', payload: { winner: 'p1' } })
    expect(decodeEnvelope(text)).toEqual({ v: 1, origin: 'a', topic: 'races', payload: { winner: 'p1' } })
  })

  it('carries an undefined payload as an absent one', () => {
    expect(decodeEnvelope(encodeEnvelope('a', 't', undefined))).toEqual({ v: 1, origin: 'a', topic: 't' })
  })

  it('throws for a payload JSON cannot carry', () => {
    expect(() => encodeEnvelope('a', 't', { n: 1n })).toThrow(TypeError)
  })

  it.each([
    ['not JSON', '{'],
    ['a non-object', '"text"'],
    ['null', 'null'],
    ['an unknown version', '{"v":2,"origin":"a","topic":"t","payload":1}'],
    ['no origin', '{"v":1,"topic":"t","payload":1}'],
    ['an empty origin', '{"v":1,"origin":"","topic":"t","payload":1}'],
    ['a non-string topic', '{"v":1,"origin":"a","topic":3,"payload":1}'],
  ])('rejects %s', (_what, text) => {
    expect(decodeEnvelope(text)).toBeUndefined()
  })
})
