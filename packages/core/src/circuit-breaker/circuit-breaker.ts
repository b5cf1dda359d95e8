import { type Clock, systemClock, type TimerHandle } from '../clock/clock.js'
import { CircuitOpenError } from '../errors/errors.js'
import { parseOptions } from '../validation/parse-options.js'
import * as v from '../validation/schema.js'
import { clockSchema, functionSchema, implementsSchema } from '../validation/schemas.js'
import { consecutiveFailures } from './consecutive-failures.js'
import type { TripRule } from './trip-rule.js'

/** The state of a circuit breaker. */
export type CircuitState = 'closed' | 'open' | 'half-open'

/** Why a breaker changed state. */
export type CircuitTransitionReason =
  /** The trip rule fired on a failure while closed. */
  | 'tripped'
  /** A half-open probe failed. */
  | 'probe-failed'
  /** `halfOpenAfterMs` passed since the breaker opened. */
  | 'cooldown-elapsed'
  /** `successThreshold` half-open probes succeeded. */
  | 'probes-succeeded'
  /** `restore()` was called. */
  | 'restored'
  /** `tryAcquireProbe()` asked for a trial before `halfOpenAfterMs` elapsed. */
  | 'probe-requested'

/** Passed to {@link CircuitBreaker.onStateChange} listeners. */
export interface CircuitStateChange {
  from: CircuitState
  to: CircuitState
  /** Clock time of the change (ms). */
  at: number
  reason: CircuitTransitionReason
  /** When `to` is `'open'`: clock time (ms) at which the breaker turns half-open. */
  retryAt?: number
  /** When the change was caused by a failure: the error passed to `recordFailure` (if any). */
  error?: unknown
}

/**
 * JSON-serialisable state of a breaker, from {@link CircuitBreaker.toJSON}. Open time is stored as the
 * time remaining, not as a clock reading, because clock readings (`performance.now()`) do not carry
 * across processes. Trip-rule counts are not included: a restored breaker starts counting afresh.
 */
export type CircuitBreakerSnapshot =
  | { version: 1; state: 'closed' }
  | { version: 1; state: 'open'; remainingOpenMs: number }
  | { version: 1; state: 'half-open'; successes: number }

/**
 * Permission for one attempt, from {@link CircuitBreaker.tryAcquire}. `0` (falsy) means denied; any
 * other value must be settled exactly once with `recordSuccess`, `recordFailure` or `release`.
 */
export type CircuitPermit = number

/** Options of {@link createCircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Names the breaker in {@link CircuitOpenError} messages, e.g. the provider id. */
  name?: string
  /**
   * Consecutive failures that open the breaker; shorthand for `tripRule: consecutiveFailures(n)`.
   * Give this or `tripRule`, not both.
   * @default 5
   */
  failureThreshold?: number
  /**
   * Decides when the closed breaker opens; see `consecutiveFailures` and `failureRatio`.
   * @default consecutiveFailures(failureThreshold)
   */
  tripRule?: TripRule
  /** How long the breaker stays open before letting probes through (ms). @default 10_000 */
  halfOpenAfterMs?: number
  /** Concurrent calls allowed while half-open; the rest are rejected. @default 1 */
  halfOpenMaxProbes?: number
  /** Successful half-open probes needed to close the breaker. @default 1 */
  successThreshold?: number
  /**
   * Which errors thrown by `execute`'s function count as failures. Errors for which it returns `false`
   * are rethrown without affecting the breaker (e.g. a reverted call is the caller's problem, not the
   * provider's).
   * @default every error is a failure
   */
  isFailure?: (error: unknown) => boolean
  /** State to start in (a {@link CircuitBreakerSnapshot}), e.g. one persisted before a restart. */
  initialState?: CircuitBreakerSnapshot
  /** Receives errors thrown by state-change listeners. @default logs with `console.error` */
  onListenerError?: (error: unknown, change: CircuitStateChange) => void
  /** @default systemClock */
  clock?: Clock
}

/** What {@link CircuitBreaker.execute} passes to the function it runs. */
export interface CircuitBreakerContext {
  /** The signal given to `execute`, if any: pass it on to the I/O. */
  signal: AbortSignal | undefined
}

