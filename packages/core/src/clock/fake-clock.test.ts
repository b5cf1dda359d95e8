import { describe, expect, it } from 'vitest'
import { createFakeClock } from './fake-clock.js'

describe('createFakeClock', () => {
  it('fires timers in due order, including ones scheduled while advancing', () => {
    const clock = createFakeClock(10)
    const fired: string[] = []
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20)
    clock.setTimeout(() => {
      fired.push(`a@${clock.now()}`)
      clock.setTimeout(() => fired.push(`c@${clock.now()}`), 5)
    }, 10)
    clock.advance(30)
    expect(fired).toEqual(['a@20', 'c@25', 'b@30'])
    expect(clock.now()).toBe(40)
  })

  it('does not fire cleared timers and refuses to go backwards', () => {
    const clock = createFakeClock()
    const handle = clock.setTimeout(() => {
      throw new Error('should not fire')
    }, 1)
    clock.clearTimeout(handle)
    clock.advance(5)
    expect(clock.pendingTimers()).toBe(0)
    expect(() => clock.advanceTo(1)).toThrow(RangeError)
  })
})
