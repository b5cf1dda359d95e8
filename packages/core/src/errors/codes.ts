// The codes alone, so code that only needs to recognise one (`isErrorCode`) does not pull every
// meaning below into a browser bundle.
const errorCodeList = [
  'CONFIG_INVALID',
  'CIRCUIT_OPEN',
  'UNKNOWN_STRATEGY',
  'DUPLICATE_STRATEGY',
  'BENCHMARK_SNAPSHOT_INVALID',
  'INVALID_EVENT_KEY',
  'UPSTREAM_HTTP_ERROR',
  'RATE_LIMITED',
  'MALFORMED_RESPONSE',
  'UPSTREAM_TIMEOUT',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_RPC_ERROR',
  'ABORTED',
  'UNKNOWN_CHAIN',
  'UNKNOWN_PROVIDER',
  'DUPLICATE_PROVIDER',
  'NO_PROVIDER_AVAILABLE',
  'ALL_PROVIDERS_FAILED',
  'POOL_CLOSED',
  'FILTER_NOT_FOUND',
  'FILTER_LIMIT',
  'FILTER_INVALID',
] as const

/** A stable, documented ChainPulse error code. */
export type ErrorCode = (typeof errorCodeList)[number]

/** Whether `code` is one of ChainPulse's error codes. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return errorCodeList.includes(code as ErrorCode)
}

/**
 * Every error code ChainPulse can raise, with a one-line meaning. `docs/errors.md` documents each one;
 * a test fails when a code here is missing there.
 */
export const errorCodes = {
  CONFIG_INVALID:
    'Options or a configuration file failed validation; the message names the path of each bad field.',
  CIRCUIT_OPEN: "A provider's circuit breaker is open, so the call was rejected without being attempted.",
  UNKNOWN_STRATEGY: 'A routing strategy was requested by a name that is not registered.',
  DUPLICATE_STRATEGY: 'A routing strategy was registered under a name that is already taken.',
  BENCHMARK_SNAPSHOT_INVALID: 'A benchmark store snapshot is malformed or does not fit the store limits.',
  INVALID_EVENT_KEY: 'A raced event lacks a usable field its dedupe key is built from (e.g. a pending log).',
  UPSTREAM_HTTP_ERROR: 'An upstream answered with an HTTP status other than 2xx or 429.',
  RATE_LIMITED:
    'An upstream rate-limited the call (HTTP 429); cool it down for `retryAfterMs`, else the pool default.',
  MALFORMED_RESPONSE: 'An upstream answered with something that is not a well-formed JSON-RPC 2.0 response.',
  UPSTREAM_TIMEOUT: 'An upstream did not answer within the per-attempt timeout.',
  UPSTREAM_UNAVAILABLE: 'An upstream could not be reached, or its connection closed before it answered.',
  UPSTREAM_RPC_ERROR: 'An upstream answered with a JSON-RPC error object, carried unchanged with its class.',
  ABORTED: "The caller's AbortSignal aborted the call.",
  UNKNOWN_CHAIN: 'A chain was named (by name or chain id) that the pool does not have.',
  UNKNOWN_PROVIDER: 'A provider id was named that the pool does not have on that chain.',
  DUPLICATE_PROVIDER: 'A provider was added under an id the pool already has.',
  NO_PROVIDER_AVAILABLE:
    'Every provider of the chain is down, circuit-open or over its rate limit (or it has none); nothing was sent.',
  ALL_PROVIDERS_FAILED:
    'Nothing answered: every attempt failed in transport or was throttled, or the deadline came; the last failure is the cause.',
  POOL_CLOSED: 'The provider pool was closed; it accepts no more requests or subscriptions.',
  FILTER_NOT_FOUND:
    'A filter id is unknown, expired (not polled for 5 minutes) or uninstalled, or its provider is gone (pending-transaction filters).',
  FILTER_LIMIT:
    'A filter limit was reached: too many filters for a client or the chain, or too many changes between polls.',
  FILTER_INVALID: 'A filter call had params no filter can be made of.',
} as const satisfies Record<ErrorCode, string>