/**
 * Guards calls to one upstream: `closed` lets calls through, `open` rejects them with
 * {@link CircuitOpenError}, `half-open` lets a few probes decide whether to close again.
 */
export interface CircuitBreaker {
  /** Current state; reading it applies a due open → half-open transition even if no timer fired yet. */
  readonly state: CircuitState
  /**
   * Runs `fn` if the breaker allows it and records the outcome. A failure that trips the breaker opens
   * it synchronously, before the returned promise rejects. Errors thrown after `signal` aborted are
   * not counted as failures.
   * @throws {CircuitOpenError} without calling `fn` when open, or when half-open with every probe slot taken.
   */
  execute<T>(fn: (context: CircuitBreakerContext) => T | PromiseLike<T>, signal?: AbortSignal): Promise<T>
  /**
   * Low-level, allocation-free entry for callers that classify outcomes themselves (the provider pool).
   * Returns a permit for one attempt, or `0` when the breaker is open or, half-open, has no free probe
   * slot. Settle every permit exactly once.
   */
  tryAcquire(): CircuitPermit
  /**
   * A permit for a health probe that decides the breaker's state, not waiting for `halfOpenAfterMs`: an
   * open breaker turns half-open at once (reason `probe-requested`); a closed one gives an ordinary permit.
   * `0` when every half-open probe slot is taken. For callers that check a provider in the background
   * (the pool's health prober), so no client request has to be the trial.
   */
  tryAcquireProbe(): CircuitPermit
  /** Records that the attempt behind `permit` succeeded. Outcomes of permits from before the last state change are ignored. */
  recordSuccess(permit: CircuitPermit): void
  /** Records that the attempt behind `permit` failed; may open the breaker synchronously. */
  recordFailure(permit: CircuitPermit, error?: unknown): void
  /** Ends the attempt behind `permit` without a verdict (e.g. HTTP 429, caller abort): frees its probe slot. */
  release(permit: CircuitPermit): void
  /** Calls `listener` after every state change; returns a function that unsubscribes it. */
  onStateChange(listener: (change: CircuitStateChange) => void): () => void
  /** Serialisable state, for persistence; restore it with `restore` or `initialState`. */
  toJSON(): CircuitBreakerSnapshot
  /**
   * Puts the breaker in a saved state. An open snapshot stays open for its remaining time, measured
   * from now on this breaker's clock. Permits issued before are ignored when settled.
   * @throws {ConfigError} when `snapshot` is not a valid {@link CircuitBreakerSnapshot}.
   */
  restore(snapshot: CircuitBreakerSnapshot): void
  /** Cancels the pending half-open timer. The breaker keeps working; due transitions happen when it is next used. */
  dispose(): void
}

const snapshotSchema = v.discriminatedUnion('state', [
  v.strictObject({ version: v.literal(1), state: v.literal('closed') }),
  v.strictObject({
    version: v.literal(1),
    state: v.literal('open'),
    remainingOpenMs: v.number().check(v.nonnegative()),
  }),
  v.strictObject({
    version: v.literal(1),
    state: v.literal('half-open'),
    successes: v.number().check(v.int(), v.nonnegative()),
  }),
])

/** Consecutive failures that open a breaker given neither `failureThreshold` nor `tripRule`. */
export const DEFAULT_FAILURE_THRESHOLD = 5

/**
 * The breaker options that are plain data (what a config file can hold), for schemas that embed them
 * (the provider pool's `breaker`). Their defaults are declared here once.
 */
export const circuitBreakerSettingsShape = {
  /** Consecutive failures that open the breaker; give this or `tripRule`, not both. @default 5 */
  failureThreshold: v.optional(v.number().check(v.int(), v.positive())),
  /** How long the breaker stays open before letting probes through (ms). @default 10_000 */
  halfOpenAfterMs: v._default(v.number().check(v.nonnegative()), 10_000),
  /** Concurrent calls allowed while half-open; the rest are rejected. @default 1 */
  halfOpenMaxProbes: v._default(v.number().check(v.int(), v.positive()), 1),
  /** Successful half-open probes needed to close the breaker. @default 1 */
  successThreshold: v._default(v.number().check(v.int(), v.positive()), 1),
}

