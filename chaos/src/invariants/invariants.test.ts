import { describe, expect, it } from 'vitest'
import type { ClientEvent, UpstreamEvent } from '../record/history.js'
import {
  everyRequestSucceeded,
  exactIds,
  failuresAreTyped,
  noneHangs,
  recoveredWithin,
} from './client-invariants.js'
import { p99WithinBaseline, quantile } from './latency.js'
import {
  boundedTransitions,
  faultExercised,
  onlyProbesReach,
  redirectsNeverFollowed,
  servedNothing,
  servesAgainWithin,
} from './upstream-invariants.js'

// Hand-made histories: for each invariant, one that holds and one that breaks it.

let nextId = 1
function ok(sentAt: number, durationMs = 10, phase = 'baseline'): ClientEvent {
  const id = nextId++
  return {
    client: 0,
    id,
    method: 'eth_blockNumber',
    phase,
    sentAt,
    durationMs,
    status: 200,
    outcome: 'result',
    answerId: id,
  }
}
function failed(sentAt: number, overrides: Partial<ClientEvent> = {}): ClientEvent {
  const id = nextId++
  return {
    client: 0,
    id,
    method: 'eth_blockNumber',
    phase: 'down',
    sentAt,
    durationMs: 5,
    status: 503,
    outcome: 'rpc-error',
    answerId: id,
    errorCode: -32603,
    errorMessage: 'All 3 attempt(s) failed',
    chainpulseCode: 'ALL_PROVIDERS_FAILED',
    ...overrides,
  }
}
const decision = (at: number, providerId: string, result: 'ok' | 'error' = 'ok'): UpstreamEvent => ({
  at,
  kind: 'decision',
  providerId,
  method: 'eth_blockNumber',
  result,
  attempts: 1,
})
const received = (at: number, providerId: string, method: string, fault = 'none'): UpstreamEvent => ({
  at,
  kind: 'received',
  providerId,
  method,
  fault,
})
const transition = (at: number, providerId: string, type: string): UpstreamEvent => ({
  at,
  kind: 'provider',
  providerId,
  type,
})

describe('client invariants', () => {
  it('every request succeeded: holds for results only, breaks on an error, a timeout or garbage', () => {
    expect(everyRequestSucceeded([ok(0), ok(10)]).holds).toBe(true)
    for (const bad of [
      failed(5),
      failed(5, { outcome: 'timeout', status: 0 }),
      failed(5, { outcome: 'unparseable', status: 200 }),
    ]) {
      const verdict = everyRequestSucceeded([ok(0), bad])
      expect(verdict.holds).toBe(false)
      expect(verdict.measured).toBe('1 of 2 failed')
      expect(verdict.violations).toHaveLength(1)
    }
  })

  it('exact ids: breaks when an answer carries another id, or the same number as a string', () => {
    expect(exactIds([ok(0), failed(1)]).holds).toBe(true)
    const swapped = ok(0)
    expect(exactIds([{ ...swapped, answerId: swapped.id + 1 }]).holds).toBe(false)
    expect(exactIds([{ ...swapped, answerId: String(swapped.id) }]).holds).toBe(false)
  })

  it('none hangs: breaks on a client timeout or an answer slower than the bound', () => {
    expect(noneHangs([ok(0, 900)], 1_000).holds).toBe(true)
    expect(noneHangs([ok(0, 1_001)], 1_000).holds).toBe(false)
    expect(noneHangs([failed(0, { outcome: 'timeout', status: 0, durationMs: 10 })], 1_000).holds).toBe(false)
  })

  it('failures are typed: breaks on a reset connection, an HTML page or an error without a ChainPulse code', () => {
    expect(
      failuresAreTyped([ok(0), failed(1), failed(2, { chainpulseCode: 'NO_PROVIDER_AVAILABLE' })]),
    ).toMatchObject({
      holds: true,
      measured: '2 of 2 typed (ALL_PROVIDERS_FAILED, NO_PROVIDER_AVAILABLE)',
    })
    expect(failuresAreTyped([failed(0, { outcome: 'transport-error', status: 0 })]).holds).toBe(false)
    expect(failuresAreTyped([failed(0, { outcome: 'unparseable', status: 200 })]).holds).toBe(false)
    expect(failuresAreTyped([failed(0, { chainpulseCode: undefined })]).holds).toBe(false)
  })

  it('recovered within: measures the first request after the last failure', () => {
    const history = [failed(1_000), failed(1_400), ok(1_600), ok(2_000)]
    expect(recoveredWithin(history, 1_000, 1_000)).toMatchObject({
      holds: true,
      measured: 'recovered after 600 ms',
    })
    expect(recoveredWithin(history, 1_000, 500).holds).toBe(false)
    // A failure after some successes restarts the clock: service was not fully back.
    expect(recoveredWithin([...history, failed(2_500), ok(2_600)], 1_000, 1_000).holds).toBe(false)
    expect(recoveredWithin([failed(1_000)], 1_000, 10_000)).toMatchObject({
      holds: false,
      measured: 'never recovered',
    })
  })
})

