import { describe, expect, it } from 'vitest'
import { createRingBuffer } from './ring-buffer.js'

describe('createRingBuffer', () => {
  it('returns the newest items, oldest first, before it is full', () => {
    const buffer = createRingBuffer<number>(5)
    for (const item of [1, 2, 3]) buffer.push(item)
    expect(buffer.latest(10)).toEqual([1, 2, 3])
    expect(buffer.latest(2)).toEqual([2, 3])
  })

  it('keeps only the newest `capacity` items once it wraps, in order', () => {
    const buffer = createRingBuffer<number>(3)
    for (let item = 1; item <= 8; item++) buffer.push(item)
    expect(buffer.size).toBe(3)
    expect(buffer.latest(3)).toEqual([6, 7, 8])
    expect(buffer.latest(2)).toEqual([7, 8])
  })

  it('clamps n to [0, size] and floors fractions', () => {
    const buffer = createRingBuffer<string>(4)
    for (const item of ['a', 'b', 'c', 'd', 'e']) buffer.push(item)
    expect(buffer.latest(0)).toEqual([])
    expect(buffer.latest(-3)).toEqual([])
    expect(buffer.latest(Number.NaN)).toEqual([])
    expect(buffer.latest(2.9)).toEqual(['d', 'e'])
    expect(buffer.latest(Number.POSITIVE_INFINITY)).toEqual(['b', 'c', 'd', 'e'])
  })

  it('keeps nothing at capacity 0 and starts over after clear', () => {
    const empty = createRingBuffer<number>(0)
    empty.push(1)
    expect(empty.latest(1)).toEqual([])
    const buffer = createRingBuffer<number>(2)
    for (const item of [1, 2, 3]) buffer.push(item)
    buffer.clear()
    buffer.push(4)
    expect(buffer.latest(5)).toEqual([4])
  })

  it('agrees with a naive array model for every capacity and push count', () => {
    for (let capacity = 1; capacity <= 6; capacity++) {
      const buffer = createRingBuffer<number>(capacity)
      const model: number[] = []
      for (let item = 0; item < 20; item++) {
        buffer.push(item)
        model.push(item)
        for (let n = 0; n <= capacity + 1; n++) {
          const expected = n === 0 ? [] : model.slice(-capacity).slice(-n)
          expect(buffer.latest(n)).toEqual(expected)
        }
      }
    }
  })
})
