import type { Clock, TimerHandle } from './clock.js'

/** A {@link Clock} whose time only moves when a test says so. */
export interface FakeClock extends Clock {
  /** Moves time forward by `ms`, firing due timers in order of due time (then of creation). */
  advance(ms: number): void
  /** Moves time to an absolute value (never backwards), firing due timers. */
  advanceTo(time: number): void
  /** Number of timers still pending. */
  pendingTimers(): number
}

interface FakeTimer {
  id: number
  dueAt: number
  callback: () => void
}

/**
 * Creates a fake clock starting at `start` milliseconds.
 *
 * @example
 * const clock = createFakeClock()
 * clock.setTimeout(() => console.log('fired'), 100)
 * clock.advance(100) // logs "fired"
 */
export function createFakeClock(start = 0): FakeClock {
  let time = start
  let nextId = 1
  const timers = new Map<number, FakeTimer>()

  function nextDue(limit: number): FakeTimer | undefined {
    let due: FakeTimer | undefined
    for (const timer of timers.values()) {
      if (timer.dueAt > limit) continue
      if (!due || timer.dueAt < due.dueAt || (timer.dueAt === due.dueAt && timer.id < due.id)) due = timer
    }
    return due
  }

  function advanceTo(target: number): void {
    if (target < time) throw new RangeError(`fake clock cannot go backwards (now ${time}, asked ${target})`)
    // Timers scheduled by a firing callback run in the same advance when they fall due before `target`.
    for (let timer = nextDue(target); timer; timer = nextDue(target)) {
      timers.delete(timer.id)
      time = timer.dueAt
      timer.callback()
    }
    time = target
  }

  return {
    now: () => time,
    setTimeout(callback, ms): TimerHandle {
      const id = nextId++
      timers.set(id, { id, dueAt: time + Math.max(0, ms), callback })
      return id
    },
    clearTimeout(handle) {
      timers.delete(handle as number)
    },
    advance: (ms) => advanceTo(time + ms),
    advanceTo,
    pendingTimers: () => timers.size,
  }
}
