import { describe, expect, it } from 'vitest'
import type { ProviderPoolEvent } from '../../pubsub/topics.js'
import { readPeerObservation } from './peer-evidence.js'

// How a peer's `provider_pool:events` message reads as evidence: pure, on wall-clock epoch ms.

const NOW = Date.UTC(2026, 0, 1)
const MAX_AGE = 10_000

function event(type: ProviderPoolEvent['type'], fields: Partial<ProviderPoolEvent> = {}): ProviderPoolEvent {
  return { ts: NOW - 1_000, chain: 'ethereum', providerId: 'a', type, ...fields }
}

describe('readPeerObservation', () => {
  it("takes a peer's down or circuit-open verdict as evidence held for the rest of the window", () => {
    expect(readPeerObservation(event('unhealthy'), 'A', NOW, MAX_AGE)).toEqual({
      kind: 'down',
      holdMs: 9_000,
      detail: 'peer A saw it down at 2025-12-31T23:59:59.000Z',
    })
    expect(readPeerObservation(event('circuit_open'), 'A', NOW, MAX_AGE)).toMatchObject({
      kind: 'down',
      detail: expect.stringMatching(/^peer A saw its circuit open at /),
    })
  })

  it("takes a peer's recovery as the end of its evidence", () => {
    expect(readPeerObservation(event('healthy'), 'A', NOW, MAX_AGE)).toEqual({ kind: 'recovered' })
    expect(readPeerObservation(event('circuit_closed'), 'A', NOW, MAX_AGE)).toEqual({ kind: 'recovered' })
  })

  it("takes a peer's cooldown for the time it has left, by its end in epoch ms", () => {
    expect(readPeerObservation(event('cooldown_start', { until: NOW + 4_000 }), 'A', NOW, MAX_AGE)).toEqual({
      kind: 'cooldown',
      remainingMs: 4_000,
      reason: 'peer A was rate limited',
    })
    // Over already, or without an end to go by (an older instance's event): nothing to apply.
    expect(readPeerObservation(event('cooldown_start', { until: NOW }), 'A', NOW, MAX_AGE)).toBeUndefined()
    expect(readPeerObservation(event('cooldown_start'), 'A', NOW, MAX_AGE)).toBeUndefined()
  })

  it('ignores events of this instance, events that follow a peer, stale events and malformed ones', () => {
    expect(readPeerObservation(event('unhealthy'), undefined, NOW, MAX_AGE)).toBeUndefined()
    expect(readPeerObservation(event('unhealthy', { viaPeer: 'B' }), 'A', NOW, MAX_AGE)).toBeUndefined()
    expect(
      readPeerObservation(event('unhealthy', { ts: NOW - MAX_AGE - 1 }), 'A', NOW, MAX_AGE),
    ).toBeUndefined()
    expect(readPeerObservation({ type: 'unhealthy' }, 'A', NOW, MAX_AGE)).toBeUndefined()
    expect(readPeerObservation(null, 'A', NOW, MAX_AGE)).toBeUndefined()
  })

  it('never holds evidence from a peer whose clock runs ahead longer than the window', () => {
    expect(readPeerObservation(event('unhealthy', { ts: NOW + 60_000 }), 'A', NOW, MAX_AGE)).toMatchObject({
      kind: 'down',
      holdMs: MAX_AGE,
    })
  })

  it("leaves lag to this instance's own head tracking, and ignores what is not a verdict", () => {
    for (const type of [
      'lagging',
      'cooldown_end',
      'circuit_half_open',
      'connected',
      'disconnected',
      'added',
      'removed',
    ] as const)
      expect(readPeerObservation(event(type), 'A', NOW, MAX_AGE)).toBeUndefined()
  })
})
