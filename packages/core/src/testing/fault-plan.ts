import { draws, standardNormal } from '../random/prng.js'

// The fault decisions of a simulated provider, shared by the devnet's providers and core's mock provider
// so a personality means the same thing in both (and the same seed and id give the same faults). The
// devnet owns the vocabulary (its `Personality`, schema and presets); this module reads the part of it
// that decides what happens to a request or an event, by structure, since core cannot import the devnet.

/**
 * Relative weights of the injected error kinds; only their ratios matter. An injected error is drawn
 * with probability `errorRate`, then its kind is drawn with these weights.
 */
export interface FaultErrorMix {
  /** HTTP 503 (over WebSocket: JSON-RPC error -32000 "Service unavailable"). */
  serverError: number
  /** HTTP 429 with `Retry-After` (over WebSocket: JSON-RPC error -32005 "Too many requests"). */
  rateLimit: number
  /** HTTP 200 carrying a JSON-RPC error -32603 "Internal error" for every request of the body. */
  rpcError: number
  /** The real answer cut in half: a truncated, unparseable JSON body (or WebSocket frame). */
  malformed: number
}

/**
 * The knobs a {@link FaultPlan} reads, with the devnet personality's names and meanings (docs/devnet.md,
 * "Personalities"): the devnet's `Personality` and the mock provider's behaviour both fit it.
 */
export interface FaultKnobs {
  /** Median added latency of every answered request, in ms (normal distribution, clamped at 0). */
  latencyMs: number
  /** Standard deviation of the added latency, in ms. */
  jitterMs: number
  /** Probability that a request gets an injected error instead of its answer (0–1). */
  errorRate: number
  errorMix: FaultErrorMix
  /** Probability that a request is accepted and never answered (0–1). */
  hangRate: number
  /** Probability that a request stalls: its answer is held back a further `stallMinMs`–`stallMaxMs` (0–1). */
  stallRate: number
  /** Shortest stall, in ms (stall lengths are uniform between the two bounds). */
  stallMinMs: number
  /** Longest stall, in ms (at least `stallMinMs`). */
  stallMaxMs: number
  /** `hang` answers nothing; `up` and `down` leave requests to the other knobs (a `down` provider gets none). */
  mode: 'up' | 'down' | 'hang'
  /** Median delay added to each subscription event, in ms. */
  wsDelayMs: number
  /** Standard deviation of the event delay, in ms. */
  wsJitterMs: number
  /** Probability, per event sent to a connection, that the connection is dropped instead (0–1). */
  wsDropRate: number
}

/** A well-behaved provider's knobs (the devnet's neutral personality): no latency, no faults. */
export const NEUTRAL_FAULT_KNOBS: Readonly<FaultKnobs> = {
  latencyMs: 0,
  jitterMs: 0,
  errorRate: 0,
  errorMix: { serverError: 1, rateLimit: 1, rpcError: 1, malformed: 1 },
  hangRate: 0,
  stallRate: 0,
  stallMinMs: 200,
  stallMaxMs: 800,
  mode: 'up',
  wsDelayMs: 0,
  wsJitterMs: 0,
  wsDropRate: 0,
}

/**
 * The errors a simulated provider injects, with the status and JSON-RPC code a client sees. Messages say
 * they are injected so nobody mistakes them for a real node failure while debugging.
 */
export const INJECTED_ERRORS: Readonly<
  Record<Exclude<keyof FaultErrorMix, 'malformed'>, { status: number; code: number; message: string }>
> = Object.freeze({
  serverError: { status: 503, code: -32000, message: 'Service unavailable (injected by chainpulse)' },
  rateLimit: { status: 429, code: -32005, message: 'Too many requests (injected by chainpulse)' },
  rpcError: { status: 200, code: -32603, message: 'Internal error (injected by chainpulse)' },
})

/**
 * The error a provider whose widest `eth_getLogs` range is `maxRange` blocks answers a wider query with:
 * "invalid params" naming the limit, as hosted providers do (core classes it as "cannot serve").
 */
export function logsRangeError(maxRange: number): { code: number; message: string } {
  return { code: -32602, message: `query exceeds max block range ${maxRange}` }
}

/**
 * The error a provider that caps `eth_getLogs` answers at `maxResults` logs answers a query with more:
 * Infura's wording, which names the cap but no block range (core classes it as "cannot serve").
 */
export function logsResultsError(maxResults: number): { code: number; message: string } {
  return { code: -32005, message: `query returned more than ${maxResults} results` }
}

/**
 * The error a node that keeps only its newest blocks' state (`stateHistoryBlocks`) answers a state read
 * at an older block with: geth's (hash-scheme full node) wording, naming the missing state root without
 * `0x` (core classes it as "cannot serve", `missing-state`).
 *
 * @example
 * missingStateError('0x1a3b…') // { code: -32000, message: 'missing trie node 1a3b… (path )' }
 */
