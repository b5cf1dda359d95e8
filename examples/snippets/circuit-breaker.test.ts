import { expect, it } from 'vitest'
import { main } from './circuit-breaker.js'

it('opens after three failures, rejects while open, and closes after a successful probe', async () => {
  const { transitions, retryAt, latest, state, snapshot } = await main()
  expect(transitions).toEqual([
    '0 ms: closed → open (tripped)',
    '5000 ms: open → half-open (cooldown-elapsed)',
    '5000 ms: half-open → closed (probes-succeeded)',
  ])
  expect(retryAt).toBe(5_000)
  expect(latest).toBe(19_000_004)
  expect(state).toBe('closed')
  expect(snapshot).toEqual({ version: 1, state: 'closed' })
})
