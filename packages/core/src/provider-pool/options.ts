import type { BenchmarkStore } from '../benchmark-store/types.js'
import {
  circuitBreakerHooksShape,
  circuitBreakerSettingsShape,
  DEFAULT_FAILURE_THRESHOLD,
  thresholdOrTripRule,
} from '../circuit-breaker/circuit-breaker.js'
import { systemClock } from '../clock/clock.js'
import { redactUrl } from '../errors/redact.js'
import type { PubSub } from '../pubsub/pubsub.js'
import type { ChainPulseTopics } from '../pubsub/topics.js'
import type { StrategyRegistry } from '../routing/registry.js'
import type { FetchLike } from '../transport/http-transport.js'
import type { WebSocketConstructor } from '../transport/ws-transport.js'
import { parseOptions } from '../validation/parse-options.js'
import * as v from '../validation/schema.js'
import { clockSchema, functionSchema, implementsSchema } from '../validation/schemas.js'
import type { ResponseCache } from './cache/response-cache.js'
import type { PeerEvidence } from './chain/peer-evidence.js'
import type { ServedFilters } from './filters/filter-registry.js'
import type { Upstream } from './provider/upstream.js'
import type { LogsSplitting } from './request/logs-splitting.js'
import { TRANSACTION_FLOW_METHODS } from './sessions/sessions.js'

// The options of `createProviderPool`, as one strict schema: every option, its constraints and its
// default are declared here once; the option types are derived from it. Two schemas share the fields:
// the options (everything, code included) and the config (what data can hold: a config file's `pool`).

/** Strategy of requests and chains that name none. */
const DEFAULT_STRATEGY = 'leaderboard'

/** Longest a background health probe waits for an answer, unless `requestTimeoutMs` is shorter (ms). */
export const DEFAULT_HEALTH_CHECK_TIMEOUT_MS = 3_000

const httpUrl = v.string().check(
  v.refine((value) => /^https?:\/\//i.test(value) && URL.canParse(value), {
    error: (issue) => `expected an http(s) URL, got "${redactUrl(String(issue.input))}"`,
  }),
)
const wsUrl = v.string().check(
  v.refine((value) => /^wss?:\/\//i.test(value) && URL.canParse(value), {
    error: (issue) => `expected a ws(s) URL, got "${redactUrl(String(issue.input))}"`,
  }),
)
const name = v.string().check(v.regex(/^[a-z0-9][a-z0-9_-]*$/i, 'expected letters, digits, "-" or "_"'))
const positive = v.number().check(v.positive())
const nonnegative = v.number().check(v.nonnegative())

/** Schema of one chain of the pool. */
export const chainConfigSchema = v.strictObject({
  /** How requests, routes and the dashboard name the chain (`/rpc/<name>`): letters, digits, `-`, `_`. */
  name,
  /** The chain id (1 for Ethereum mainnet). */
  chainId: v.number().check(v.int(), v.positive()),
  /**
   * Expected time between blocks (ms): the longest a call naming the block after the best head waits
   * for it to be mined. @default 12_000 (Ethereum's, the slowest common one)
   */
  blockTimeMs: v._default(positive, 12_000),
})

const providerSettingsShape = {
  /** Unique across all chains; shown in headers, metrics and the dashboard. */
  id: name,
  /** The `name` of the chain it serves. */
  chain: name,
  /** JSON-RPC over HTTP: an `http://` or `https://` URL (it may hold an API key; it is never shown). */
  httpUrl: v.optional(httpUrl),
  /** JSON-RPC over WebSocket (`ws://` or `wss://`), for racing and subscriptions. */
  wsUrl: v.optional(wsUrl),
  /** Lower goes first with the `priority` strategy; breaks ties in every strategy. @default 0 */
  priority: v._default(v.number().check(v.int()), 0),
  /** Cost of one call per method (any unit), for the `cheapest` and `hybrid` strategies. */
  costPerMethod: v.optional(v.record(v.string(), nonnegative)),
  /** Cost of a method missing from `costPerMethod`. @default 1 */
  defaultCost: v._default(nonnegative, 1),
  /** Max requests per second this pool sends to the provider; beyond it the provider is skipped. */
  rateLimitPerSecond: v.optional(positive),
  /**
   * Widest `eth_getLogs` block range the provider serves (`toBlock - fromBlock + 1`); with the pool's
   * `logsSplitting` (the server always has it), wider queries are split into chunks that fit. Learned from
   * its refusals when not set.
   */
  maxLogsBlockRange: v.optional(v.number().check(v.int(), v.positive())),
  /**
   * How many of its newest blocks' state the provider keeps (a pruning node: geth's full node keeps 128);
   * state reads at older blocks go to other providers first. Learned from its "missing state" answers when
   * not set; leave it out for an archive node.
   */
  stateHistoryBlocks: v.optional(v.number().check(v.int(), v.positive())),
}

