import { draws, standardNormal } from '@chainpulse/core/testing'
import type { ErrorMix, Personality } from './personality.js'

/** What happens to one request: answered normally, answered with an injected fault, or never answered. */
export type RequestFaultKind = 'none' | keyof ErrorMix | 'hang'

/** The decision for one request. */
export interface RequestFault {
  /** Position of the request in the provider's sequence (0-based, HTTP and WebSocket share it). */
  index: number
  kind: RequestFaultKind
  /** Added latency before the answer (meaningless for `hang`). */
  delayMs: number
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
  nextRequest(personality: Personality): RequestFault
  /** Decides the delivery delay of the next subscription event. */
  nextEvent(personality: Personality): EventFault
  /** Decides whether the next event sent to a WebSocket connection drops that connection instead. */
  nextDrop(personality: Personality): boolean
}

const ERROR_KINDS: readonly (keyof ErrorMix)[] = ['serverError', 'rateLimit', 'rpcError', 'malformed']

/**
 * Creates the fault plan of one provider.
 *
 * @example
 * const plan = createFaultPlan(42, 'ethereum-charlie')
 * plan.nextRequest(personality) // { index: 0, kind: 'rateLimit', delayMs: 48.2 } — same for seed 42
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
 * the same order, so changing one knob does not shift the others' outcomes.
 */
export function decideRequest(
  personality: Personality,
  next: () => number,
): { kind: RequestFaultKind; delayMs: number } {
  const hangDraw = next()
  const errorDraw = next()
  const kindDraw = next()
  const delayMs = sampleDelay(personality.latencyMs, personality.jitterMs, next)
  if (personality.mode === 'hang' || hangDraw < personality.hangRate) return { kind: 'hang', delayMs }
  if (errorDraw < personality.errorRate) return { kind: pickKind(personality.errorMix, kindDraw), delayMs }
  return { kind: 'none', delayMs }
}

/** A delay drawn from a normal distribution with median `medianMs`, clamped at 0. */
export function sampleDelay(medianMs: number, jitterMs: number, next: () => number): number {
  const z = standardNormal(next)
  return Math.max(0, medianMs + jitterMs * z)
}

function pickKind(mix: ErrorMix, draw: number): keyof ErrorMix {
  const total = ERROR_KINDS.reduce((sum, kind) => sum + mix[kind], 0)
  let threshold = draw * total
  for (const kind of ERROR_KINDS) {
    threshold -= mix[kind]
    if (threshold < 0) return kind
  }
  return ERROR_KINDS.findLast((kind) => mix[kind] > 0) ?? 'serverError'
}
