import type { JsonRpcError, RpcErrorClass } from '../transport/json-rpc.js'
import { ChainPulseError } from './base-error.js'
import type { ErrorCode } from './codes.js'
import { redactUrl } from './redact.js'

/** A configuration or options object failed validation. `issues` lists each bad field by path. */
export class ConfigError extends ChainPulseError {
  override name = 'ConfigError'
  readonly issues: readonly ConfigIssue[]

  constructor(subject: string, issues: readonly ConfigIssue[]) {
    super(`Invalid ${subject}.`, {
      code: 'CONFIG_INVALID',
      details: issues.map((issue) => `${issue.path || '(root)'}: ${issue.message}`).join('; '),
    })
    this.issues = issues
  }
}

/** One validation problem: a dotted path (`chains.0.providers.1.httpUrl`) and what is wrong there. */
export interface ConfigIssue {
  path: string
  message: string
}

/** A circuit breaker is open; the call was not attempted. */
export class CircuitOpenError extends ChainPulseError {
  override name = 'CircuitOpenError'
  /** When (clock time, ms) the breaker will next let a probe through. */
  readonly retryAt: number

  constructor(options: { retryAt: number; name?: string }) {
    super(options.name ? `Circuit "${options.name}" is open.` : 'Circuit is open.', {
      code: 'CIRCUIT_OPEN',
      details: `next probe allowed at ${options.retryAt.toFixed(1)} ms (clock time)`,
    })
    this.retryAt = options.retryAt
  }
}

/** A routing strategy name is not registered. */
export class UnknownStrategyError extends ChainPulseError {
  override name = 'UnknownStrategyError'

  constructor(strategy: string, known: readonly string[]) {
    super(`Unknown routing strategy "${strategy}".`, {
      code: 'UNKNOWN_STRATEGY',
      details: `known strategies: ${known.join(', ')}`,
    })
  }
}

/** A routing strategy name is already registered. */
export class DuplicateStrategyError extends ChainPulseError {
  override name = 'DuplicateStrategyError'

  constructor(strategy: string) {
    super(`A routing strategy named "${strategy}" is already registered.`, { code: 'DUPLICATE_STRATEGY' })
  }
}

/** A benchmark store snapshot could not be restored: malformed, another version, or over the limits. */
export class BenchmarkSnapshotError extends ChainPulseError {
  override name = 'BenchmarkSnapshotError'
  /** What is wrong, one entry per problem (paths as in ConfigError, e.g. `chains.0.races.ts`). */
  readonly issues: readonly ConfigIssue[]

  constructor(issues: readonly ConfigIssue[]) {
    super('Cannot restore the benchmark store snapshot.', {
      code: 'BENCHMARK_SNAPSHOT_INVALID',
      details: issues.map((issue) => `${issue.path || '(root)'}: ${issue.message}`).join('; '),
    })
    this.issues = issues
  }
}

/** A raced event cannot be keyed for deduplication: a field the key is built from is missing or malformed. */
export class InvalidEventKeyError extends ChainPulseError {
  override name = 'InvalidEventKeyError'
  /** The offending field, e.g. `blockHash` or `logIndex`. */
  readonly field: string

  constructor(field: string, value: unknown, hint?: string) {
    super(`Cannot build a dedupe key: "${field}" is ${describeValue(value)}.`, {
      code: 'INVALID_EVENT_KEY',
      ...(hint ? { details: hint } : {}),
    })
    this.field = field
  }
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value)
  if (typeof value === 'string') return value.length > 80 ? `"${value.slice(0, 80)}…"` : `"${value}"`
  return `${typeof value} ${String(value)}`
}

/** Where an upstream failure happened. The URL is redacted on construction: the raw one is never kept. */
export interface UpstreamErrorContext {
  /** The provider's id in the pool, when known. */
  providerId?: string | undefined
  /** The upstream URL; stored and shown only after {@link redactUrl}. */
  url?: string | undefined
  /** The underlying error. Transports pass causes whose text holds no URL secrets. */
  cause?: unknown
}