const needsUrl = v.refine(
  (provider: { httpUrl?: string | undefined; wsUrl?: string | undefined; upstream?: Upstream | undefined }) =>
    provider.httpUrl ?? provider.wsUrl ?? provider.upstream,
  { error: 'a provider needs an httpUrl, a wsUrl or both', path: ['httpUrl'] },
)

/** Schema of one upstream provider of the pool. */
export const providerConfigSchema = v
  .strictObject({
    ...providerSettingsShape,
    /** A ready-made upstream instead of URLs (e.g. the mock provider of `@chainpulse/core/testing`). */
    upstream: v.optional(
      v.custom<Upstream>(
        (value) => typeof (value as Upstream | null)?.request === 'function',
        'expected an Upstream',
      ),
    ),
  })
  .check(needsUrl)

const healthCheckSchema = v.prefault(
  v.union([
    v.literal(false),
    v.strictObject({
      /** Time between probe rounds (ms). @default 5_000 */
      intervalMs: v._default(positive, 5_000),
      /** Longest a probe waits for its answer (ms). @default min(3_000, requestTimeoutMs) */
      timeoutMs: v.optional(positive),
    }),
  ]),
  {},
)

const filtersSchema = v.prefault(
  v.strictObject({
    /** A filter not polled for this long is removed (ms). @default 300_000 */
    idleTimeoutMs: v._default(positive, 300_000),
    /** Filters one client may hold at once, per chain. @default 100 */
    maxPerClient: v._default(v.number().check(v.int(), v.positive()), 100),
    /** Filters a chain holds at once, every client together. @default 10_000 */
    maxTotal: v._default(v.number().check(v.int(), v.positive()), 10_000),
    /** Changes (logs or block hashes) one filter may pile up between two polls. @default 10_000 */
    maxPendingChanges: v._default(v.number().check(v.int(), v.positive()), 10_000),
  }),
  {},
)

const sessionsSchema = v.prefault(
  v.strictObject({
    /** A session with no call for this long is forgotten (ms). @default 300_000 */
    idleTtlMs: v._default(positive, 300_000),
    /** Sessions held at once, every chain and client together; past it the least recently used goes. @default 10_000 */
    maxSessions: v._default(v.number().check(v.int(), v.positive()), 10_000),
    /** Sessions one client holds at once; past it that client's least recently used goes. @default 1_000 */
    maxPerClient: v._default(v.number().check(v.int(), v.positive()), 1_000),
    /**
     * Without a session key, calls of these methods from one client (`clientId`) share a session: a
     * sender's nonce → estimate → send → receipt sequence stays on one node. `false` turns it off.
     * @default { idleTtlMs: 30_000, methods: TRANSACTION_FLOW_METHODS }
     */
    transactionFlow: v.prefault(
      v.union([
        v.literal(false),
        v.strictObject({
          /** The implicit session is forgotten after this long without a call of its methods (ms). @default 30_000 */
          idleTtlMs: v._default(positive, 30_000),
          /** The methods that share it. @default TRANSACTION_FLOW_METHODS */
          methods: v._default(v.array(v.string().check(v.minLength(1))), [...TRANSACTION_FLOW_METHODS]),
        }),
      ]),
      {},
    ),
  }),
  {},
)

