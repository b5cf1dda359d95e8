import type { PubSub, Unsubscribe } from '../../pubsub/pubsub.js'
import type { ChainPulseTopics, ProviderPoolEvent } from '../../pubsub/topics.js'
import { parseOptions } from '../../validation/parse-options.js'
import * as v from '../../validation/schema.js'
import type { ProviderRuntime } from '../provider/provider-runtime.js'

// Shared provider observations (issue 17): instances of a cluster share one PubSub through an adapter, so
// each hears the others' `provider_pool:events`. A peer's fresh first-hand verdict is evidence here, never
// a verdict: it keeps a provider out of rotation only until this instance's own probe has judged it, and
// never longer than the freshness window. Rate limits are per API key, shared by every instance, so a
// peer's cooldown applies here too for the time it has left.

/** What a peer's event means to this instance. */
export type PeerObservation =
  /** The peer found the provider down or its breaker open: hold it out for `holdMs` and probe it. */
  | { kind: 'down'; holdMs: number; detail: string }
  /** The peer saw the provider healthy again (or its breaker close): the evidence no longer holds. */
  | { kind: 'recovered' }
  /** The peer was throttled: cool the provider down for what remains of the peer's cooldown. */
  | { kind: 'cooldown'; remainingMs: number; reason: string }

/** Whether a message from another process has the fields a provider pool event must have. */
function isProviderPoolEvent(payload: unknown): payload is ProviderPoolEvent {
  const event = payload as Partial<ProviderPoolEvent> | null
  return (
    typeof event === 'object' &&
    event !== null &&
    typeof event.ts === 'number' &&
    typeof event.chain === 'string' &&
    typeof event.providerId === 'string' &&
    typeof event.type === 'string'
  )
}

/**
 * Reads a `provider_pool:events` message as evidence about its provider, or `undefined` when it is none:
 * published here (`origin` undefined), itself following a peer's observation (`viaPeer`, so nothing is
 * echoed between instances), older than `maxAgeMs` by the wall clock (epoch ms, the only time every
 * instance shares), or of a type that says nothing this instance does not judge itself. `lagging` is such
 * a type: each instance follows every provider's head itself, and lag is measured against this
 * instance's own best head, which a peer's verdict (made against its head, moments apart) cannot improve;
 * a lagging provider is only put last anyway, never left out.
 */
export function readPeerObservation(
  payload: unknown,
  origin: string | undefined,
  now: number,
  maxAgeMs: number,
): PeerObservation | undefined {
  if (origin === undefined || !isProviderPoolEvent(payload) || payload.viaPeer !== undefined) return
  // A peer whose clock runs ahead sends events from "the future": taken as just seen, never held longer.
  const age = Math.max(0, now - payload.ts)
  if (!(age <= maxAgeMs)) return
  switch (payload.type) {
    case 'unhealthy':
    case 'circuit_open': {
      const what = payload.type === 'circuit_open' ? 'its circuit open' : 'it down'
      const at = new Date(payload.ts).toISOString()
      return { kind: 'down', holdMs: maxAgeMs - age, detail: `peer ${origin} saw ${what} at ${at}` }
    }
    case 'healthy':
    case 'circuit_closed':
      return { kind: 'recovered' }
    case 'cooldown_start': {
      const remainingMs = typeof payload.until === 'number' ? payload.until - now : Number.NaN
      if (!(remainingMs > 0)) return
      return { kind: 'cooldown', remainingMs, reason: `peer ${origin} was rate limited` }
    }
    default:
      return
  }
}

/** A provider of this pool, with what probes it. */
export interface PeerEvidenceTarget {
  provider: ProviderRuntime
  /** Has this instance's own probe judge the provider now (bounded by the prober). */
  probe(): void
}

/** What a pool gives {@link PeerEvidence.follow}. */
export interface PeerEvidenceContext {
  pubsub: PubSub<ChainPulseTopics>
  /** Wall-clock time (epoch ms), to age peers' events. */
  wallClock: () => number
  /** This pool's provider `providerId` of chain `chain`, or `undefined` when it has none by that id. */
  target(chain: string, providerId: string): PeerEvidenceTarget | undefined
}