/**
 * Base of every error about one call to one upstream. `retriable` says whether another provider may
 * succeed with the same request; `url` is always redacted.
 */
export class UpstreamError extends ChainPulseError {
  override name = 'UpstreamError'
  /** The provider's id in the pool, when known. */
  readonly providerId: string | undefined
  /** The upstream URL with credentials replaced by `***`. */
  readonly url: string | undefined
  /** True when another provider may answer the same request successfully. */
  readonly retriable: boolean
  /** Set by the provider pool when this error is how a pool request ended. */
  routing: RoutingMetadata | undefined

  constructor(
    shortMessage: string,
    options: {
      code: ErrorCode
      retriable: boolean
      details?: readonly (string | undefined)[]
    } & UpstreamErrorContext,
  ) {
    const url = options.url === undefined ? undefined : redactUrl(options.url)
    const details = [...(options.details ?? []), url === undefined ? undefined : `url: ${url}`].filter(
      (part): part is string => part !== undefined,
    )
    super(shortMessage, {
      code: options.code,
      ...(details.length > 0 ? { details: details.join('; ') } : {}),
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    })
    this.providerId = options.providerId
    this.url = url
    this.retriable = options.retriable
  }
}

function upstreamName(providerId: string | undefined): string {
  return providerId === undefined ? 'The upstream' : `Provider "${providerId}"`
}

// 4xx statuses that say something about the provider (auth, plan, URL, its own timeouts or size limits)
// rather than about the request: another provider may serve the same request.
const PROVIDER_SIDE_4XX = new Set([401, 402, 403, 404, 408, 410, 413, 425])

/** An upstream answered with an HTTP status other than 2xx or 429, without a JSON-RPC error body to pass on. */
export class UpstreamHttpError extends UpstreamError {
  override name = 'UpstreamHttpError'
  /** The HTTP status code. */
  readonly status: number

  constructor(options: { status: number; bodySnippet?: string | undefined } & UpstreamErrorContext) {
    super(`${upstreamName(options.providerId)} answered HTTP ${options.status}.`, {
      ...options,
      code: 'UPSTREAM_HTTP_ERROR',
      // A 3xx is never followed (a redirect could carry the request, key included, to another host): it
      // is the provider's misconfiguration, as a 5xx is its failure.
      retriable: options.status < 400 || options.status >= 500 || PROVIDER_SIDE_4XX.has(options.status),
      details: [options.bodySnippet ? `body: ${JSON.stringify(options.bodySnippet)}` : undefined],
    })
    this.status = options.status
  }
}

/** An upstream rate-limited the call. The pool cools the provider down for `retryAfterMs`. */
export class RateLimitedError extends UpstreamError {
  override name = 'RateLimitedError'
  /**
   * How long (ms) the upstream asked us to wait (`Retry-After`, or a hint in the body); `undefined` when
   * it did not say, and the pool's `defaultCooldownMs` applies.
   */
  readonly retryAfterMs: number | undefined
  /** The HTTP status when the limit came as an HTTP answer (429). */
  readonly status: number | undefined

  constructor(
    options: { retryAfterMs?: number | undefined; status?: number | undefined } & UpstreamErrorContext,
  ) {
    super(`${upstreamName(options.providerId)} rate-limited the call.`, {
      ...options,
      code: 'RATE_LIMITED',
      retriable: true,
      details: [
        options.status === undefined ? undefined : `status: ${options.status}`,
        options.retryAfterMs === undefined ? undefined : `retry after ${Math.round(options.retryAfterMs)} ms`,
      ],
    })
    this.retryAfterMs = options.retryAfterMs
    this.status = options.status
  }
}

/** An upstream answered with something that is not a well-formed JSON-RPC 2.0 response. */
export class MalformedResponseError extends UpstreamError {
  override name = 'MalformedResponseError'
  /** What was wrong, e.g. `body is not JSON`. */
  readonly reason: string

