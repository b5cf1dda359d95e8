import { onAbort } from '../../abort/on-abort.js'
import type { Clock, TimerHandle } from '../../clock/clock.js'
import type { ChainPulseError } from '../../errors/base-error.js'
import { AbortedError, RateLimitedError, UpstreamError, UpstreamRpcError } from '../../errors/errors.js'
import { classifyRpcError, type JsonRpcResponse } from '../../transport/json-rpc.js'
import { rawResultOf } from '../../transport/raw-result.js'
import type { ProviderRuntime } from '../provider/provider-runtime.js'
import { rawBodyOf } from '../provider/upstream.js'
import { isDuplicateSubmission, isWriteMethod, rawTransactionHash } from './write-methods.js'

/** One request to walk through an ordered list of providers. */
export interface ExecutionPlan {
  method: string
  params: unknown
  /** Providers in the order to try them. */
  providers: readonly ProviderRuntime[]
  timeoutMs: number
  /** Delay before sending the same read to the next provider too; `undefined` disables hedging. */
  hedgeDelayMs: ((provider: ProviderRuntime) => number) | undefined
  signal: AbortSignal | undefined
  clock: Clock
  /** Cooldown after a rate-limit answer that carries no Retry-After. */
  defaultCooldownMs: number
  /** Records one attempt's outcome (`ok` = the provider did its job, even if the call reverted). */
  recordAttempt(provider: ProviderRuntime, durationMs: number, ok: boolean): void
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
  | { kind: 'rpc-error'; error: UpstreamRpcError; provider: ProviderRuntime; attempts: number }
  | {
      kind: 'failed'
      failures: ChainPulseError[]
      lastProvider: ProviderRuntime | undefined
      attempts: number
    }
  | { kind: 'unavailable'; reasons: Record<string, string> }
  | { kind: 'aborted'; error: AbortedError; attempts: number }

type AttemptOutcome =
  | { kind: 'ok'; result: unknown; rawResult?: string | undefined }
  | { kind: 'rpc-error'; error: UpstreamRpcError }
  | { kind: 'retry'; error: ChainPulseError }
  | { kind: 'fatal'; error: ChainPulseError }
  | { kind: 'aborted'; error: AbortedError }

/**
 * Walks `plan.providers` in order until one answers: retriable failures (network, timeout, 5xx, 429,
 * malformed body, upstream-side JSON-RPC errors) move on to the next provider; deterministic JSON-RPC
 * errors (a revert, invalid params) end the request as they are. With hedging, a read still unanswered
 * after the hedge delay is also sent to the next provider and the first answer wins; the others are
 * aborted. Writes are never hedged.
 */
export function executeRequest(plan: ExecutionPlan): Promise<ExecutionResult> {
  const { providers, clock } = plan
  const isWrite = isWriteMethod(plan.method)
  const hedgeDelay = isWrite ? undefined : plan.hedgeDelayMs
  const failures: ChainPulseError[] = []
  const skipped: Record<string, string> = {}
  /** Method-unsupported answers: returned only if every provider says so. */
  let unsupported: { error: UpstreamRpcError; provider: ProviderRuntime } | undefined
  let next = 0
  let attempts = 0
  let inFlight = 0
  let lastProvider: ProviderRuntime | undefined
  let hedgeTimer: TimerHandle | undefined
  let settled = false
  // Only hedged requests have losers to cancel.
  const controllers = hedgeDelay ? new Set<AbortController>() : undefined

  let stopWaitingForAbort: (() => void) | undefined

  return new Promise<ExecutionResult>((resolve) => {
    const finish = (result: ExecutionResult) => {
      if (settled) return
      settled = true
      if (hedgeTimer !== undefined) clock.clearTimeout(hedgeTimer)
      stopWaitingForAbort?.()
      // Losing hedges are cancelled; their permits are released as aborted attempts.
      if (controllers) for (const controller of controllers) controller.abort()
      resolve(result)
    }
    const abortRequest = () =>
      finish({ kind: 'aborted', error: new AbortedError({ cause: plan.signal?.reason }), attempts })
    if (plan.signal?.aborted) return abortRequest()
    if (plan.signal) stopWaitingForAbort = onAbort(plan.signal, abortRequest)

    const launchNext = (): boolean => {
      while (next < providers.length) {
        const provider = providers[next++]!
        if (provider.cooldownUntil > clock.now()) {
          skipped[provider.config.id] = 'cooling down'
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
        void attempt(provider, permit).then((outcome) => onOutcome(provider, outcome))
        if (hedgeDelay && next < providers.length) {
          if (hedgeTimer !== undefined) clock.clearTimeout(hedgeTimer)
          hedgeTimer = clock.setTimeout(() => {
            hedgeTimer = undefined
            if (!settled) launchNext()
          }, hedgeDelay(provider))
        }
        return true
      }
      return false
    }

    const onOutcome = (provider: ProviderRuntime, outcome: AttemptOutcome) => {
      inFlight--
      if (settled) return
      switch (outcome.kind) {
        case 'ok':
          return finish({
            kind: 'ok',
            result: outcome.result,
            rawResult: outcome.rawResult,
            provider,
            attempts,
          })
        case 'rpc-error':
          if (
            outcome.error.errorClass === 'method-unsupported' ||
            outcome.error.errorClass === 'request-limit'
          ) {
            unsupported = { error: outcome.error, provider }
            break
          }
          return finish({ kind: 'rpc-error', error: outcome.error, provider, attempts })
        case 'aborted':
          return finish({ kind: 'aborted', error: outcome.error, attempts })
        case 'fatal':
          failures.push(outcome.error)
          return finish({ kind: 'failed', failures, lastProvider: provider, attempts })
        case 'retry':
          failures.push(outcome.error)
          break
      }
      if (launchNext() || inFlight > 0) return
      if (unsupported) return finish({ kind: 'rpc-error', ...unsupported, attempts })
      if (attempts === 0) return finish({ kind: 'unavailable', reasons: skipped })
      finish({ kind: 'failed', failures, lastProvider, attempts })
    }

    /** One call to one provider, classified; never rejects. */
    const attempt = async (provider: ProviderRuntime, permit: number): Promise<AttemptOutcome> => {
      // Only hedged requests have losers to cancel; otherwise the caller's signal is all an attempt
      // needs, and the hot path skips an AbortController per attempt.
      const controller = hedgeDelay ? new AbortController() : undefined
      if (controller) controllers!.add(controller)
      const signal = controller ? controller.signal : plan.signal
      const started = clock.now()
      const { breaker } = provider
      try {
        const response: JsonRpcResponse = await provider.upstream.request(plan.method, plan.params, {
          signal,
          timeoutMs: plan.timeoutMs,
        })
        const durationMs = clock.now() - started
        if (!('error' in response)) {
          breaker.recordSuccess(permit)
          plan.recordAttempt(provider, durationMs, true)
          const body = rawBodyOf(response)
          return {
            kind: 'ok',
            result: response.result,
            rawResult: body === undefined ? undefined : rawResultOf(body),
          }
        }
        const errorClass = classifyRpcError(response.error)
        const error = new UpstreamRpcError({
          rpcError: response.error,
          errorClass,
          providerId: provider.config.id,
        })
        if (isWrite && attempts > 1 && isDuplicateSubmission(response.error.message)) {
          // An earlier attempt of this request reached the network; the transaction is in.
          breaker.recordSuccess(permit)
          plan.recordAttempt(provider, durationMs, true)
          return { kind: 'ok', result: rawTransactionHash(String((plan.params as unknown[])[0])) }
        }
        switch (errorClass) {
          case 'rate-limit':
            breaker.release(permit)
            plan.recordAttempt(provider, durationMs, false)
            provider.startCooldown(plan.defaultCooldownMs, `rate limited: ${response.error.message}`)
            return { kind: 'retry', error }
          case 'upstream':
            breaker.recordFailure(permit, error)
            plan.recordAttempt(provider, durationMs, false)
            return { kind: 'retry', error }
          default:
            // The provider worked; the answer is about the request (revert, bad params, unsupported).
            breaker.recordSuccess(permit)
            plan.recordAttempt(provider, durationMs, true)
            return { kind: 'rpc-error', error }
        }
      } catch (caught) {
        const durationMs = clock.now() - started
        if (caught instanceof AbortedError || signal?.aborted) {
          breaker.release(permit)
          return {
            kind: 'aborted',
            error: caught instanceof AbortedError ? caught : new AbortedError({ cause: caught }),
          }
        }
        plan.recordAttempt(provider, durationMs, false)
        if (caught instanceof RateLimitedError) {
          breaker.release(permit)
          provider.startCooldown(caught.retryAfterMs, 'HTTP 429')
          return { kind: 'retry', error: caught }
        }
        if (caught instanceof UpstreamError && !caught.retriable) {
          // e.g. HTTP 400 without a JSON-RPC body: the request, not the provider, is at fault.
          breaker.release(permit)
          return { kind: 'fatal', error: caught }
        }
        const error =
          caught instanceof UpstreamError
            ? caught
            : new UpstreamError('The upstream call failed unexpectedly.', {
                code: 'UPSTREAM_UNAVAILABLE',
                retriable: true,
                providerId: provider.config.id,
                cause: caught,
              })
        breaker.recordFailure(permit, error)
        return { kind: 'retry', error }
      } finally {
        if (controller) controllers!.delete(controller)
      }
    }

    if (!launchNext()) finish({ kind: 'unavailable', reasons: skipped })
  })
}
