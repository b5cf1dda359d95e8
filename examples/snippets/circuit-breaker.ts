import { CircuitOpenError, createCircuitBreaker } from '@chainpulse/core'
import { createFakeClock } from '@chainpulse/core/testing'

/** A stand-in for an upstream call: fails its first three calls, then recovers. */
function flakyBlockNumber() {
  let calls = 0
  return async (): Promise<number> => {
    calls++
    if (calls <= 3) throw new Error(`503 Service Unavailable (call ${calls})`)
    return 19_000_000 + calls
  }
}

export async function main() {
  // A fake clock makes the 5 s cool-down instant here; in production, leave `clock` out.
  const clock = createFakeClock()
  const breaker = createCircuitBreaker({
    name: 'alchemy',
    failureThreshold: 3,
    halfOpenAfterMs: 5_000,
    clock,
  })
  const transitions: string[] = []
  breaker.onStateChange(({ from, to, at, reason }) =>
    transitions.push(`${at} ms: ${from} → ${to} (${reason})`),
  )

  const blockNumber = flakyBlockNumber()
  for (let i = 0; i < 3; i++) await breaker.execute(blockNumber).catch(() => {})

  // Open: rejected at once, without reaching the provider.
  const rejection = await breaker.execute(blockNumber).catch((error: unknown) => error)
  const retryAt = rejection instanceof CircuitOpenError ? rejection.retryAt : undefined

  clock.advance(5_000) // half-open: one probe may go through, and its success closes the breaker
  const latest = await breaker.execute(blockNumber)

  // The low-level API, for callers that classify outcomes themselves (as the provider pool does):
  // a 429 says "slow down", not "broken", so it releases the permit instead of recording a failure.
  const permit = breaker.tryAcquire()
  if (permit) {
    const status = 429 // pretend the upstream answered 429 Too Many Requests
    if (status === 429) breaker.release(permit)
    else if (status >= 500) breaker.recordFailure(permit)
    else breaker.recordSuccess(permit)
  }

  return { transitions, retryAt, latest, state: breaker.state, snapshot: breaker.toJSON() }
}