  constructor(options: { reason: string; bodySnippet?: string | undefined } & UpstreamErrorContext) {
    super(`${upstreamName(options.providerId)} sent a malformed response: ${options.reason}.`, {
      ...options,
      code: 'MALFORMED_RESPONSE',
      retriable: true,
      details: [
        options.bodySnippet === undefined ? undefined : `body: ${JSON.stringify(options.bodySnippet)}`,
      ],
    })
    this.reason = options.reason
  }
}

/** An upstream did not answer within the per-attempt timeout. */
export class UpstreamTimeoutError extends UpstreamError {
  override name = 'UpstreamTimeoutError'
  /** The timeout that elapsed (ms). */
  readonly timeoutMs: number

  constructor(options: { timeoutMs: number } & UpstreamErrorContext) {
    super(`${upstreamName(options.providerId)} did not answer within ${options.timeoutMs} ms.`, {
      ...options,
      code: 'UPSTREAM_TIMEOUT',
      retriable: true,
    })
    this.timeoutMs = options.timeoutMs
  }
}

/** An upstream could not be reached (refused, DNS, reset) or its connection closed before it answered. */
export class UpstreamUnavailableError extends UpstreamError {
  override name = 'UpstreamUnavailableError'
  /** Why, e.g. `network error`, `socket closed (1006)`, `transport closed`. */
  readonly reason: string

  constructor(options: { reason: string } & UpstreamErrorContext) {
    super(`${upstreamName(options.providerId)} is unavailable: ${options.reason}.`, {
      ...options,
      code: 'UPSTREAM_UNAVAILABLE',
      retriable: true,
    })
    this.reason = options.reason
  }
}

/**
 * An upstream answered with a JSON-RPC error. `rpcError` is the upstream's error object, unchanged (so a
 * proxy can pass it on verbatim); `errorClass` is `classifyRpcError`'s verdict on it.
 */
export class UpstreamRpcError extends UpstreamError {
  override name = 'UpstreamRpcError'
  /** The upstream's JSON-RPC error object, exactly as received. */
  readonly rpcError: JsonRpcError
  /** What the error means for routing. */
  readonly errorClass: RpcErrorClass
  /** The exact JSON text of the error object, when the upstream's body was kept: relay it byte for byte. */
  readonly raw: string | undefined

  constructor(
    options: {
      rpcError: JsonRpcError
      errorClass: RpcErrorClass
      raw?: string | undefined
    } & UpstreamErrorContext,
  ) {
    super(`${upstreamName(options.providerId)} answered with JSON-RPC error ${options.rpcError.code}.`, {
      ...options,
      code: 'UPSTREAM_RPC_ERROR',
      retriable: options.errorClass !== 'execution',
      details: [`${options.errorClass}: ${options.rpcError.message}`],
    })
    this.rpcError = options.rpcError
    this.errorClass = options.errorClass
    this.raw = options.raw
  }
}

/** The caller's `AbortSignal` aborted the call. `cause` is the signal's reason. */
export class AbortedError extends UpstreamError {
  override name = 'AbortedError'

  constructor(options: UpstreamErrorContext = {}) {
    super(
      options.providerId === undefined
        ? 'The call was aborted.'
        : `The call to provider "${options.providerId}" was aborted.`,
      { ...options, code: 'ABORTED', retriable: false },
    )
  }
}

/** How a pool request was routed; attached to results and to the errors a request ends with. */
export interface RoutingMetadata {
  /** The provider that gave the final answer (or was tried last). */
  providerId: string | undefined
  strategy: string
  /** Attempts sent upstream, including hedges. */
  attempts: number
  durationMs: number
}

/** The chain is not in the pool. */
export class UnknownChainError extends ChainPulseError {
  override name = 'UnknownChainError'
  readonly knownChains: readonly string[]

  constructor(chain: string, knownChains: readonly string[]) {
    super(`Unknown chain "${chain}".`, {
      code: 'UNKNOWN_CHAIN',
      details: `known chains: ${knownChains.join(', ')}`,
    })
    this.knownChains = knownChains
  }
}

/** The provider is not in the pool (on that chain). */
export class UnknownProviderError extends ChainPulseError {
  override name = 'UnknownProviderError'