/** The breaker options that are code: the trip rule and the hooks. */
export const circuitBreakerHooksShape = {
  /** Decides when the closed breaker opens. @default consecutiveFailures(failureThreshold) */
  tripRule: v.optional(implementsSchema<TripRule>(['create'], 'expected a TripRule ({ create() })')),
  /** Which errors count as failures. @default every error is a failure */
  isFailure: v.optional(functionSchema<(error: unknown) => boolean>()),
  /** Receives errors thrown by state-change listeners. @default logs with `console.error` */
  onListenerError: v.optional(functionSchema<(error: unknown, change: CircuitStateChange) => void>()),
}

/** The check every schema of breaker options runs: a threshold or a trip rule, not both. */
export const thresholdOrTripRule = v.refine(
  (options: { failureThreshold?: number | undefined; tripRule?: TripRule | undefined }) =>
    options.failureThreshold === undefined || options.tripRule === undefined,
  { message: 'give failureThreshold or tripRule, not both', path: ['tripRule'] },
)

const optionsSchema = v
  .strictObject({
    name: v.optional(v.string().check(v.minLength(1))),
    ...circuitBreakerSettingsShape,
    ...circuitBreakerHooksShape,
    initialState: v.optional(snapshotSchema),
    clock: v.optional(clockSchema),
  })
  .check(thresholdOrTripRule)

const everyErrorIsAFailure = () => true

function logListenerError(error: unknown): void {
  console.error('ChainPulse: a circuit breaker state-change listener threw', error)
}

interface ListenerEntry {
  listener: (change: CircuitStateChange) => void
  active: boolean
}

/**
 * Creates a circuit breaker.
 *
 * @throws {ConfigError} when an option is invalid, or both `failureThreshold` and `tripRule` are given.
 * @example
 * const breaker = createCircuitBreaker({ name: 'alchemy', failureThreshold: 3, halfOpenAfterMs: 5_000 })
 * breaker.onStateChange(({ from, to }) => console.log(`${from} → ${to}`))
 * const block = await breaker.execute(({ signal }) => fetchBlockNumber(signal))
 */
