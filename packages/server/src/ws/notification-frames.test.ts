import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  createNotificationFrames,
  createSubscriptionIdPrefix,
  createSubscriptionIdSource,
} from './notification-frames.js'

const ID = '0x9cef478923ff08bf67fde6c600000001'
const block = {
  number: '0x1b4',
  hash: `0x${'ab'.repeat(32)}`,
  parentHash: `0x${'cd'.repeat(32)}`,
  extraData: '0x"quoted"\\\u2028é',
  baseFeePerGas: undefined,
}

/** What a plain `JSON.stringify` of the whole notification makes. */
const reference = (subscription: string, result: unknown) =>
  JSON.stringify({ jsonrpc: '2.0', method: 'eth_subscription', params: { subscription, result } })

describe('createNotificationFrames', () => {
  it('makes the bytes JSON.stringify makes of the whole notification', () => {
    const frames = createNotificationFrames()
    expect(frames.frame(ID, block).payload.toString('utf8')).toBe(reference(ID, block))
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 1, max: 2 ** 40 }), (result, counter) => {
        const id = `0x${counter.toString(16).padStart(32, '0')}`
        const payload = frames.frame(id, result).payload
        expect(payload.toString('utf8')).toBe(reference(id, result))
        expect(JSON.parse(payload.toString('utf8')).params).toEqual({
          subscription: id,
          result: JSON.parse(JSON.stringify(result ?? null)),
        })
      }),
    )
  })

  it('serialises a result once and shares one buffer among connections with the same id', () => {
    const frames = createNotificationFrames()
    let reads = 0
    const counted = {
      get number() {
        reads++
        return '0x1'
      },
    }
    const first = frames.frame(ID, counted).payload
    expect(frames.frame(ID, counted).payload).toBe(first)
    const other = frames.frame('0x02', counted).payload
    expect(other).not.toBe(first)
    expect(other.toString()).toBe(reference('0x02', { number: '0x1' }))
    expect(reads).toBe(1)
  })

  it('drops the previous result when the next one is fanned out', () => {
    const frames = createNotificationFrames()
    const one = { number: '0x1' }
    const first = frames.frame(ID, one).payload
    expect(frames.frame(ID, { number: '0x2' }).payload.toString()).toBe(reference(ID, { number: '0x2' }))
    // An earlier result coming back is serialised afresh: only the current one is kept.
    const again = frames.frame(ID, one).payload
    expect(again).not.toBe(first)
    expect(again).toEqual(first)
  })

  it('keeps at most maxFramesPerResult payloads for one result, still answering the others', () => {
    const frames = createNotificationFrames({ maxFramesPerResult: 1 })
    frames.frame('0x01', block).payload
    const uncached = frames.frame('0x02', block).payload
    expect(frames.frame('0x02', block).payload).not.toBe(uncached)
    expect(frames.frame('0x02', block).payload.toString()).toBe(reference('0x02', block))
  })

  it('throws for a result JSON cannot hold and stays usable', () => {
    const frames = createNotificationFrames()
    const good = frames.frame(ID, block).payload
    expect(() => frames.frame(ID, { big: 1n }).payload).toThrow(TypeError)
    expect(frames.frame(ID, block).payload).toBe(good)
  })
})

describe('createSubscriptionIdSource', () => {
  it('counts geth-shaped ids, unique on a connection and repeated across connections', () => {
    const prefix = createSubscriptionIdPrefix()
    const connection = createSubscriptionIdSource(prefix)
    const ids = Array.from({ length: 1_000 }, () => connection())
    expect(new Set(ids).size).toBe(1_000)
    for (const id of ids) expect(id).toMatch(/^0x[0-9a-f]{32}$/)
    expect(ids[0]).toBe(`0x${prefix}00000001`)
    expect(createSubscriptionIdSource(prefix)()).toBe(ids[0])
    expect(createSubscriptionIdPrefix()).not.toBe(prefix)
  })
})