/**
 * Hedging as it is unless configured: on, at each provider's recent p95 kept between its recent median and
 * three times that median (then 50 ms to 2 s; see `request/hedge-delay.ts`), two copies at most.
 */
const DEFAULT_HEDGE = { minDelayMs: 50, maxDelayMs: 2_000, maxHedges: 2 }

const hedgeSchema = v._default(
  v.union([
    v.literal(false),
    v.strictObject({
      /** A fixed hedge delay (ms), instead of the adaptive one (the provider's recent p95, within 1–3× its median). */
      delayMs: v.optional(nonnegative),
      /** Lower bound of the adaptive delay (ms). @default 50 */
      minDelayMs: v._default(nonnegative, DEFAULT_HEDGE.minDelayMs),
      /**
       * Upper bound of the adaptive delay (ms): a provider whose recent calls
       * were slow, or hung, is still hedged this soon. @default 2_000
       */
      maxDelayMs: v._default(nonnegative, DEFAULT_HEDGE.maxDelayMs),
      /** Extra copies of one read at most (each to another provider). @default 2 */
      maxHedges: v._default(v.number().check(v.int(), v.nonnegative()), DEFAULT_HEDGE.maxHedges),
    }),
  ]),
  DEFAULT_HEDGE,
)

// Everything but chains, providers and the breaker's hooks: the behaviour knobs, plain data.
const knobsShape = {
  /** Strategy used when a request names none. @default 'leaderboard' */
  strategy: v._default(v.string().check(v.minLength(1)), DEFAULT_STRATEGY),
  /** Per-chain default strategy, by chain name, overriding `strategy`. */
  strategies: v.optional(v.record(v.string(), v.string().check(v.minLength(1)))),
  /** Per-attempt timeout (ms); an attempt never runs past the request's deadline either. @default 10_000 */
  requestTimeoutMs: v._default(positive, 10_000),
  /**
   * The whole request's deadline (ms): attempts, failovers, hedges and waits for a throttle's end all
   * happen within it. @default 15_000
   */
  requestDeadlineMs: v._default(positive, 15_000),
  /**
   * Background health probes of every provider, from start (`eth_chainId`, then `eth_blockNumber` each
   * round): an unreachable provider is `down` within one interval, a revived one is back within one
   * interval, and the probes are the breakers' half-open trials (client requests never are). `false`
   * turns them off: then only providers without a `newHeads` stream are polled for their head (every
   * `headPollIntervalMs`), and a half-open breaker lets one client request through as its trial.
   * @default { intervalMs: 5_000, timeoutMs: min(3_000, requestTimeoutMs) }
   */
  healthCheck: healthCheckSchema,
  /** How long a provider's "method not found" is remembered, so it is not asked again meanwhile (ms). @default 600_000 */
  unsupportedMethodTtlMs: v._default(nonnegative, 600_000),
  /**
   * Limits of the filters ChainPulse serves with `servedFilters` (`eth_newFilter`, `eth_newBlockFilter`,
   * … answered from its canonical follower, so their ids survive failover; docs/filters-and-sessions.md).
   */
  filters: filtersSchema,
  /**
   * Session affinity: calls with the same `session` key (per client), and by default a client's
   * transaction-flow calls, stay on one provider while it is usable (see docs/filters-and-sessions.md).
   */
  sessions: sessionsSchema,
  /**
   * Hedged reads: when the attempt on one provider has not answered after `delayMs` (default: that
   * provider's recent p95 for the method, kept between its median over its last 8 calls and three times
   * that median — so a stall-heavy tail cannot push it into the stalls —, then between `minDelayMs` and
   * `maxDelayMs`), the same read also goes
   * to the next provider (at most `maxHedges` extra copies) and the first answer wins; the others are
   * aborted. Only pure reads (`eth_get…`, `eth_call`, …) are hedged, never writes or anything that might
   * have side effects. `false` turns it off. @default { minDelayMs: 50, maxDelayMs: 2_000, maxHedges: 2 }
   */
  hedge: hedgeSchema,
  /**
   * Identical reads in flight at the same time (same chain, method, params and routing) share one
   * upstream call; each caller gets the answer. Only side-effect-free reads (`eth_get…`, `eth_call`, …);
   * a request opts out with `coalesce: false`. @default true
   */
  coalescing: v._default(v.boolean(), true),
  /** A provider this many blocks behind the best head is not used for `latest` calls. @default 3 */
  maxLagBlocks: v._default(v.number().check(v.int(), v.nonnegative()), 3),
  /** Cooldown after a throttle (HTTP 429 or a rate-limit error) that gives no `Retry-After` (ms). @default 1_000 */
  defaultCooldownMs: v._default(nonnegative, 1_000),
  /**
   * Keep every WebSocket provider's `newHeads` subscribed all the time to race them (leaderboard data,
   * `blocks:new`), rather than only while someone subscribes. @default true
   */
  racing: v._default(v.boolean(), true),
  /**
   * How often user subscriptions check that blocks still arrive while every upstream stream is quiet (every
   * block time instead, when shorter, while no stream is connected: polling is then the only source), and
   * (with `healthCheck: false`) how often providers without a stream are polled for their head (ms).
   * @default 4_000
   */
  headPollIntervalMs: v._default(positive, 4_000),
}