/** Default `maxAgeMs` of {@link createPeerEvidence}: how long a peer's event counts (ms). */
export const DEFAULT_PEER_EVIDENCE_MAX_AGE_MS = 10_000
/** Default `probeIntervalMs` of {@link createPeerEvidence}: least time between peer-prompted probes of a provider (ms). */
export const DEFAULT_PEER_EVIDENCE_PROBE_INTERVAL_MS = 1_000

const peerEvidenceOptionsSchema = v.strictObject({
  /**
   * Peers' events older than this (by their wall-clock timestamp) are ignored, and a peer's down verdict
   * holds a provider out of rotation at most this long after the peer saw it (ms). @default 10_000
   */
  maxAgeMs: v._default(v.number().check(v.positive()), DEFAULT_PEER_EVIDENCE_MAX_AGE_MS),
  /**
   * Least time between two probes of one provider prompted by peers' events (ms): a flood of them costs
   * one probe per provider per interval at most, and never two at once. @default 1_000
   */
  probeIntervalMs: v._default(v.number().check(v.positive()), DEFAULT_PEER_EVIDENCE_PROBE_INTERVAL_MS),
})

/** Options of {@link createPeerEvidence}. */
export type PeerEvidenceOptions = v.input<typeof peerEvidenceOptionsSchema>

/** Shared provider observations, the pool's `peerEvidence` add-on: see {@link createPeerEvidence}. */
export interface PeerEvidence {
  readonly maxAgeMs: number
  readonly probeIntervalMs: number
  /** Acts on peers' observations arriving on the pool's PubSub until the returned function is called. */
  follow(context: PeerEvidenceContext): Unsubscribe
}

/**
 * Shared provider observations across the instances of a cluster, for
 * `createProviderPool({ peerEvidence: createPeerEvidence() })`: pools whose PubSubs share an adapter
 * (e.g. Redis) take a peer's fresh first-hand verdict as evidence (docs/provider-pool.md, "Shared
 * observations across instances"). An add-on, like the response cache, so a pool that has no peers
 * (a browser, a lone server) carries none of its code. The server installs it in cluster mode.
 *
 * @throws {ConfigError} when an option is invalid.
 * @example
 * const pool = createProviderPool({ chains, providers, pubsub, peerEvidence: createPeerEvidence({ maxAgeMs: 5_000 }) })
 */
export function createPeerEvidence(options: PeerEvidenceOptions = {}): PeerEvidence {
  const { maxAgeMs, probeIntervalMs } = parseOptions(
    peerEvidenceOptionsSchema,
    options,
    'peer evidence options',
  )
  return {
    maxAgeMs,
    probeIntervalMs,
    follow: (context) => followPeerEvidence(context, maxAgeMs),
  }
}

/**
 * Acts on peers' provider observations arriving on the pool's PubSub (see {@link readPeerObservation}):
 * a peer's down verdict holds the provider out of rotation (unless this instance already found it down)
 * and has it probed; a peer's recovery drops that evidence, and has a provider this instance found down
 * probed again; a peer's cooldown cools it down here for its remaining time. Returns what stops it.
 */
function followPeerEvidence(options: PeerEvidenceContext, maxAgeMs: number): Unsubscribe {
  return options.pubsub.subscribe('provider_pool:events', (event, _topic, origin) => {
    const observation = readPeerObservation(event, origin, options.wallClock(), maxAgeMs)
    if (observation === undefined || origin === undefined) return
    const target = options.target(event.chain, event.providerId)
    if (target === undefined) return
    const { provider } = target
    switch (observation.kind) {
      case 'down':
        // This instance's own verdict already keeps it out, and its probe rounds bring it back.
        if (provider.downReason !== undefined) return
        provider.notePeerDown({ peer: origin, detail: observation.detail }, observation.holdMs)
        target.probe()
        return
      case 'recovered':
        provider.clearPeerDown(origin)
        if (provider.downReason !== undefined) target.probe()
        return
      case 'cooldown':
        provider.startCooldown(observation.remainingMs, observation.reason, origin)
        return
    }
  })
}