export function createCircuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreaker {
  const config = parseOptions(optionsSchema, options, 'circuit breaker options')
  const { name, halfOpenAfterMs, halfOpenMaxProbes, successThreshold } = config
  const clock = config.clock ?? systemClock
  const isFailure = config.isFailure ?? everyErrorIsAFailure
  const onListenerError = config.onListenerError ?? logListenerError
  const tracker = (
    config.tripRule ?? consecutiveFailures(config.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD)
  ).create()

  let state: CircuitState = 'closed'
  // Bumped on every state change; a permit is the epoch it was issued in, so outcomes of attempts that
  // started before a change (stale) are recognised and ignored without per-attempt allocation.
  let epoch = 1
  let openUntil = 0
  let probesInFlight = 0
  let halfOpenSuccesses = 0
  let timer: TimerHandle | undefined
  let disposed = false

  // Copy-on-write, so a listener may unsubscribe (or subscribe) while a change is being delivered.
  let listeners: readonly ListenerEntry[] = []
  // Changes caused by a listener are queued, so every listener sees changes in the order they happened.
  const pending: CircuitStateChange[] = []
  let emitting = false

  function emit(change: CircuitStateChange): void {
    pending.push(change)
    if (emitting) return
    emitting = true
    try {
      for (let next = pending.shift(); next; next = pending.shift()) {
        for (const entry of listeners) {
          if (!entry.active) continue
          try {
            entry.listener(next)
          } catch (error) {
            try {
              onListenerError(error, next)
            } catch {
              // A failing error handler must not break the breaker either.
            }
          }
        }
      }
    } finally {
      emitting = false
    }
  }

  function cancelTimer(): void {
    if (timer === undefined) return
    clock.clearTimeout(timer)
    timer = undefined
  }

  function enter(
    to: CircuitState,
    reason: CircuitTransitionReason,
    detail: { openMs?: number; successes?: number; error?: unknown } = {},
  ): void {
    const from = state
    const at = clock.now()
    cancelTimer()
    state = to
    epoch++
    probesInFlight = 0
    halfOpenSuccesses = to === 'half-open' ? (detail.successes ?? 0) : 0
    if (to !== 'half-open') tracker.reset()
    const change: CircuitStateChange = { from, to, at, reason }
    if (to === 'open') {
      const openMs = detail.openMs ?? halfOpenAfterMs
      openUntil = at + openMs
      change.retryAt = openUntil
      if (!disposed) {
        const openEpoch = epoch
        timer = clock.setTimeout(() => {
          timer = undefined
          if (state === 'open' && epoch === openEpoch) enter('half-open', 'cooldown-elapsed')
        }, openMs)
      }
    }
    if (detail.error !== undefined) change.error = detail.error
    if (from !== to) emit(change)
  }

  /** Applies an open → half-open transition that is due but whose timer has not fired (yet). */
  function refresh(): void {
    if (state === 'open' && clock.now() >= openUntil) enter('half-open', 'cooldown-elapsed')
  }

  function tryAcquire(): CircuitPermit {
    if (state === 'closed') return epoch
    refresh()
    if (state === 'half-open' && probesInFlight < halfOpenMaxProbes) {
      probesInFlight++
      return epoch
    }
    return 0
  }

  function tryAcquireProbe(): CircuitPermit {
    refresh()
    if (state === 'open') enter('half-open', 'probe-requested')
    return tryAcquire()
  }

  function recordSuccess(permit: CircuitPermit): void {
    if (permit !== epoch) return
    if (state === 'closed') {
      tracker.success(tracker.usesTime === false ? 0 : clock.now())
    } else if (state === 'half-open') {
      if (probesInFlight > 0) probesInFlight--
      if (++halfOpenSuccesses >= successThreshold) enter('closed', 'probes-succeeded')
    }
  }

  function recordFailure(permit: CircuitPermit, error?: unknown): void {
    if (permit !== epoch) return
    if (state === 'closed') {
      if (tracker.failure(tracker.usesTime === false ? 0 : clock.now())) enter('open', 'tripped', { error })
    } else if (state === 'half-open') {
      enter('open', 'probe-failed', { error })
    }
  }

  function release(permit: CircuitPermit): void {
    if (permit === epoch && state === 'half-open' && probesInFlight > 0) probesInFlight--
  }

  function openError(): CircuitOpenError {
    // Half-open with every slot taken: a slot may free up at any moment, so "now" is the honest answer.
    const retryAt = state === 'open' ? openUntil : clock.now()
    return new CircuitOpenError(name === undefined ? { retryAt } : { retryAt, name })
  }

  async function execute<T>(
    fn: (context: CircuitBreakerContext) => T | PromiseLike<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    if (signal?.aborted) throw signal.reason
    const permit = tryAcquire()
    if (!permit) throw openError()
    let result: T
    try {
      result = await fn({ signal })
    } catch (error) {
      let failed: boolean
      try {
        failed = !signal?.aborted && isFailure(error)
      } catch {
        // A throwing classifier must not leak the permit (a half-open probe slot would stay taken).
        failed = true
      }
      if (failed) recordFailure(permit, error)
      else release(permit)
      throw error
    }
    recordSuccess(permit)
    return result
  }

  function restore(snapshot: CircuitBreakerSnapshot): void {
    const parsed = parseOptions(snapshotSchema, snapshot, 'circuit breaker snapshot')
    if (parsed.state === 'open') enter('open', 'restored', { openMs: parsed.remainingOpenMs })
    else if (parsed.state === 'half-open') enter('half-open', 'restored', { successes: parsed.successes })
    else enter('closed', 'restored')
  }

  if (config.initialState) restore(config.initialState)

  return {
    get state() {
      refresh()
      return state
    },
    execute,
    tryAcquire,
    tryAcquireProbe,
    recordSuccess,
    recordFailure,
    release,
    onStateChange(listener) {
      const entry: ListenerEntry = { listener, active: true }
      listeners = [...listeners, entry]
      return () => {
        if (!entry.active) return
        entry.active = false
        listeners = listeners.filter((candidate) => candidate !== entry)
      }
    },
    toJSON() {
      refresh()
      if (state === 'open')
        return { version: 1, state, remainingOpenMs: Math.max(0, openUntil - clock.now()) }
      if (state === 'half-open') return { version: 1, state, successes: halfOpenSuccesses }
      return { version: 1, state }
    },
    restore,
    dispose() {
      disposed = true
      cancelTimer()
    },
  }
}