const chains = v.array(chainConfigSchema).check(v.minLength(1))

const optionsShape = {
  /** The chains to serve; at least one. */
  chains,
  /** The upstream providers, each serving one chain. @default [] */
  providers: v._default(v.array(providerConfigSchema), []),
  ...knobsShape,
  /** Options of each provider's circuit breaker. @default { failureThreshold: 5, halfOpenAfterMs: 10_000 } */
  breaker: v.prefault(
    v
      .strictObject({ ...circuitBreakerSettingsShape, ...circuitBreakerHooksShape })
      .check(thresholdOrTripRule),
    {},
  ),
  /** Where strategies are looked up by name. @default createStrategyRegistry() (the built-ins) */
  registry: v.optional(
    implementsSchema<StrategyRegistry>(['get', 'has', 'register', 'names'], 'expected a StrategyRegistry'),
  ),
  /** Where race and RPC metrics go. @default createBenchmarkStore() */
  store: v.optional(
    implementsSchema<BenchmarkStore>(
      ['recordRpcCall', 'recordRaceWin', 'recordRaceLoss', 'recent'],
      'expected a BenchmarkStore',
    ),
  ),
  /** Where routing decisions, provider events, blocks and races are published. @default createPubSub() */
  pubsub: v.optional(
    implementsSchema<PubSub<ChainPulseTopics>>(['publish', 'subscribe', 'recent'], 'expected a PubSub'),
  ),
  /**
   * A response cache (`createResponseCache()`), tied to each chain's canonical follower (docs/cache.md).
   * An object rather than settings, so a pool without one carries none of its code. @default none
   */
  cache: v.optional(implementsSchema<ResponseCache>(['follow', 'lookup'], 'expected a ResponseCache')),
  /**
   * eth_getLogs range splitting (`createLogsSplitting()`): limits learned from refusals, routing by them,
   * and ranges no provider serves whole fetched in chunks (docs/provider-pool.md). An object, like
   * `cache`, so a pool without it carries none of its code; without it an `eth_getLogs` is routed as any
   * read. `startChainPulse` always gives one. @default none
   */
  /**
   * Filters served by ChainPulse (`createServedFilters()`): ids that survive failover, each change
   * polled once, limits from `filters` (docs/filters-and-sessions.md). An object, like `cache`, so a
   * pool without it carries none of its code; without it filter calls are routed upstream like any
   * other call, which holds only while they reach the node that made the filter (one provider, or a
   * pinned `providerId`). `startChainPulse` always gives one. @default none
   */
  servedFilters: v.optional(implementsSchema<ServedFilters>(['registry'], 'expected createServedFilters()')),
  logsSplitting: v.optional(
    implementsSchema<LogsSplitting>(['providersFor', 'learn', 'request'], 'expected createLogsSplitting()'),
  ),
  /**
   * Shared provider observations (`createPeerEvidence()`), for instances of a cluster whose pools share a
   * PubSub through an adapter (e.g. Redis): a peer instance's fresh first-hand verdict that a provider is
   * down or circuit-open keeps it out of this pool's rotation until this pool's own probe (sent at once)
   * says it answers, the peer sees it recover, or `maxAgeMs` after the peer saw it; a peer's cooldown (a
   * 429's Retry-After: rate limits are per API key) cools it down here for the time that remains.
   * Evidence never puts a provider back in rotation by itself, and events that follow a peer's are marked
   * `viaPeer` and never acted on, so nothing echoes between instances. An object, like `cache`, so a pool
   * without peers carries none of its code. The server gives one in cluster mode. @default none
   */
  peerEvidence: v.optional(implementsSchema<PeerEvidence>(['follow'], 'expected createPeerEvidence()')),
  /** Monotonic time and timers of every timeout, cooldown and probe. @default systemClock */
  clock: v._default(clockSchema, systemClock),
  /** Wall-clock time for event timestamps (epoch ms). @default Date.now */
  wallClock: v._default(functionSchema<() => number>(), Date.now),
  /** Random numbers in [0, 1) for the jitter of WebSocket reconnects. @default Math.random */
  random: v.optional(functionSchema<() => number>()),
  /** The `fetch` of HTTP upstreams. @default globalThis.fetch */
  fetch: v.optional(functionSchema<FetchLike>()),
  /** The WebSocket class of WebSocket upstreams. @default isows's WebSocket (the runtime's own, or `ws`) */
  WebSocket: v.optional(functionSchema<WebSocketConstructor>()),
}

