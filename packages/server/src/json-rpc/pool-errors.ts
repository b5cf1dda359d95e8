import { ChainPulseError, UpstreamRpcError } from '@chainpulse/core'
import type { Redactor } from '../security/redaction.js'
import type { CallRouting } from './dispatch.js'
import { internalError, proxyError, type RpcErrorObject, rpcErrorCodes } from './rpc-errors.js'

/** A pool failure as the client sees it. `unexpected` marks errors that are not ChainPulse's own (bugs). */
export interface MappedPoolError {
  error: RpcErrorObject
  /** The upstream's own text of `error`, to relay byte for byte (when kept, and holding no secret). */
  rawError?: string | undefined
  routing: CallRouting | undefined
  unexpected: boolean
}

interface RoutingLike {
  providerId?: string | undefined
  strategy?: string | undefined
  attempts?: number | undefined
}

/**
 * Turns what `pool.request` threw into a JSON-RPC error object:
 *
 * - an upstream's JSON-RPC error (`UpstreamRpcError`) → that error object unchanged, and its raw text
 *   for a byte-for-byte relay;
 * - `ALL_PROVIDERS_FAILED`, `NO_PROVIDER_AVAILABLE` and single-upstream failures → `-32603` with the
 *   core error code in `data.code` and the providers involved (ids only; for all-failed, also the last
 *   upstream JSON-RPC error as `data.upstreamError`);
 * - unknown chain/provider/strategy → `-32001` (resource not found);
 * - anything else → `-32603` "Internal error", flagged `unexpected` so the caller logs it.
 *
 * Messages are core's short messages, which name providers by id and never carry URLs; `redact` runs
 * over the result anyway, so a secret can reach a client only through a path nobody wrote.
 */
export function mapPoolError(thrown: unknown, redact: Redactor): MappedPoolError {
  if (!(thrown instanceof ChainPulseError))
    return { error: internalError(), routing: undefined, unexpected: true }
  const routing = routingOf(thrown)
  if (thrown instanceof UpstreamRpcError || thrown.code === 'UPSTREAM_RPC_ERROR') {
    const { rpcError, raw } = thrown as UpstreamRpcError
    const rawError = raw !== undefined && redact(raw) === raw ? raw : undefined
    return { error: redactObject(rpcError, redact), rawError, routing, unexpected: false }
  }
  // Filters are answered by ChainPulse itself, in the words nodes use (`filter not found`).
  if (thrown.code.startsWith('FILTER_') && 'rpcError' in thrown)
    return {
      error: redactObject((thrown as { rpcError: RpcErrorObject }).rpcError, redact),
      routing,
      unexpected: false,
    }
  const message = redact(thrown.shortMessage)
  switch (thrown.code) {
    case 'ALL_PROVIDERS_FAILED': {
      const failures = (thrown as ChainPulseError & { failures?: readonly ChainPulseError[] }).failures ?? []
      const last = failures.at(-1)
      const data = {
        attempts: routing?.attempts,
        failures: failures.map((failure) => ({ providerId: providerIdOf(failure), code: failure.code })),
        // What the last provider said, when it said something: often the real reason (e.g. "header not found").
        ...(last instanceof UpstreamRpcError ? { upstreamError: redactObject(last.rpcError, redact) } : {}),
      }
      return {
        error: proxyError(rpcErrorCodes.internalError, message, thrown.code, data),
        routing,
        unexpected: false,
      }
    }
    case 'NO_PROVIDER_AVAILABLE': {
      const reasons =
        (thrown as ChainPulseError & { reasons?: Readonly<Record<string, string>> }).reasons ?? {}
      const data = { reasons: redactObject(reasons, redact) }
      return {
        error: proxyError(rpcErrorCodes.internalError, message, thrown.code, data),
        routing,
        unexpected: false,
      }
    }
    case 'UNKNOWN_CHAIN':
    case 'UNKNOWN_PROVIDER':
    case 'UNKNOWN_STRATEGY':
      return {
        error: proxyError(rpcErrorCodes.resourceNotFound, message, thrown.code),
        routing,
        unexpected: false,
      }
    default: {
      const providerId = providerIdOf(thrown)
      const data = providerId === undefined ? undefined : { providerId }
      return {
        error: proxyError(rpcErrorCodes.internalError, message, thrown.code, data),
        routing,
        unexpected: false,
      }
    }
  }
}

function routingOf(error: ChainPulseError): CallRouting | undefined {
  const routing = (error as { routing?: RoutingLike }).routing
  if (!routing) return undefined
  return { providerId: routing.providerId, strategy: routing.strategy, attempts: routing.attempts }
}

function providerIdOf(error: ChainPulseError): string | undefined {
  const providerId = (error as { providerId?: unknown }).providerId
  return typeof providerId === 'string' ? providerId : undefined
}

/** `value` unchanged unless its JSON holds a secret; then the redacted copy. */
function redactObject<T>(value: T, redact: Redactor): T {
  const text = JSON.stringify(value)
  const redacted = redact(text)
  return redacted === text ? value : (JSON.parse(redacted) as T)
}
