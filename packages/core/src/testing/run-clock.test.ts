import { describe, expect, it } from 'vitest'
import { createFakeClock } from '../clock/fake-clock.js'
import { advanceInSteps, settleOnClock } from './run-clock.js'

/** Waits `total` ms of the clock in awaited hops of `hop` ms, as retrying code does. */
async function hops(clock: ReturnType<typeof createFakeClock>, total: number, hop: number): Promise<number> {
  for (let waited = 0; waited < total; waited += hop) {
    await new Promise<void>((resolve) => clock.setTimeout(resolve, hop))
  }
  return clock.now()
}

describe('advanceInSteps', () => {
  it('lets code awaiting one timer after another keep up, where one big advance would not', async () => {
    const stepped = createFakeClock()
    const chained = hops(stepped, 30, 10)
    await advanceInSteps(stepped, 30)
    expect(await chained).toBe(30)

    const jumped = createFakeClock()
    let finished = false
    void hops(jumped, 30, 10).then(() => {
      finished = true
    })
    jumped.advance(30)
    await new Promise<void>((resolve) => setImmediate(resolve))
    expect(finished).toBe(false)
  })

  it('ends exactly at the requested time when it is not a multiple of the step', async () => {
    const clock = createFakeClock()
    await advanceInSteps(clock, 12, 5)
    expect(clock.now()).toBe(12)
  })
})

describe('settleOnClock', () => {
  it('resolves with what the promise resolves with, and stops moving the clock then', async () => {
    const clock = createFakeClock()
    expect(await settleOnClock(clock, hops(clock, 40, 10))).toBe(40)
    expect(clock.now()).toBeLessThan(50)
  })

  it('rejects with the rejection', async () => {
    const clock = createFakeClock()
    const failing = hops(clock, 10, 10).then(() => {
      throw new Error('upstream down')
    })
    await expect(settleOnClock(clock, failing)).rejects.toThrow('upstream down')
  })

  it('gives up moving the clock after maxMs of fake time and leaves the promise pending', async () => {
    const clock = createFakeClock()
    let settled = false
    const never = settleOnClock(clock, new Promise<never>(() => {}), { maxMs: 100 }).finally(() => {
      settled = true
    })
    // Enough turns of the event loop for the 20 steps of 5 ms, and then some.
    for (let turn = 0; turn < 100; turn++) await new Promise<void>((resolve) => setImmediate(resolve))
    expect(clock.now()).toBe(100)
    expect(settled).toBe(false)
    void never
  })
})