  constructor(providerId: string, chain?: string) {
    super(`Unknown provider "${providerId}"${chain ? ` on chain "${chain}"` : ''}.`, {
      code: 'UNKNOWN_PROVIDER',
    })
  }
}

/** A provider with this id is already in the pool. */
export class DuplicateProviderError extends ChainPulseError {
  override name = 'DuplicateProviderError'

  constructor(providerId: string) {
    super(`A provider with id "${providerId}" is already in the pool.`, { code: 'DUPLICATE_PROVIDER' })
  }
}

/**
 * No provider could take the request: each is down, circuit-open or over its rate limit (cooling-down
 * providers are waited for or tried instead), or the chain has none. Nothing was sent.
 */
export class NoProviderAvailableError extends ChainPulseError {
  override name = 'NoProviderAvailableError'
  readonly routing: RoutingMetadata
  /** Why each provider was skipped, by provider id. */
  readonly reasons: Readonly<Record<string, string>>

  constructor(chain: string, reasons: Readonly<Record<string, string>>, routing: RoutingMetadata) {
    const list = Object.entries(reasons).map(([id, reason]) => `${id}: ${reason}`)
    super(`No provider of chain "${chain}" is available.`, {
      code: 'NO_PROVIDER_AVAILABLE',
      details: list.length ? list.join('; ') : 'the chain has no providers',
    })
    this.routing = routing
    this.reasons = reasons
  }
}

/**
 * Nothing answered: every attempt failed in transport or was throttled, or the request's deadline came.
 * `cause` is the last failure. (When a provider answered with a JSON-RPC error, the request ends with that
 * `UpstreamRpcError` instead.)
 */
export class AllProvidersFailedError extends ChainPulseError {
  override name = 'AllProvidersFailedError'
  readonly routing: RoutingMetadata
  /** The failure of each attempt, in order. */
  readonly failures: readonly ChainPulseError[]

  constructor(
    chain: string,
    failures: readonly ChainPulseError[],
    routing: RoutingMetadata,
    /** Set when the request's deadline ended it: its length (ms). */
    options: { deadlineMs?: number } = {},
  ) {
    const attempts = failures.map((failure) => `${failure.code}: ${failure.shortMessage}`)
    super(
      options.deadlineMs === undefined
        ? `All ${routing.attempts} attempt(s) on chain "${chain}" failed.`
        : `No answer on chain "${chain}" within the request deadline (${Math.round(options.deadlineMs)} ms; ${routing.attempts} attempt(s)).`,
      {
        code: 'ALL_PROVIDERS_FAILED',
        details: attempts.join('; '),
        cause: failures.at(-1),
      },
    )
    this.routing = routing
    this.failures = failures
  }
}

/** The pool was closed. */
export class PoolClosedError extends ChainPulseError {
  override name = 'PoolClosedError'

  constructor() {
    super('The provider pool is closed.', { code: 'POOL_CLOSED' })
  }
}

/**
 * A filter call ChainPulse answered itself could not be served. `rpcError` is the JSON-RPC error a
 * client gets, in the words nodes use (`filter not found`), so clients that recreate a lost filter
 * (viem's watchers do) recognise it.
 */
export class FilterError extends ChainPulseError {
  override name = 'FilterError'
  /** The JSON-RPC error object to answer with. */
  readonly rpcError: JsonRpcError

  constructor(kind: 'not-found' | 'limit' | 'invalid', reason?: string) {
    const code =
      kind === 'not-found' ? 'FILTER_NOT_FOUND' : kind === 'limit' ? 'FILTER_LIMIT' : 'FILTER_INVALID'
    const rpcError: JsonRpcError =
      kind === 'not-found'
        ? { code: -32000, message: 'filter not found', ...(reason ? { data: { reason } } : {}) }
        : kind === 'limit'
          ? { code: -32005, message: `limit exceeded: ${reason}` }
          : { code: -32602, message: `invalid params: ${reason}` }
    super(kind === 'not-found' ? 'Filter not found.' : rpcError.message, {
      code,
      ...(reason ? { details: reason } : {}),
    })
    this.rpcError = rpcError
  }
}
