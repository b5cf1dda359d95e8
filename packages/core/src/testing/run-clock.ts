import type { FakeClock } from '../clock/fake-clock.js'

// Core is built without Node's types; `setImmediate` is Node's (and Bun's, Deno's). Elsewhere a zero
// timeout does the same, only slower.
const setImmediateIfAny = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate

/** Yields to the event loop once, so pending promise continuations and I/O callbacks run. */
const yieldToEventLoop = () =>
  new Promise<void>((resolve) => (setImmediateIfAny ? setImmediateIfAny(resolve) : setTimeout(resolve, 0)))

/**
 * Moves a fake clock forward by `ms` in steps of `stepMs`, letting promise continuations run between
 * steps: code that awaits, then sets a timer, then awaits again (a pool's retry, a mock provider's
 * latency) gets to schedule its next timer before the clock passes it.
 *
 * @example
 * const answer = pool.request({ chain: 'ethereum', method: 'eth_blockNumber' })
 * await advanceInSteps(clock, 50) // the mock provider's 10 ms latency elapses on the way
 */
export async function advanceInSteps(clock: FakeClock, ms: number, stepMs = 5): Promise<void> {
  for (let elapsed = 0; elapsed < ms; elapsed += stepMs) {
    clock.advance(Math.min(stepMs, ms - elapsed))
    await yieldToEventLoop()
  }
}

/**
 * Runs `promise` to completion while the fake clock moves on in small steps (see
 * {@link advanceInSteps}), for at most `maxMs` of fake time, and returns its outcome: what it resolves
 * with, or its rejection.
 *
 * @example
 * const answer = await settleOnClock(clock, pool.request({ chain: 'ethereum', method: 'eth_chainId' }))
 */
export async function settleOnClock<T>(
  clock: FakeClock,
  promise: Promise<T>,
  { maxMs = 10_000, stepMs = 5 }: { maxMs?: number; stepMs?: number } = {},
): Promise<T> {
  let done = false
  const tracked = promise.finally(() => {
    done = true
  })
  // Observed here so a rejection is not reported as unhandled while the clock is still moving.
  tracked.catch(() => {})
  for (let elapsed = 0; !done && elapsed < maxMs; elapsed += stepMs)
    await advanceInSteps(clock, stepMs, stepMs)
  return tracked
}
