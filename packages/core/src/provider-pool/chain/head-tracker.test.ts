import { describe, expect, it } from 'vitest'
import { createHeadTracker } from './head-tracker.js'

describe('createHeadTracker', () => {
  it('measures lag against the best head and ignores older reports', () => {
    const tracker = createHeadTracker()
    tracker.update('a', 10)
    tracker.update('b', 7)
    tracker.update('a', 9)
    expect(tracker.best()).toBe(10)
    expect(tracker.lag('b')).toBe(3)
    expect(tracker.lag('a')).toBe(0)
    expect(tracker.lag('unknown')).toBe(0)
  })

  it('recomputes the best head when its provider is removed', () => {
    const tracker = createHeadTracker()
    tracker.update('a', 10)
    tracker.update('b', 7)
    tracker.remove('a')
    expect(tracker.best()).toBe(7)
    expect(tracker.lag('b')).toBe(0)
  })
})