// Chains and providers must agree with each other, and `strategies` may name only chains that exist.
const consistent = v.superRefine(
  (
    options: {
      chains: { name: string; chainId: number }[]
      providers: { id: string; chain: string }[]
      strategies?: Record<string, string> | undefined
    },
    context,
  ) => {
    const chainNames = new Set<string>()
    const chainIds = new Set<number>()
    options.chains.forEach((chain, index) => {
      if (chainNames.has(chain.name))
        context.addIssue({
          code: 'custom',
          path: ['chains', index, 'name'],
          message: `duplicate chain name "${chain.name}"`,
        })
      if (chainIds.has(chain.chainId))
        context.addIssue({
          code: 'custom',
          path: ['chains', index, 'chainId'],
          message: `duplicate chain id ${chain.chainId}`,
        })
      chainNames.add(chain.name)
      chainIds.add(chain.chainId)
    })
    const known = `(known: ${[...chainNames].join(', ')})`
    const providerIds = new Set<string>()
    options.providers.forEach((provider, index) => {
      if (providerIds.has(provider.id))
        context.addIssue({
          code: 'custom',
          path: ['providers', index, 'id'],
          message: `duplicate provider id "${provider.id}"`,
        })
      providerIds.add(provider.id)
      if (!chainNames.has(provider.chain))
        context.addIssue({
          code: 'custom',
          path: ['providers', index, 'chain'],
          message: `unknown chain "${provider.chain}" ${known}`,
        })
    })
    for (const chain of Object.keys(options.strategies ?? {}))
      if (!chainNames.has(chain))
        context.addIssue({
          code: 'custom',
          path: ['strategies', chain],
          message: `unknown chain "${chain}" ${known}`,
        })
  },
)

// Defaults that depend on another option, filled in once the options are valid.
function withDerivedDefaults<
  T extends {
    requestTimeoutMs: number
    healthCheck: false | { intervalMs: number; timeoutMs?: number | undefined }
    breaker: { failureThreshold?: number | undefined; tripRule?: unknown }
  },
