import { describe, expect, it } from 'vitest'
import { BoundedNames, MAX_NAME_LENGTH, OVERFLOW_NAME } from './bounded-names.js'

describe('BoundedNames', () => {
  it('gives the first names their own index and buckets the rest as "other"', () => {
    const names = new BoundedNames(2)
    expect([names.intern('a'), names.intern('b'), names.intern('a')]).toEqual([0, 1, 0])
    expect(names.intern('c')).toBe(2)
    expect(names.intern('d')).toBe(2)
    expect(names.list).toEqual(['a', 'b', OVERFLOW_NAME])
  })

  it('buckets over-long names and looks names up without adding them', () => {
    const names = new BoundedNames(5)
    expect(names.lookup('a')).toBe(-1)
    expect(names.list).toEqual([])
    const long = 'x'.repeat(MAX_NAME_LENGTH + 1)
    expect(names.list[names.intern(long)]).toBe(OVERFLOW_NAME)
    expect(names.lookup(long)).toBe(0)
    expect(names.lookup('short')).toBe(-1)
  })
})
