import type { ChainPulseError } from '../../errors/base-error.js'
import {
  AbortedError,
  RateLimitedError,
  UpstreamError,
  UpstreamHttpError,
  UpstreamRpcError,
  UpstreamTimeoutError,
} from '../../errors/errors.js'
import { classifyRpcError, type JsonRpcError } from '../../transport/json-rpc.js'
import { backoffFromErrorData } from '../../transport/retry-after.js'

/** Why a provider cannot serve a request another provider may serve. Never held against it. */
export type CannotServeReason = 'method-unsupported' | 'request-limit' | 'missing-state' | 'unknown-block'

/**
 * What one attempt's outcome says, about the provider and about the request. The one place ChainPulse
 * decides whose fault a failure is (docs/failure-model.md):
 *
 * - `answered`: a result. The provider did its job.
 * - `provider-fault`: the provider is broken (network, refused, DNS, TLS, timeout, 5xx, 3xx, malformed or
 *   truncated body). Counts against it at once: a breaker failure.
 * - `throttled`: it rate-limited us. A cooldown (its `Retry-After`, else the pool's default), never a
 *   breaker failure.
 * - `cannot-serve`: it cannot serve this request (method unsupported, range or size limit, pruned state, a
 *   block its head has not reached). Try one that can; never held against it.
 * - `disputed`: a JSON-RPC error that may be the provider's or the request's. It counts against the
 *   provider only when another provider then answers the same request; when every provider errs, it was
 *   the request's own and the client gets the upstream's error as it came.
 * - `request-fault`: the request itself fails deterministically (revert, invalid params): any provider
 *   would say the same, so it is returned at once and held against no one.
 * - `aborted`: the caller gave up (or a hedge was won elsewhere); no verdict.
 */
export type AttemptVerdict =
  | { kind: 'answered' }
  | { kind: 'provider-fault'; error: ChainPulseError }
  | { kind: 'throttled'; error: ChainPulseError; retryAfterMs: number | undefined }
  | { kind: 'cannot-serve'; error: ChainPulseError; reason: CannotServeReason }
  | { kind: 'disputed'; error: ChainPulseError }
  | { kind: 'request-fault'; error: UpstreamRpcError }
  | { kind: 'aborted'; error: AbortedError }

/** Judges a JSON-RPC error answer from `providerId`; `raw` is its exact text, when kept. */
export function judgeRpcError(rpcError: JsonRpcError, providerId: string, raw?: string): AttemptVerdict {
  const errorClass = classifyRpcError(rpcError)
  const error = new UpstreamRpcError({ rpcError, errorClass, providerId, raw })
  switch (errorClass) {
    case 'execution':
      return { kind: 'request-fault', error }
    case 'rate-limit':
      return { kind: 'throttled', error, retryAfterMs: backoffFromErrorData(rpcError.data) }
    case 'method-unsupported':
    case 'request-limit':
    case 'missing-state':
    case 'unknown-block':
      return { kind: 'cannot-serve', error, reason: errorClass }
    case 'upstream':
      return { kind: 'disputed', error }
  }
}

/**
 * Judges an attempt that threw instead of answering. `signalAborted` tells a caller's abort from a
 * failure that merely happened after it.
 */
export function judgeThrown(thrown: unknown, providerId: string, signalAborted: boolean): AttemptVerdict {
  if (thrown instanceof AbortedError) return { kind: 'aborted', error: thrown }
  if (signalAborted) return { kind: 'aborted', error: new AbortedError({ cause: thrown }) }
  if (thrown instanceof RateLimitedError)
    return { kind: 'throttled', error: thrown, retryAfterMs: thrown.retryAfterMs }
  if (thrown instanceof UpstreamRpcError) return judgeRpcError(thrown.rpcError, providerId, thrown.raw)
  if (thrown instanceof UpstreamHttpError && thrown.status === 413)
    // Its body-size limit: another provider may take the same request.
    return { kind: 'cannot-serve', error: thrown, reason: 'request-limit' }
  if (thrown instanceof UpstreamTimeoutError)
    // The one transport outcome a request can cause by itself (a wide eth_getLogs, a trace): held against
    // the provider only when another provider answers the same request. A provider that hangs on
    // everything is found by the health probes, which time out too.
    return { kind: 'disputed', error: thrown }
  if (thrown instanceof UpstreamError) {
    // A 4xx without a JSON-RPC body that says nothing about the provider (400, 405, 422, ...): maybe the
    // request, maybe the provider; as for a JSON-RPC error, another provider's answer decides.
    if (!thrown.retriable) return { kind: 'disputed', error: thrown }
    return { kind: 'provider-fault', error: thrown }
  }
  return {
    kind: 'provider-fault',
    error: new UpstreamError('The upstream call failed unexpectedly.', {
      code: 'UPSTREAM_UNAVAILABLE',
      retriable: true,
      providerId,
      cause: thrown,
    }),
  }
}

/**
 * Which upstream JSON-RPC error to give the client when no provider answered: the first that is not a
 * "cannot serve" (a lagging or limited provider's answer says less about the request than another
 * node's), else the first; `undefined` when no provider answered with a JSON-RPC error at all (only
 * transport failures, which are ChainPulse's to report).
 */
export function preferredRpcError<T extends { error: ChainPulseError; kind: AttemptVerdict['kind'] }>(
  errors: readonly T[],
): (T & { error: UpstreamRpcError }) | undefined {
  const relayable = errors.filter(
    (entry): entry is T & { error: UpstreamRpcError } => entry.error instanceof UpstreamRpcError,
  )
  return relayable.find((entry) => entry.kind !== 'cannot-serve') ?? relayable[0]
}