>(options: T): T & { healthCheck: false | { intervalMs: number; timeoutMs: number } } {
  const { healthCheck, breaker } = options
  return {
    ...options,
    healthCheck: healthCheck && {
      ...healthCheck,
      timeoutMs: healthCheck.timeoutMs ?? Math.min(DEFAULT_HEALTH_CHECK_TIMEOUT_MS, options.requestTimeoutMs),
    },
    // Stated rather than left to the breaker, so the resolved options show every value in effect.
    breaker:
      breaker.failureThreshold === undefined && breaker.tripRule === undefined
        ? { ...breaker, failureThreshold: DEFAULT_FAILURE_THRESHOLD }
        : breaker,
  }
}

const optionsObject = v.strictObject(optionsShape).check(consistent)

/** Schema of the options of `createProviderPool`: every option, strict, with its default. */
export const providerPoolOptionsSchema = v.pipe(
  optionsObject,
  v.transform((options: v.output<typeof optionsObject>) => withDerivedDefaults(options)),
)

const configObject = v
  .strictObject({
    /** The chains to serve; at least one. */
    chains,
    /** The upstream providers, each serving one chain. @default [] */
    providers: v._default(v.array(v.strictObject(providerSettingsShape).check(needsUrl)), []),
    ...knobsShape,
    /** Options of each provider's circuit breaker. @default { failureThreshold: 5, halfOpenAfterMs: 10_000 } */
    breaker: v.prefault(v.strictObject(circuitBreakerSettingsShape), {}),
  })
  .check(consistent)

/**
 * Schema of a pool's configuration as data (a config file's `pool` section): the options' keys in the
 * same order, less the in-process objects (registry, store, pubsub, clock, fetch, ..., a provider's
 * `upstream`, the breaker's trip rule and hooks), whose keys are unknown here.
 */
export const providerPoolConfigSchema = v.pipe(
  configObject,
  v.transform((config: v.output<typeof configObject>) => withDerivedDefaults(config)),
)

/** Options of `createProviderPool`: the chains and providers, plus behaviour knobs and injected objects. */
export type ProviderPoolOptions = v.input<typeof providerPoolOptionsSchema>
/** {@link ProviderPoolOptions} after validation: every default applied. */
export type ResolvedProviderPoolOptions = v.output<typeof providerPoolOptionsSchema>
/** A pool's configuration as data: {@link ProviderPoolOptions} without in-process objects. */
export type ProviderPoolConfig = v.input<typeof providerPoolConfigSchema>
/** {@link ProviderPoolConfig} after validation: every default applied. */
export type ResolvedProviderPoolConfig = v.output<typeof providerPoolConfigSchema>
/** A chain as given by the user. */
export type ChainConfig = v.input<typeof chainConfigSchema>
/** An upstream provider as given by the user. */
export type ProviderConfig = v.input<typeof providerConfigSchema>
/** A provider after validation, with defaults applied. */
export type ResolvedProviderConfig = v.output<typeof providerConfigSchema>

/**
 * Validates the options of `createProviderPool` and applies every default.
 *
 * @throws {ConfigError} naming the path of every bad option (`providers.2.httpUrl: ...`,
 *   `requestTimeoutMS: unknown key (did you mean "requestTimeoutMs"?)`).
 */
export function parseProviderPoolOptions(input: unknown): ResolvedProviderPoolOptions {
  return parseOptions(providerPoolOptionsSchema, input, 'provider pool options')
}

/**
 * Validates a pool's configuration given as data (e.g. read from a file) and applies every default:
 * what `createProviderPool` would accept, minus in-process objects, whose keys are unknown here.
 *
 * @throws {ConfigError} naming the path of every bad field (`providers.2.httpUrl: ...`).
 * @example
 * const config = parseProviderPoolConfig(JSON.parse(text))
 * const pool = createProviderPool({ ...config, fetch: myFetch })
 */
export function parseProviderPoolConfig(input: unknown): ResolvedProviderPoolConfig {
  return parseOptions(providerPoolConfigSchema, input, 'provider pool config')
}

/**
 * Validates one provider added at runtime.
 *
 * @throws {ConfigError} naming the bad field.
 */
export function parseProviderConfig(input: unknown): ResolvedProviderConfig {
  return parseOptions(providerConfigSchema, input, 'provider config')
}