describe('latency', () => {
  it('quantile: nearest rank', () => {
    expect(quantile([5, 1, 3, 2, 4], 0.5)).toBe(3)
    expect(quantile([5, 1, 3, 2, 4], 0.99)).toBe(5)
    expect(quantile([], 0.5)).toBeNaN()
  })

  it('p99 within the baseline: relative, with an allowance, and blind to excluded windows', () => {
    const baseline = Array.from({ length: 100 }, (_, i) => ok(i, 20))
    const after = Array.from({ length: 100 }, (_, i) => ok(1_000 + i, 30, 'killed'))
    const options = { baselinePhase: 'baseline', factor: 2, allowanceMs: 0 }
    expect(p99WithinBaseline([...baseline, ...after], options).holds).toBe(true)
    const slow = Array.from({ length: 10 }, (_, i) => ok(5_000 + i, 500, 'hung'))
    expect(p99WithinBaseline([...baseline, ...after, ...slow], options).holds).toBe(false)
    expect(
      p99WithinBaseline([...baseline, ...after, ...slow], {
        ...options,
        exclude: [{ from: 5_000, to: 6_000 }],
      }).holds,
    ).toBe(true)
    expect(p99WithinBaseline(after, options).holds).toBe(false)
  })
})

describe('upstream invariants', () => {
  it('served nothing: only successful decisions inside the window count', () => {
    const upstream = [decision(100, 'alpha'), decision(1_500, 'alpha', 'error'), decision(1_500, 'bravo')]
    expect(servedNothing(upstream, 'alpha', { from: 1_000, to: 2_000 }).holds).toBe(true)
    expect(
      servedNothing([...upstream, decision(1_999, 'alpha')], 'alpha', { from: 1_000, to: 2_000 }).holds,
    ).toBe(false)
  })

  it('served nothing and only probes reach: an empty window is a violation, not a vacuous pass', () => {
    expect(servedNothing([], 'alpha', { from: 2_000, to: 1_000 }).holds).toBe(false)
    expect(onlyProbesReach([], 'alpha', { from: 2_000, to: 2_000 }, 6).holds).toBe(false)
  })

  it('only probes reach: breaks on a client method or too many probes', () => {
    const window = { from: 1_000, to: 3_000 }
    const probes = [
      received(1_100, 'alpha', 'eth_chainId', 'down'),
      received(1_100, 'alpha', 'eth_blockNumber', 'down'),
    ]
    expect(onlyProbesReach(probes, 'alpha', window, 6).holds).toBe(true)
    expect(
      onlyProbesReach([...probes, received(1_200, 'alpha', 'eth_getBalance', 'down')], 'alpha', window, 6)
        .holds,
    ).toBe(false)
    expect(onlyProbesReach(probes, 'alpha', window, 1).holds).toBe(false)
    expect(onlyProbesReach([received(500, 'alpha', 'eth_getBalance')], 'alpha', window, 6).holds).toBe(true)
  })

  it('bounded transitions: counts health and breaker changes in any sliding minute', () => {
    const calm = Array.from({ length: 10 }, (_, i) => transition(i * 10_000, 'alpha', 'circuit_open'))
    expect(boundedTransitions(calm, 'alpha', 6)).toMatchObject({
      holds: true,
      measured: '10 transitions, at most 6 in a minute',
    })
    const storm = Array.from({ length: 50 }, (_, i) =>
      transition(i * 100, 'alpha', i % 2 ? 'healthy' : 'unhealthy'),
    )
    expect(boundedTransitions(storm, 'alpha', 6).holds).toBe(false)
    // Connection and cooldown events are not health transitions.
    const noise = Array.from({ length: 50 }, (_, i) => transition(i * 100, 'alpha', 'cooldown_start'))
    expect(boundedTransitions(noise, 'alpha', 6).holds).toBe(true)
  })

  it('fault exercised: breaks when the fault never reached anyone in the window', () => {
    const upstream = [received(100, 'alpha', 'eth_call', 'empty200')]
    expect(faultExercised(upstream, 'alpha', 'empty200').holds).toBe(true)
    expect(faultExercised(upstream, 'alpha', 'empty200', { from: 200, to: 300 }).holds).toBe(false)
    expect(faultExercised(upstream, 'alpha', 'redirect').holds).toBe(false)
  })

  it('redirects never followed: breaks when a redirect target was requested', () => {
    expect(redirectsNeverFollowed([received(1, 'alpha', 'eth_call', 'redirect')]).holds).toBe(true)
    expect(redirectsNeverFollowed([received(2, 'alpha', 'eth_call', 'redirectFollowed')]).holds).toBe(false)
  })

  it('serves again within: the first successful decision after the revive', () => {
    const upstream = [decision(100, 'alpha'), decision(2_500, 'alpha', 'error'), decision(3_000, 'alpha')]
    expect(servesAgainWithin(upstream, 'alpha', 2_000, 1_000)).toMatchObject({
      holds: true,
      measured: 'after 1000 ms',
    })
    expect(servesAgainWithin(upstream, 'alpha', 2_000, 999).holds).toBe(false)
    expect(servesAgainWithin(upstream, 'bravo', 2_000, 999)).toMatchObject({
      holds: false,
      measured: 'never',
    })
  })
})
