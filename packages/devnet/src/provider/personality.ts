import { z } from 'zod'
import { DevnetConfigError } from '../errors.js'
import { parseWith } from '../validation.js'

/**
 * Relative weights of the injected error kinds; only their ratios matter. An injected error is drawn
 * with probability `errorRate`, then its kind is drawn with these weights.
 */
export interface ErrorMix {
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
 * How a provider is reachable: `up` answers; `down` refuses connections (nothing listens on its port);
 * `hang` accepts connections and requests but never answers them.
 */
export type ProviderMode = 'up' | 'down' | 'hang'

/** Everything that makes a simulated provider behave like a particular real one. All knobs change at runtime. */
export interface Personality {
  /** Median added latency of every answered request, in ms. @default 0 */
  latencyMs: number
  /** Standard deviation of the added latency (normal distribution, clamped at 0), in ms. @default 0 */
  jitterMs: number
  /** Probability that a request gets an injected error instead of its answer (0–1). @default 0 */
  errorRate: number
  /** Relative weights of the injected error kinds. @default all 1 */
  errorMix: ErrorMix
  /**
   * `Retry-After` seconds sent with injected 429s; `null` sends none (as many providers do), and clients
   * fall back to their own backoff. @default 1
   */
  retryAfterSeconds: number | null
  /** Probability that a request is accepted and never answered (0–1). @default 0 */
  hangRate: number
  /**
   * Probability that a request stalls (0–1): its answer, whatever it is, is held back a further
   * `stallMinMs`–`stallMaxMs` on top of the latency — the heavy tail real providers show. @default 0
   */
  stallRate: number
  /** Shortest stall, in ms; stall lengths are uniform between the two bounds. @default 200 */
  stallMinMs: number
  /** Longest stall, in ms; at least `stallMinMs`. @default 800 */
  stallMaxMs: number
  /** Blocks this provider trails the chain head by: `eth_blockNumber`, `latest` and `newHeads` lag. @default 0 */
  lagBlocks: number
  /** Median delay added to each WebSocket subscription event, in ms. @default 0 */
  wsDelayMs: number
  /** Standard deviation of the WebSocket event delay, in ms. @default 0 */
  wsJitterMs: number
  /** Probability, per event sent to a connection, that the connection is dropped instead (0–1). @default 0 */
  wsDropRate: number
  /** Reachability; `kill()` sets `down`, `revive()` sets `up`. @default 'up' */
  mode: ProviderMode
  /**
   * Widest `eth_getLogs` block range served, in blocks (`toBlock - fromBlock + 1`); a wider query is
   * answered with JSON-RPC error -32602 `query exceeds max block range N`, as providers with a range
   * limit do. `null`: no limit. @default null
   */
  maxLogsBlockRange: number | null
  /**
   * Most logs an `eth_getLogs` answer may hold; a query matching more is answered with JSON-RPC error
   * -32005 `query returned more than N results`, as providers with a result cap do. `null`: no limit.
   * @default null
   */
  maxLogsResults: number | null
  /**
   * How many of its newest blocks' state the provider keeps, as a pruning node does (geth's full node:
   * 128); a state read (`eth_getBalance`, `eth_call`, …) at an older block is answered with JSON-RPC error
   * -32000 `missing trie node <state root> (path )`, as geth answers. `null`: all of it (an archive node).
   * @default null
   */
  stateHistoryBlocks: number | null
}

/** A partial personality: the knobs to change. `errorMix` may itself be partial. */
export type PersonalityPatch = Partial<Omit<Personality, 'errorMix'>> & { errorMix?: Partial<ErrorMix> }

/** A well-behaved provider: no added latency, no errors, no lag. */
export const neutralPersonality: Personality = Object.freeze({
  latencyMs: 0,
  jitterMs: 0,
  errorRate: 0,
  errorMix: Object.freeze({ serverError: 1, rateLimit: 1, rpcError: 1, malformed: 1 }),
  retryAfterSeconds: 1,
  hangRate: 0,
  stallRate: 0,
  stallMinMs: 200,
  stallMaxMs: 800,
  lagBlocks: 0,
  wsDelayMs: 0,
  wsJitterMs: 0,
  wsDropRate: 0,
  mode: 'up',
  maxLogsBlockRange: null,
  maxLogsResults: null,
  stateHistoryBlocks: null,
}) as Personality

/** Names of the built-in personality presets. */
export type PersonalityPreset = 'leader' | 'steady' | 'slow' | 'flaky' | 'lagging' | 'neutral'

/**
 * Built-in personalities, chosen so a demo shows a clear leader, a slow one, a flaky one and one that
 * trails the head.
 *
 * @example
 * startDevnet({ chains: [{ name: 'ethereum', providers: [{ preset: 'flaky' }] }] })
 */
export const personalityPresets: Readonly<Record<PersonalityPreset, PersonalityPatch>> = Object.freeze({
  neutral: {},
  leader: { latencyMs: 12, jitterMs: 4, errorRate: 0.002, wsDelayMs: 3, wsJitterMs: 2 },
  steady: { latencyMs: 35, jitterMs: 10, errorRate: 0.01, wsDelayMs: 25, wsJitterMs: 10 },
  slow: { latencyMs: 140, jitterMs: 45, errorRate: 0.01, wsDelayMs: 120, wsJitterMs: 40 },
  flaky: {
    latencyMs: 45,
    jitterMs: 25,
    errorRate: 0.15,
    hangRate: 0.01,
    wsDelayMs: 30,
    wsJitterMs: 20,
    wsDropRate: 0.01,
  },
  lagging: { latencyMs: 30, jitterMs: 10, errorRate: 0.01, lagBlocks: 2, wsDelayMs: 20, wsJitterMs: 8 },
})

const probability = z.number().min(0).max(1)
const milliseconds = z.number().min(0).max(600_000)
const weight = z.number().min(0).max(1_000_000)

const errorMixPatchSchema = z.strictObject({
  serverError: weight.optional(),
  rateLimit: weight.optional(),
  rpcError: weight.optional(),
  malformed: weight.optional(),
})

/** zod schema of a {@link PersonalityPatch}; unknown keys are rejected so typos do not pass silently. */
export const personalityPatchSchema = z.strictObject({
  latencyMs: milliseconds.optional(),
  jitterMs: milliseconds.optional(),
  errorRate: probability.optional(),
  errorMix: errorMixPatchSchema.optional(),
  retryAfterSeconds: z.number().int().min(0).max(86_400).nullable().optional(),
  hangRate: probability.optional(),
  stallRate: probability.optional(),
  stallMinMs: milliseconds.optional(),
  stallMaxMs: milliseconds.optional(),
  lagBlocks: z.number().int().min(0).max(10_000).optional(),
  wsDelayMs: milliseconds.optional(),
  wsJitterMs: milliseconds.optional(),
  wsDropRate: probability.optional(),
  mode: z.enum(['up', 'down', 'hang']).optional(),
  maxLogsBlockRange: z.number().int().min(1).max(1_000_000_000).nullable().optional(),
  maxLogsResults: z.number().int().min(1).max(1_000_000_000).nullable().optional(),
  stateHistoryBlocks: z.number().int().min(1).max(1_000_000_000).nullable().optional(),
})

/**
 * Applies a patch to a personality and validates the result.
 *
 * @throws {DevnetConfigError} naming the bad field, e.g. `personality patch: errorRate: Too big ...`
 * @example
 * applyPersonalityPatch(neutralPersonality, { latencyMs: 50, errorMix: { rateLimit: 3 } })
 */
export function applyPersonalityPatch(
  base: Personality,
  patch: unknown,
  what = 'personality patch',
): Personality {
  const parsed = parseWith(personalityPatchSchema, patch ?? {}, what)
  const { errorMix, ...rest } = parsed
  const next: Personality = { ...base, ...stripUndefined(rest), errorMix: { ...base.errorMix } }
  if (errorMix) Object.assign(next.errorMix, stripUndefined(errorMix))
  const totalWeight = Object.values(next.errorMix).reduce((sum, w) => sum + w, 0)
  if (next.errorRate > 0 && totalWeight === 0) {
    throw new DevnetConfigError(`${what}: errorMix: weights are all 0 while errorRate > 0`, ['errorMix'])
  }
  if (next.stallMinMs > next.stallMaxMs) {
    const knob = 'stallMaxMs' in parsed ? 'stallMaxMs' : 'stallMinMs'
    throw new DevnetConfigError(
      `${what}: ${knob}: stallMinMs (${next.stallMinMs}) exceeds stallMaxMs (${next.stallMaxMs})`,
      [knob],
    )
  }
  return next
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}
