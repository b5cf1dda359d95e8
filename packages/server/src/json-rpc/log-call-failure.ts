import { ChainPulseError } from '@chainpulse/core'
import type { FastifyBaseLogger } from 'fastify'
import type { Redactor } from '../security/redaction.js'
import type { MappedPoolError } from './pool-errors.js'
import { truncate } from './rpc-errors.js'

/** Options of {@link logCallFailure}. */
export interface CallFailure {
  log: FastifyBaseLogger
  /** Applied to the warn line's message: the logger may be the host app's, which redacts nothing. */
  redact: Redactor
  /** The failed call's method (client-supplied, so truncated). */
  method: string
  /** Leave out when `log` already carries the chain (the WebSocket connection's logger does). */
  chain?: string
  /** What `pool.request` threw. */
  thrown: unknown
  /** `thrown` as `mapPoolError` mapped it for the client. */
  mapped: MappedPoolError
}

/**
 * Codes that say nothing about the upstreams: the request's own outcome (an upstream's JSON-RPC error,
 * passed on as is), a name that does not exist, or a client that went away. Not worth a warning.
 */
const NOT_UPSTREAM_FAILURES = new Set([
  'UPSTREAM_RPC_ERROR',
  'UNKNOWN_CHAIN',
  'UNKNOWN_PROVIDER',
  'UNKNOWN_STRATEGY',
  'ABORTED',
])

/**
 * Logs a call `pool.request` failed, the same way over HTTP and WebSocket:
 *
 * - a failure upstream (every provider failed, none was available, a pinned provider failed) is one short
 *   `warn` line: method, chain, the provider tried last, attempts, the ChainPulse error code and the
 *   redacted short message (for `ALL_PROVIDERS_FAILED`, the last provider's, plus each provider's code) —
 *   no stack, since under load every failed call writes one; then the full error with its stack and
 *   causes on a `debug` line with the same message;
 * - a client that went away: the `debug` line only;
 * - an error that is not ChainPulse's own (a bug): `error`, with the full error;
 * - anything else (an upstream's JSON-RPC error, an unknown chain): nothing, it is the request's outcome.
 *
 * Messages are core's short messages (providers by id, no URLs), redacted here anyway; `buildServer`'s
 * logger redacts every finished line again, the debug line's stack included.
 *
 * @example
 * const mapped = mapPoolError(thrown, redact)
 * logCallFailure({ log: request.log, redact, chain: target.chain, method: call.method, thrown, mapped })
 */
export function logCallFailure(options: CallFailure): void {
  const { log, thrown, mapped } = options
  // A method name can be as long as the body allows: it is the client's.
  const where = {
    ...(options.chain === undefined ? {} : { chain: options.chain }),
    method: truncate(options.method, 64),
  }
  if (mapped.unexpected || !(thrown instanceof ChainPulseError)) {
    log.error({ err: thrown, ...where }, 'unexpected pool error')
    return
  }
  if (NOT_UPSTREAM_FAILURES.has(thrown.code)) {
    if (thrown.code === 'ABORTED') log.debug({ err: thrown, ...where }, 'call aborted')
    return
  }
  // By code, as mapPoolError does, so a second copy of core still matches.
  const failures =
    thrown.code === 'ALL_PROVIDERS_FAILED'
      ? ((thrown as ChainPulseError & { failures?: readonly ChainPulseError[] }).failures ?? [])
      : []
  // "All 3 attempt(s) failed" says little; the last provider's error is the cause.
  const reason = (failures.at(-1) ?? thrown).shortMessage
  log.warn(
    {
      ...where,
      provider: mapped.routing?.providerId ?? providerIdOf(thrown),
      attempts: mapped.routing?.attempts,
      code: thrown.code,
      reason: truncate(options.redact(reason), 160),
      ...(failures.length > 0
        ? {
            failures: truncate(
              failures.map((failure) => `${providerIdOf(failure) ?? '?'}:${failure.code}`).join(' '),
              160,
            ),
          }
        : {}),
    },
    'call failed upstream',
  )
  log.debug({ err: thrown, ...where }, 'call failed upstream')
}

function providerIdOf(error: ChainPulseError): string | undefined {
  const providerId = (error as { providerId?: unknown }).providerId
  return typeof providerId === 'string' ? providerId : undefined
}
