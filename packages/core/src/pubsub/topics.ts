import type { RaceEventType } from '../benchmark-store/types.js'

// Payloads cross process boundaries (Redis, the dashboard's WebSocket), so they stay JSON-safe: plain
// objects, numbers (not bigint) and strings. Wall-clock fields (`ts`, `receivedAt`) are Unix epoch ms,
// which mean the same on every instance; clock readings (`performance.now()`) would not.

/** Payload of `routing:decisions`: how one request was routed and how it ended. */
export interface RoutingDecisionEvent {
  /** When the decision completed (Unix epoch ms). */
  ts: number
  chain: string
  method: string
  strategy: string
  /** The provider that produced the final result (or the last one tried). */
  providerId: string
  durationMs: number
  result: 'ok' | 'error'
  /** Providers given up on before the final one. */
  failoverCount: number
  /** Attempts made, including hedged ones. */
  attempts: number
  /**
   * The session the call belonged to, as an opaque id drawn when the session started (never the
   * client's session key or identity). Absent for calls outside a session.
   */
  session?: string
  /** Set when this call moved its session to `providerId`, away from `previousProviderId`. */
  sessionMoved?: true
  /** The provider the session was on before this call moved it. */
  previousProviderId?: string
  /**
   * Set when an identical read already in flight answered this call: no upstream call of its own
   * (`providerId` and `attempts` are that call's).
   */
  coalesced?: true
  /**
   * Set when the response cache answered this call (docs/cache.md): no upstream call; `providerId` is
   * `chainpulse` and `strategy` is `cache`.
   */
  cached?: true
  /** The pool's own call (its chain follower's), not a client's. */
  internal?: true
}

/** What happened to a provider, in a {@link ProviderPoolEvent}. */
export type ProviderPoolEventType =
  | 'cooldown_start'
  | 'cooldown_end'
  | 'healthy'
  | 'unhealthy'
  | 'circuit_open'
  | 'circuit_half_open'
  | 'circuit_closed'
  | 'connected'
  | 'disconnected'
  | 'lagging'
  | 'added'
  | 'removed'

/** Payload of `provider_pool:events`: a change in one provider's condition. */
export interface ProviderPoolEvent {
  /** Unix epoch ms. */
  ts: number
  chain: string
  providerId: string
  type: ProviderPoolEventType
  /** Human-readable context, e.g. "429, Retry-After 5 s" (credentials redacted). */
  detail?: string
  /**
   * `cooldown_start` only: when the cooldown ends (Unix epoch ms), so other instances sharing the
   * provider's rate limit can cool it down for the time that remains.
   */
  until?: number
  /**
   * Set when the event follows another instance's observation rather than this instance's own (see
   * `peerEvidence`): that instance's id. Instances act only on first-hand events (no `viaPeer`), so an
   * observation is never echoed back and forth between them.
   */
  viaPeer?: string
}

/** Payload of `blocks:new`: a new head, as first seen by any provider. */
export interface BlockEvent {
  chain: string
  number: number
  hash: string
  parentHash: string
  /** The block's own timestamp (Unix seconds, as in the block header). */
  timestamp: number
  /** The provider whose copy arrived first. */
  firstProviderId: string
  /** When the first copy arrived (Unix epoch ms). */
  receivedAt: number
}

/** Payload of `races`: one provider's result in the race for one event. */
export interface RaceEvent {
  chain: string
  eventType: RaceEventType
  /** The event's dedupe key (block hash for `newHeads`, `blockHash:logIndex` for logs). */
  key: string
  providerId: string
  result: 'win' | 'loss'
  /** 0 for the winner; how far (ms) behind the winner a loser's copy arrived. */
  marginMs: number
}

/** Payload of `connections`: a WebSocket connection changed state. */
export interface ConnectionEvent {
  /** `upstream`: ChainPulse → a provider; `client`: an application → ChainPulse. */
  kind: 'upstream' | 'client'
  chain: string
  /** Provider id for upstream connections, a connection id for clients. */
  id: string
  state: 'connecting' | 'connected' | 'disconnected'
  transport: 'http' | 'ws'
}

/**
 * The topics ChainPulse publishes and their payloads, as fixed by the architecture contract. Use it
 * as the type parameter of `createPubSub` so publishers and subscribers agree at compile time.
 *
 * @example
 * const pubsub = createPubSub<ChainPulseTopics>()
 * pubsub.subscribe('blocks:new', (block) => console.log(block.chain, block.number))
 */
export interface ChainPulseTopics {
  'routing:decisions': RoutingDecisionEvent
  'provider_pool:events': ProviderPoolEvent
  'blocks:new': BlockEvent
  races: RaceEvent
  connections: ConnectionEvent
}

/** A topic of {@link ChainPulseTopics}. */
export type ChainPulseTopic = keyof ChainPulseTopics

/**
 * Every topic of {@link ChainPulseTopics}, as a list for code that subscribes or validates at runtime
 * (the server's stream). A topic added to the interface and not here fails to compile.
 */
export const CHAINPULSE_TOPICS = [
  'routing:decisions',
  'provider_pool:events',
  'blocks:new',
  'races',
  'connections',
] as const satisfies readonly ChainPulseTopic[]

/** Compiles only when `Missing` is `never`. */
type NoneMissing<Missing extends never> = Missing
/** @internal Compile-time check that {@link CHAINPULSE_TOPICS} lists every topic. */
export type EveryTopicListed = NoneMissing<Exclude<ChainPulseTopic, (typeof CHAINPULSE_TOPICS)[number]>>
