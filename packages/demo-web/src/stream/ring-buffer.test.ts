import { describe, expect, it } from 'vitest'
import { createRingBuffer } from './ring-buffer.js'

describe('createRingBuffer', () => {
  it('keeps the latest items, oldest first, once past capacity', () => {
    const buffer = createRingBuffer<number>(3)
    for (let n = 1; n <= 7; n++) buffer.push(n)
    expect(buffer.toArray()).toEqual([5, 6, 7])
    expect(buffer.size).toBe(3)
  })

  it('returns what it holds before it is full', () => {
    const buffer = createRingBuffer<string>(100)
    buffer.push('a')
    buffer.push('b')
    expect(buffer.toArray()).toEqual(['a', 'b'])
  })

  it('starts over when cleared', () => {
    const buffer = createRingBuffer<number>(2)
    buffer.push(1)
    buffer.push(2)
    buffer.clear()
    buffer.push(3)
    expect(buffer.toArray()).toEqual([3])
  })

  it('refuses a capacity below one', () => {
    expect(() => createRingBuffer(0)).toThrow(RangeError)
  })
})
