import { type Cancellation, createCancellation } from '../../abort/cancellation.js'
import { onAbort } from '../../abort/on-abort.js'
import type { CircuitPermit } from '../../circuit-breaker/circuit-breaker.js'
import type { Clock, TimerHandle } from '../../clock/clock.js'
import type { ChainPulseError } from '../../errors/base-error.js'
import {
  AbortedError,
  MalformedResponseError,
  UpstreamHttpError,
  UpstreamRpcError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../../errors/errors.js'
import type { ProviderRuntime } from '../provider/provider-runtime.js'
import type { UpstreamResponse } from '../provider/upstream.js'
import { type AttemptVerdict, judgeRpcError, judgeThrown, preferredRpcError } from './failure-model.js'
import { isPureRead } from './read-methods.js'
import { isDuplicateSubmission, isWriteMethod, rawTransactionHash } from './write-methods.js'

/** One request to walk through an ordered list of providers. */
export interface ExecutionPlan {
  method: string
  params: unknown
  /**
   * The block whose state the call reads, for a state read naming one by number: each provider's answer
   * teaches where its state starts (a result: it keeps it; "missing state": it does not).
   */
  stateBlock?: number | undefined
  /** Providers in the order to try them. */
  providers: readonly ProviderRuntime[]
  /**
   * Providers cooling down after a throttle, earliest end first. When the others are exhausted, the
   * request waits for the earliest cooldown to end if that fits its deadline, or else tries that provider
   * at once: throttles slow a request down, they do not fail it while a provider is fine.
   */
  coolingDown: readonly ProviderRuntime[]
  /** Clock time by which the request ends, answered or not. */
  deadline: number
  /** Per-attempt timeout (ms), shortened to what is left of the deadline. */
  attemptTimeoutMs: number
  /**
   * Hedging: how long an attempt on `provider` may stay unanswered before the same read also goes to the
   * next provider, and how many such extra copies a request may send; `undefined` disables it. Only pure
   * reads are ever hedged (`read-methods.ts`).
   */
  hedge: { delayMs(provider: ProviderRuntime): number; maxHedges: number } | undefined
  signal: AbortSignal | undefined
  clock: Clock
  /** Cooldown after a throttle that did not say how long to wait. */
  defaultCooldownMs: number
  /** Records one attempt's latency and whether the provider did its job. */
  recordAttempt(provider: ProviderRuntime, durationMs: number, ok: boolean): void
  /**
   * An attempt got no answer (refused, unreachable, timed out), or another provider answered a hedged
   * read first: the provider may be down or stuck.
   */
  suspectUnreachable(provider: ProviderRuntime): void
  /** A provider refused the request for its size (e.g. an `eth_getLogs` range): learn its limit. */
  learnRequestLimit?: ((provider: ProviderRuntime, error: ChainPulseError) => void) | undefined
}

/** How a request ended. */
export type ExecutionResult =
  | {
      kind: 'ok'
      result: unknown
      rawResult: string | undefined
      provider: ProviderRuntime
      attempts: number
    }
  /** Every provider tried erred with a JSON-RPC error, or one gave a deterministic one: relay it as it came. */
  | { kind: 'rpc-error'; error: UpstreamRpcError; provider: ProviderRuntime; attempts: number }
  /** Nothing answered: transport faults only (or the deadline cut the last attempts). */
  | {
      kind: 'failed'
      failures: ChainPulseError[]
      lastProvider: ProviderRuntime | undefined
      attempts: number
      deadlineReached: boolean
    }
  /** No provider could be tried at all. */
  | { kind: 'unavailable'; reasons: Record<string, string> }
  | { kind: 'aborted'; error: AbortedError; attempts: number }

/** An error some provider gave that the request's end decides on (blame, or relay to the client). */
interface HeldError {
  provider: ProviderRuntime
  kind: 'cannot-serve' | 'disputed' | 'throttled'
  error: ChainPulseError
  /** The breaker permit of a disputed attempt, settled once the request's outcome decides it. */
  permit: CircuitPermit
  durationMs: number
}

/** A cooldown wait must leave at least this much of the deadline for the attempt after it. */
const MIN_ATTEMPT_BUDGET_MS = 100

/**
 * Walks `plan.providers` until one answers, judging each attempt by the failure model
 * (`failure-model.ts`): provider faults count against the provider and move on; throttles cool it down
 * and move on; "cannot serve" answers move on without blame; disputed JSON-RPC errors move on and count
 * against their provider only if another provider then answers; a deterministic error (revert, invalid
 * params) ends the request as it is. When every provider has been tried, a throttled one gets a second
 * chance after its cooldown, then one that answered with a 5xx or a malformed body is asked once more.
 * When every provider erred, the client gets an upstream's error
 * object as it came. Everything happens before `plan.deadline`. With hedging, a pure read still
 * unanswered after the hedge delay also goes to the next provider (up to `maxHedges` extra copies) and the
 * first answer wins. Writes and anything else that might have side effects are never hedged.
 */
export function executeRequest(plan: ExecutionPlan): Promise<ExecutionResult> {
  const { clock } = plan
  const isWrite = isWriteMethod(plan.method)
  // With one provider to ask there is no one to hedge to: the hot path skips hedging's bookkeeping.
  const hedge =
    isPureRead(plan.method) && plan.providers.length + plan.coolingDown.length > 1 ? plan.hedge : undefined
  let hedges = 0
  const queue = [...plan.providers]
  const coolingDown = [...plan.coolingDown]
  /** Providers tried while still cooling down, because waiting would pass the deadline; each gets that chance once. */
  const triedWhileCooling = new Set<ProviderRuntime>()
  /**
   * Throttled answers per provider in this request. The first is waited out (the provider gets a second
   * chance), whether it came from this request or the provider was already cooling when it was planned;
   * a second ends that provider's part in the request, so a provider that keeps throttling is asked at
   * most twice.
   */
  const throttles = new Map<ProviderRuntime, number>()
  /**
   * Providers that answered an attempt badly (a 5xx, a malformed or truncated body), in the order they
   * failed. When nothing else is left, each is asked once more: independent transient faults of the last
   * providers standing must not fail a request that still has time. Not asked again: timeouts (they
   * already spent their share of the deadline) and connection failures (nothing answered).
   */
  const askAgain: ProviderRuntime[] = []
  const askedAgain = new Set<ProviderRuntime>()
  const failures: ChainPulseError[] = []
  const heldErrors: HeldError[] = []
  const skipped: Record<string, string> = {}
  let attempts = 0
  let inFlight = 0
  let lastProvider: ProviderRuntime | undefined
  let hedgeTimer: TimerHandle | undefined
  let waitTimer: TimerHandle | undefined
  let deadlineCut = false
  let settled = false
  /**
   * Attempts in flight, by their cancellation, with their provider and start: a hedged request's losers
   * are cancelled (only hedged requests have losers).
   */
  const cancellations = hedge
    ? new Map<Cancellation, { provider: ProviderRuntime; startedAt: number }>()
    : undefined
  let stopWaitingForAbort: (() => void) | undefined

  return new Promise<ExecutionResult>((resolve) => {
    const finish = (result: ExecutionResult, answeredBy?: ProviderRuntime) => {
      if (settled) return
      settled = true
      if (hedgeTimer !== undefined) clock.clearTimeout(hedgeTimer)
      if (waitTimer !== undefined) clock.clearTimeout(waitTimer)
      stopWaitingForAbort?.()
      if (cancellations)
        for (const [cancellation, { provider, startedAt }] of cancellations) {
          cancellation.abort()
          if (answeredBy === undefined) continue
          // An attempt that was overdue when another provider answered (it had outlasted its own hedge
          // delay: the attempt a hedge went out for) is recorded as taking as long as it ran, a lower
          // bound of its latency. Left out, a provider's stalls would vanish from its figures whenever a
          // hedge rescues them, and its p95 and mean would describe only its fast answers. A copy cut
          // short before its own delay says nothing about its provider and is not recorded. Not a
          // failure: it counts against no one.
          const ranMs = clock.now() - startedAt
          if (ranMs >= hedge!.delayMs(provider)) plan.recordAttempt(provider, ranMs, true)
          // Another provider answered first, and this one has answered nothing at all since the attempt
          // began (a slow but healthy provider answers its other calls meanwhile): it may be stuck.
          if (provider.lastAnsweredAt < startedAt) plan.suspectUnreachable(provider)
        }
      settleDisputes(answeredBy)
      resolve(result)
    }

    /** A disputed error counts against its provider only when another provider answered. */
    const settleDisputes = (answeredBy: ProviderRuntime | undefined) => {
      for (const held of heldErrors) {
        if (held.kind !== 'disputed') continue
        const blamed = answeredBy !== undefined && answeredBy !== held.provider
        if (blamed) held.provider.breaker.recordFailure(held.permit, held.error)
        else held.provider.breaker.release(held.permit)
        plan.recordAttempt(held.provider, held.durationMs, !blamed)
      }
    }

    const abortRequest = () =>
      finish({ kind: 'aborted', error: new AbortedError({ cause: plan.signal?.reason }), attempts })
    if (plan.signal?.aborted) return abortRequest()
    if (plan.signal) stopWaitingForAbort = onAbort(plan.signal, abortRequest)

    const launchNext = (): boolean => {
      while (queue.length > 0) {
        const remaining = plan.deadline - clock.now()
        if (remaining <= 0) {
          deadlineCut = true
          return false
        }
        const provider = queue.shift()!
        if (provider.cooldownUntil > clock.now() && !triedWhileCooling.has(provider)) {
          // It started cooling down after the plan was made (another request's throttle).
          insertCooling(provider)
          continue
        }
        if (provider.limiter && !provider.limiter.tryTake()) {
          skipped[provider.config.id] = 'over its rate limit'
          continue
        }
        const permit = provider.breaker.tryAcquire()
        if (!permit) {
          skipped[provider.config.id] = `circuit ${provider.breaker.state}`
          continue
        }
        attempts++
        inFlight++
        lastProvider = provider
        const timeoutMs = Math.min(plan.attemptTimeoutMs, remaining)
        void attempt(provider, permit, timeoutMs, timeoutMs < plan.attemptTimeoutMs).then((verdict) =>
          onVerdict(provider, verdict),
        )
        if (hedge && hedges < hedge.maxHedges && queue.length > 0) {
          if (hedgeTimer !== undefined) clock.clearTimeout(hedgeTimer)
          hedgeTimer = clock.setTimeout(() => {
            hedgeTimer = undefined
            if (settled) return
            hedges++
            launchNext()
          }, hedge.delayMs(provider))
        }
        return true
      }
      return false
    }

    const insertCooling = (provider: ProviderRuntime) => {
      if (coolingDown.includes(provider)) return
      coolingDown.push(provider)
      coolingDown.sort((a, b) => a.cooldownUntil - b.cooldownUntil)
    }

    /**
     * Nothing left to try and nothing in flight: wait out the earliest throttle if it fits the deadline,
     * else try that provider at once (once); then ask once more each provider that answered badly; when no
     * provider is left at all, end with the best there is.
     */
    const onExhausted = () => {
      const next = coolingDown.shift()
      if (next !== undefined && !deadlineCut) {
        const waitMs = next.cooldownUntil - clock.now()
        if (waitMs > 0 && clock.now() + waitMs + MIN_ATTEMPT_BUDGET_MS <= plan.deadline) {
          queue.push(next)
          waitTimer = clock.setTimeout(() => {
            waitTimer = undefined
            if (!settled && !launchNext()) onExhausted()
          }, waitMs)
          return
        }
        if (!triedWhileCooling.has(next)) {
          triedWhileCooling.add(next)
          queue.push(next)
          if (launchNext()) return
        }
        return onExhausted()
      }
      const again = askAgain.shift()
      if (again !== undefined && !deadlineCut) {
        askedAgain.add(again)
        queue.push(again)
        if (launchNext()) return
        return onExhausted()
      }
      const relayed = preferredRpcError(heldErrors)
      if (relayed)
        return finish({ kind: 'rpc-error', error: relayed.error, provider: relayed.provider, attempts })
      if (attempts === 0 && !deadlineCut) return finish({ kind: 'unavailable', reasons: skipped })
      const unanswered = [...failures, ...heldErrors.map((held) => held.error)]
      finish({ kind: 'failed', failures: unanswered, lastProvider, attempts, deadlineReached: deadlineCut })
    }

    const onVerdict = (
      provider: ProviderRuntime,
      verdict: AttemptVerdict & { permit?: CircuitPermit; durationMs?: number },
    ) => {
      inFlight--
      if (settled) {
        // A losing hedge or a late answer: its permit was kept only for a disputed error.
        if (verdict.kind === 'disputed') provider.breaker.release(verdict.permit!)
        return
      }
      switch (verdict.kind) {
        case 'answered':
          return finish(answerOf(provider, verdict as AnsweredVerdict), provider)
        case 'request-fault':
          return finish({ kind: 'rpc-error', error: verdict.error, provider, attempts })
        case 'aborted':
          if (verdict.error.cause === DEADLINE) {
            deadlineCut = true
            failures.push(
              new UpstreamTimeoutError({ providerId: provider.config.id, timeoutMs: verdict.durationMs! }),
            )
            break
          }
          return finish({ kind: 'aborted', error: verdict.error, attempts })
        case 'provider-fault':
          failures.push(verdict.error)
          if (answeredBadly(verdict.error) && !askedAgain.has(provider)) askAgain.push(provider)
          if (gotNoAnswer(verdict.error)) plan.suspectUnreachable(provider)
          break
        case 'throttled': {
          // A throttle said as a JSON-RPC error is relayed like any other if every provider errs.
          if (verdict.error instanceof UpstreamRpcError)
            heldErrors.push({ provider, kind: 'throttled', error: verdict.error, permit: 0, durationMs: 0 })
          else failures.push(verdict.error)
          const count = (throttles.get(provider) ?? 0) + 1
          throttles.set(provider, count)
          if (count < 2) insertCooling(provider)
          break
        }
        case 'cannot-serve':
        case 'disputed':
          heldErrors.push({
            provider,
            kind: verdict.kind,
            error: verdict.error,
            permit: verdict.permit ?? 0,
            durationMs: verdict.durationMs ?? 0,
          })
          break
      }
      if (launchNext() || inFlight > 0) return
      onExhausted()
    }

    type AnsweredVerdict = { kind: 'answered'; result: unknown; rawResult: string | undefined }

    /** One call to one provider, judged, with its breaker and the benchmark store told; never rejects. */
    const attempt = async (
      provider: ProviderRuntime,
      permit: CircuitPermit,
      timeoutMs: number,
      cutByDeadline: boolean,
    ): Promise<AttemptVerdict & { permit?: CircuitPermit; durationMs?: number }> => {
      // Only hedged requests have losers to cancel; otherwise the caller's signal is all an attempt
      // needs. A hedged one's is light (abort/cancellation.ts): a real AbortSignal per attempt would
      // cost more CPU than the rest of hedging.
      const cancellation = hedge ? createCancellation() : undefined
      const started = clock.now()
      if (cancellation) cancellations!.set(cancellation, { provider, startedAt: started })
      const signal = cancellation ? cancellation.signal : plan.signal
      const { breaker } = provider
      try {
        const response: UpstreamResponse = await provider.upstream.request(plan.method, plan.params, {
          signal,
          timeoutMs,
        })
        const durationMs = clock.now() - started
        if (!('error' in response)) {
          breaker.recordSuccess(permit)
          provider.noteAnswered()
          if (plan.stateBlock !== undefined) provider.noteStateServed(plan.stateBlock)
          plan.recordAttempt(provider, durationMs, true)
          const answered: AnsweredVerdict = {
            kind: 'answered',
            result: response.result,
            rawResult: response.raw,
          }
          return answered as AttemptVerdict
        }
        const duplicateHash =
          isWrite && attempts > 1 && isDuplicateSubmission(response.error.message)
            ? transactionHashOf(plan.params)
            : undefined
        if (duplicateHash !== undefined) {
          // An earlier attempt of this request reached the network; the transaction is in.
          breaker.recordSuccess(permit)
          plan.recordAttempt(provider, durationMs, true)
          const answered: AnsweredVerdict = {
            kind: 'answered',
            result: duplicateHash,
            rawResult: undefined,
          }
          return answered as AttemptVerdict
        }
        return settle(
          provider,
          permit,
          judgeRpcError(response.error, provider.config.id, response.raw),
          durationMs,
        )
      } catch (caught) {
        const durationMs = clock.now() - started
        // A timeout the deadline imposed, shorter than the provider's own timeout: not its fault.
        if (cutByDeadline && caught instanceof UpstreamTimeoutError) {
          breaker.release(permit)
          return { kind: 'aborted', error: new AbortedError({ cause: DEADLINE }), durationMs }
        }
        return settle(
          provider,
          permit,
          judgeThrown(caught, provider.config.id, signal?.aborted === true),
          durationMs,
        )
      } finally {
        if (cancellation) cancellations!.delete(cancellation)
      }
    }

    /** Applies a verdict's immediate consequences: breaker, cooldown, unsupported-method memory, store. */
    const settle = (
      provider: ProviderRuntime,
      permit: CircuitPermit,
      verdict: AttemptVerdict,
      durationMs: number,
    ): AttemptVerdict & { permit?: CircuitPermit; durationMs?: number } => {
      const { breaker } = provider
      switch (verdict.kind) {
        case 'provider-fault':
          breaker.recordFailure(permit, verdict.error)
          plan.recordAttempt(provider, durationMs, false)
          return verdict
        case 'throttled':
          breaker.release(permit)
          plan.recordAttempt(provider, durationMs, false)
          provider.startCooldown(
            verdict.retryAfterMs ?? plan.defaultCooldownMs,
            `rate limited: ${verdict.error.shortMessage}`,
          )
          return verdict
        case 'request-fault':
          // The provider worked; the answer is about the request (a revert: it had the state to run it).
          breaker.recordSuccess(permit)
          if (plan.stateBlock !== undefined) provider.noteStateServed(plan.stateBlock)
          plan.recordAttempt(provider, durationMs, true)
          return verdict
        case 'cannot-serve':
          breaker.release(permit)
          if (verdict.reason === 'method-unsupported' && verdict.error instanceof UpstreamRpcError)
            provider.markUnsupported(plan.method, verdict.error)
          if (verdict.reason === 'request-limit') plan.learnRequestLimit?.(provider, verdict.error)
          if (verdict.reason === 'missing-state' && plan.stateBlock !== undefined)
            provider.noteStateMissing(plan.stateBlock)
          return { ...verdict, durationMs }
        case 'disputed':
          // Judged when the request ends: the permit stays open until then.
          return { ...verdict, permit, durationMs }
        case 'aborted':
          breaker.release(permit)
          return verdict
        case 'answered':
          return verdict
      }
    }

    const answerOf = (provider: ProviderRuntime, verdict: AnsweredVerdict): ExecutionResult => ({
      kind: 'ok',
      result: verdict.result,
      rawResult: verdict.rawResult,
      provider,
      attempts,
    })

    if (!launchNext()) onExhausted()
  })
}

/** The hash of the raw transaction a write carries, or `undefined` when its params hold none. */
function transactionHashOf(params: unknown): string | undefined {
  try {
    return rawTransactionHash(String((params as unknown[])[0]))
  } catch {
    return undefined
  }
}

/**
 * A transient fault of a provider that was reached and answered, badly: a 5xx or a malformed body. Worth
 * asking it once more; a 3xx or an auth or plan refusal (401, 403, …) would only say the same again.
 */
function answeredBadly(error: ChainPulseError): boolean {
  return (
    (error instanceof UpstreamHttpError && error.status >= 500) || error instanceof MalformedResponseError
  )
}

function gotNoAnswer(error: ChainPulseError): boolean {
  return error instanceof UpstreamUnavailableError || error instanceof UpstreamTimeoutError
}

/** The cause of an attempt the request's deadline ended. */
const DEADLINE = Symbol('deadline')
