import type { UpstreamEvent } from '../record/history.js'
import { type Verdict, verdict } from './verdict.js'

/** A window of the run, ms since its start: [from, to). */
export interface Window {
  from: number
  to: number
}

const inWindow = (at: number, window: Window) => at >= window.from && at < window.to

/**
 * No client call was answered by `providerId` within `window` (routing decisions naming it as the
 * provider that produced the answer): while it is dead or hung, it is out of rotation.
 */
export function servedNothing(
  upstream: readonly UpstreamEvent[],
  providerId: string,
  window: Window,
): Verdict {
  const served = upstream.filter(
    (event) =>
      event.kind === 'decision' &&
      event.providerId === providerId &&
      event.result === 'ok' &&
      inWindow(event.at, window),
  )
  const violations = served.map(
    (event) => `${event.kind === 'decision' ? event.method : ''} at ${Math.round(event.at)} ms`,
  )
  if (window.to <= window.from) violations.push('empty window: the scenario did not run long enough to check')
  return verdict(
    `${providerId} answers no client call from ${Math.round(window.from)} to ${Math.round(window.to)} ms`,
    `${served.length} answered`,
    violations,
  )
}

/** Methods the pool's health probes send. */
export const PROBE_METHODS: ReadonlySet<string> = new Set(['eth_chainId', 'eth_blockNumber'])

/**
 * Only probes reach `providerId` within `window`: every request it received there is a probe method, and
 * there are at most `maxProbes` of them (the probe rounds that fit in the window).
 */
export function onlyProbesReach(
  upstream: readonly UpstreamEvent[],
  providerId: string,
  window: Window,
  maxProbes: number,
): Verdict {
  const received = upstream.filter(
    (event) => event.kind === 'received' && event.providerId === providerId && inWindow(event.at, window),
  )
  const nonProbes = received.filter((event) => event.kind === 'received' && !PROBE_METHODS.has(event.method))
  const violations = nonProbes.map(
    (event) => `${event.kind === 'received' ? event.method : ''} at ${Math.round(event.at)} ms`,
  )
  if (received.length > maxProbes) violations.push(`${received.length} requests > ${maxProbes} probes`)
  if (window.to <= window.from) violations.push('empty window: the scenario did not run long enough to check')
  return verdict(
    `only probes reach ${providerId} while it is out (≤ ${maxProbes})`,
    `${received.length} received, ${nonProbes.length} not probes`,
    violations,
  )
}

/** Provider event types that are health or breaker transitions. */
const TRANSITIONS: ReadonlySet<string> = new Set([
  'healthy',
  'unhealthy',
  'circuit_open',
  'circuit_half_open',
  'circuit_closed',
])

/**
 * No oscillation storm: `providerId`'s health and breaker transitions stay within `perMinute` in every
 * sliding minute of the history (a history shorter than a minute is one window: its total counts).
 */
export function boundedTransitions(
  upstream: readonly UpstreamEvent[],
  providerId: string,
  perMinute: number,
): Verdict {
  const times = upstream
    .filter(
      (event) => event.kind === 'provider' && event.providerId === providerId && TRANSITIONS.has(event.type),
    )
    .map((event) => event.at)
    .sort((a, b) => a - b)
  let worst = 0
  let start = 0
  for (let end = 0; end < times.length; end++) {
    while (times[end]! - times[start]! >= 60_000) start++
    worst = Math.max(worst, end - start + 1)
  }
  return verdict(
    `${providerId}: ≤ ${perMinute} health transitions per minute`,
    `${times.length} transitions, at most ${worst} in a minute`,
    worst > perMinute ? [`${worst} transitions within one minute`] : [],
  )
}

/**
 * The fault under test was really injected: `providerId` answered at least one request with `fault`
 * (within `window`, when given). Guards the other invariants against a scenario that did not happen.
 */
export function faultExercised(
  upstream: readonly UpstreamEvent[],
  providerId: string,
  fault: string,
  window: Window = { from: 0, to: Number.POSITIVE_INFINITY },
): Verdict {
  const count = upstream.filter(
    (event) =>
      event.kind === 'received' &&
      event.providerId === providerId &&
      event.fault === fault &&
      inWindow(event.at, window),
  ).length
  return verdict(
    `${fault} injected by ${providerId}`,
    `${count} injected`,
    count === 0 ? [`${providerId} never answered with ${fault}`] : [],
  )
}

/** Redirects are never followed: no request reached a redirect's target. */
export function redirectsNeverFollowed(upstream: readonly UpstreamEvent[]): Verdict {
  const followed = upstream.filter((event) => event.kind === 'received' && event.fault === 'redirectFollowed')
  return verdict(
    '3xx never followed',
    `${followed.length} followed`,
    followed.map((event) => `${event.providerId}'s redirect followed at ${Math.round(event.at)} ms`),
  )
}

/** `providerId` answers a client call again within `boundMs` of `since` (it is back in rotation). */
export function servesAgainWithin(
  upstream: readonly UpstreamEvent[],
  providerId: string,
  since: number,
  boundMs: number,
): Verdict {
  const first = upstream.find(
    (event) =>
      event.kind === 'decision' &&
      event.providerId === providerId &&
      event.result === 'ok' &&
      event.at >= since,
  )
  const afterMs = first ? first.at - since : Number.POSITIVE_INFINITY
  return verdict(
    `${providerId} serves again within ${Math.round(boundMs)} ms of its revive`,
    Number.isFinite(afterMs) ? `after ${Math.round(afterMs)} ms` : 'never',
    afterMs > boundMs
      ? [
          `${providerId} first served ${Number.isFinite(afterMs) ? `after ${Math.round(afterMs)} ms` : 'never'}`,
        ]
      : [],
  )
}

/** No provider's health or breaker changed within `window`: what clients did was not held against any. */
export function noHealthChanges(upstream: readonly UpstreamEvent[], window: Window): Verdict {
  const changes = upstream.filter(
    (event) => event.kind === 'provider' && TRANSITIONS.has(event.type) && inWindow(event.at, window),
  )
  return verdict(
    'no provider’s health changes',
    `${changes.length} health transitions`,
    changes.map(
      (event) =>
        `${event.providerId} ${event.kind === 'provider' ? event.type : ''} at ${Math.round(event.at)} ms`,
    ),
  )
}