export function missingStateError(stateRoot: string): { code: number; message: string } {
  return { code: -32000, message: `missing trie node ${stateRoot.replace(/^0x/, '')} (path )` }
}

/** What happens to one request: answered normally, answered with an injected fault, or never answered. */
export type RequestFaultKind = 'none' | keyof FaultErrorMix | 'hang'

/** The decision for one request. */
export interface RequestFault {
  /** Position of the request in the provider's sequence (0-based, HTTP and WebSocket share it). */
  index: number
  kind: RequestFaultKind
  /** Added latency before the answer, a stall included (meaningless for `hang`). */
  delayMs: number
  /** The part of `delayMs` that is a stall drawn by `stallRate`; 0 when the request does not stall. */
  stallMs: number
}

/** The decision for one subscription event. */
export interface EventFault {
  index: number
  delayMs: number
}

/**
 * Per-provider source of fault decisions. Each decision is drawn from its own counter-based random
 * stream (seed + provider id + purpose + index), so the Nth decision is the same on every run with the
 * same seed, whatever the timing and whatever the personality was for earlier requests.
 */
export interface FaultPlan {
  /** Decides the fate of the next request. */
  nextRequest(personality: FaultKnobs): RequestFault
  /** Decides the delivery delay of the next subscription event. */
  nextEvent(personality: FaultKnobs): EventFault
  /** Decides whether the next event sent to a WebSocket connection drops that connection instead. */
  nextDrop(personality: FaultKnobs): boolean
}

const ERROR_KINDS: readonly (keyof FaultErrorMix)[] = ['serverError', 'rateLimit', 'rpcError', 'malformed']

/**
 * Creates the fault plan of one provider.
 *
 * @example
 * const plan = createFaultPlan(42, 'ethereum-charlie')
 * plan.nextRequest(personality) // { index: 0, kind: 'rateLimit', delayMs: 48.2, stallMs: 0 } — same for seed 42
 */
export function createFaultPlan(seed: number | string, providerId: string): FaultPlan {
  let requests = 0
  let events = 0
  let drops = 0
  return {
    nextRequest(personality) {
      const index = requests++
      return { index, ...decideRequest(personality, draws(seed, `${providerId}:request`, index)) }
    },
    nextEvent(personality) {
      const index = events++
      const next = draws(seed, `${providerId}:event`, index)
      return { index, delayMs: sampleDelay(personality.wsDelayMs, personality.wsJitterMs, next) }
    },
    nextDrop(personality) {
      const next = draws(seed, `${providerId}:drop`, drops++)
      return next() < personality.wsDropRate
    },
  }
}

/**
 * The pure decision for one request, from a fresh random generator. Always consumes the same draws, in
 * the same order, so changing one knob does not shift the others' outcomes (the stall's draws come last,
 * so a plan drawn before stalls existed is unchanged where `stallRate` is 0). A stall delays whatever the
 * request gets, an injected error included, as a real provider's slow moment does.
 */
export function decideRequest(
  personality: FaultKnobs,
  next: () => number,
): { kind: RequestFaultKind; delayMs: number; stallMs: number } {
  const hangDraw = next()
  const errorDraw = next()
  const kindDraw = next()
  const latencyMs = sampleDelay(personality.latencyMs, personality.jitterMs, next)
  const stallDraw = next()
  const stallLengthDraw = next()
  const { stallRate, stallMinMs, stallMaxMs } = personality
  const stallMs =
    stallDraw < stallRate ? stallMinMs + Math.max(0, stallMaxMs - stallMinMs) * stallLengthDraw : 0
  const delayMs = latencyMs + stallMs
  if (personality.mode === 'hang' || hangDraw < personality.hangRate)
    return { kind: 'hang', delayMs, stallMs }
  if (errorDraw < personality.errorRate)
    return { kind: pickKind(personality.errorMix, kindDraw), delayMs, stallMs }
  return { kind: 'none', delayMs, stallMs }
}

/** A delay drawn from a normal distribution with median `medianMs`, clamped at 0. */
export function sampleDelay(medianMs: number, jitterMs: number, next: () => number): number {
  const z = standardNormal(next)
  return Math.max(0, medianMs + jitterMs * z)
}

function pickKind(mix: FaultErrorMix, draw: number): keyof FaultErrorMix {
  const total = ERROR_KINDS.reduce((sum, kind) => sum + mix[kind], 0)
  let threshold = draw * total
  for (const kind of ERROR_KINDS) {
    threshold -= mix[kind]
    if (threshold < 0) return kind
  }
  return ERROR_KINDS.findLast((kind) => mix[kind] > 0) ?? 'serverError'
}
