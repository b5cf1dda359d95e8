import { describe, expect, it } from 'vitest'
import { createMemoryCacheStore } from './cache-store.js'

// Each entry costs its key, its JSON text and 64 bytes of bookkeeping: a key of 1 and text of 35 is 100.
const entry = (text = 'x'.repeat(35)) => ({ json: text })

describe('createMemoryCacheStore', () => {
  it('keeps entries until the byte budget is spent, then evicts the least recently used', () => {
    const store = createMemoryCacheStore({ maxBytes: 300 })
    store.set('a', entry())
    store.set('b', entry())
    store.set('c', entry())
    expect(store.bytes).toBe(300)
    store.get('a') // a is now the most recent
    store.set('d', entry())
    expect(store.get('b')).toBeUndefined()
    expect([store.get('a'), store.get('c'), store.get('d')].every(Boolean)).toBe(true)
    expect(store.size).toBe(3)
  })

  it('counts a replaced entry once and frees a deleted one', () => {
    const store = createMemoryCacheStore({ maxBytes: 1_000 })
    store.set('a', entry())
    store.set('a', entry('x'.repeat(135)))
    expect(store.bytes).toBe(200)
    store.delete('a')
    expect(store.bytes).toBe(0)
    expect(store.get('a')).toBeUndefined()
  })

  it('does not keep an entry larger than the whole budget', () => {
    const store = createMemoryCacheStore({ maxBytes: 100 })
    store.set('a', entry())
    store.set('big', entry('x'.repeat(200)))
    expect(store.get('big')).toBeUndefined()
    expect(store.get('a')).toEqual(entry())
  })
})
