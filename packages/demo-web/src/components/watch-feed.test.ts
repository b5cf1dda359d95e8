import { signal } from '@preact/signals'
import { describe, expect, it } from 'vitest'
import { perKey, watchFeed } from './watch-feed.js'

describe('watchFeed', () => {
  it('hands over only the items it has not seen, oldest first', () => {
    const a = { n: 1 }
    const b = { n: 2 }
    const c = { n: 3 }
    const feed = signal<{ n: number }[]>([a])
    const calls: [number[], boolean][] = []
    watchFeed(feed, (items, initial) => calls.push([items.map((item) => item.n), initial]))
    feed.value = [c, b, a]
    feed.value = [c, b]
    expect(calls).toEqual([
      [[1], true],
      [[2, 3], false],
    ])
  })

  it('treats the first items after the feed was emptied as initial (a replay after reconnect)', () => {
    const feed = signal<{ n: number }[]>([])
    const calls: [number[], boolean][] = []
    watchFeed(feed, (items, initial) => calls.push([items.map((item) => item.n), initial]))
    feed.value = [{ n: 1 }]
    feed.value = [{ n: 2 }, ...feed.value]
    feed.value = []
    feed.value = [{ n: 3 }]
    expect(calls).toEqual([
      [[1], true],
      [[2], false],
      [[3], true],
    ])
  })

  it('stops when unsubscribed', () => {
    const feed = signal<{ n: number }[]>([])
    let calls = 0
    const stop = watchFeed(feed, () => calls++)
    stop()
    feed.value = [{ n: 1 }]
    expect(calls).toBe(0)
  })
})

describe('perKey', () => {
  it('creates one value per key object', () => {
    let created = 0
    const of = perKey((key: { id: string }) => ({ id: key.id, serial: ++created }))
    const first = { id: 'a' }
    expect(of(first)).toBe(of(first))
    expect(of({ id: 'b' }).serial).toBe(2)
  })
})
