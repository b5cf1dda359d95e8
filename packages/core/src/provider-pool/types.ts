import type { BenchmarkStore } from '../benchmark-store/types.js'
import type { CircuitState } from '../circuit-breaker/circuit-breaker.js'
import type { PubSub } from '../pubsub/pubsub.js'
import type { ChainPulseTopics } from '../pubsub/topics.js'
import type { StrategyRegistry } from '../routing/registry.js'
import type { BlockHeader } from '../subscriptions/block-header.js'
import type { Log, LogFilter } from '../subscriptions/log-filter.js'
import type { ProviderConfig } from './options.js'
import type { ProviderHealth } from './provider/provider-runtime.js'
import type { UpstreamConnectionState } from './provider/upstream.js'

/** One JSON-RPC call for the pool. `chain` is a chain name or chain id. */
export interface PoolRequest {
  chain: string | number
  method: string
  params?: unknown
}

/** Per-request routing options. */
export interface PoolRequestOptions {
  /** Strategy name for this request. */
  strategy?: string
  /** Send to this provider only (no failover); the call is recorded with strategy `pinned`. */
  providerId?: string
  signal?: AbortSignal
  /** Per-attempt timeout (ms). */
  timeoutMs?: number
  /** This request's deadline (ms), instead of the pool's `requestDeadlineMs`. */
  deadlineMs?: number
  /**
   * Who the request is from (an API key, an IP): filters and sessions are kept per client, and one
   * client cannot read, remove or steer another's. @default 'default'
   */
  clientId?: string
  /**
   * A session key: calls with the same key (and `clientId`) go to one provider while it is usable
   * (not down, breaker closed, not cooling down, not lagging for calls that need the tip); when a call
   * is answered by another provider, the session moves there, and the `routing:decisions` event says so.
   * Strategy requests honour it (the strategy picks the session's first provider and orders the
   * failovers); pinned ones (`providerId`) ignore it. A placed session's calls are hedged only after `hedge.maxDelayMs`. Without a key, a client's transaction-flow calls
   * share a session of their own (pool option `sessions.transactionFlow`).
   */
  session?: string
  /**
   * `false`: do not share an identical read already in flight (pool option `coalescing`); this call
   * gets an upstream call of its own. @default true
   */
  coalesce?: boolean
  /**
   * `false`: neither answer from the response cache nor store this call's answer in it (pool option
   * `cache`). @default true
   */
  cache?: boolean
  /**
   * The pool's own call, not a client's (its chain follower fetching heads and back-filling gaps): the
   * routing decision says `internal: true`, so dashboards can leave it out of client traffic.
   */
  internal?: boolean
}

/** A successful pool request: the upstream's `result` and how it was routed. */
export interface PoolRequestResult<T = unknown> {
  result: T
  /**
   * The exact JSON text of `result` as the upstream sent it (HTTP upstreams), for proxies that must
   * pass results through unchanged: re-serialising `result` would round integers beyond 2^53.
   */
  rawResult?: string
  providerId: string
  strategy: string
  attempts: number
  durationMs: number
  /**
   * Set when an identical read already in flight answered this one (see `coalescing`): no upstream
   * call of its own; `providerId`, `strategy` and `attempts` are that call's.
   */
  coalesced?: true
  /**
   * Set when the pool has a response cache and the method is one it may cache: `hit` (answered from the
   * cache: no upstream call, `providerId` is `chainpulse`, `strategy` is `cache`, `attempts` 0) or `miss`
   * (routed as usual; the answer is kept if the cache's rules allow, see docs/cache.md).
   */
  cache?: 'hit' | 'miss'
  /**
   * Set when an `eth_getLogs` was answered in chunks (its range was too wide for the providers): how
   * many. `providerId` is then the first chunk's provider and `attempts` the chunks' attempts together.
   */
  chunks?: number
}

/** What a pool subscription listens to. */
export type PoolSubscriptionKind = 'newHeads' | { logs: LogFilter }

/** A user subscription; `unsubscribe` stops delivery at once. */
export interface PoolSubscription {
  readonly id: string
  unsubscribe(): void
}

/** A provider as the dashboard and API show it (never its URLs' secrets). */
export interface ProviderStatus {
  id: string
  chain: string
  health: ProviderHealth
  /** Why background probes find it unreachable, while `health` is `down`. */
  downReason: string | undefined
  breaker: CircuitState
  /** Latest block number seen from it. */
  head: number | undefined
  /** Blocks behind the chain's best head. */
  lag: number
  /**
   * The oldest block whose state it is taken to keep (configured `stateHistoryBlocks`, or learned from its
   * "missing state" answers); `undefined` while nothing says it prunes. State reads at older blocks go to
   * other providers first.
   */
  earliestStateBlock: number | undefined
  cooldownUntil: number | undefined
  /** Push-channel state, for providers with a WebSocket. */
  connection: UpstreamConnectionState | undefined
  transports: ('http' | 'ws')[]
  /**
   * The HTTP URL's origin only (`https://mainnet.infura.io`): everything after it may hold a key, so it
   * is never shown (see `redactUrl`).
   */
  httpUrl: string | undefined
  /** The WebSocket URL's origin only (`wss://mainnet.infura.io`). */
  wsUrl: string | undefined
  priority: number
}

/** A chain as the pool knows it. */
export interface ChainStatus {
  name: string
  chainId: number
  strategy: string
  head: number | undefined
  providers: number
}

/** A pool of upstream providers per chain that looks like one provider that is always up. */
export interface ProviderPool {
  readonly store: BenchmarkStore
  readonly pubsub: PubSub<ChainPulseTopics>
  readonly registry: StrategyRegistry
  /**
   * Routes one call.
   * @throws {UpstreamRpcError} the upstream's JSON-RPC error (revert, invalid params), with `routing`.
   * @throws {UpstreamRpcError} also when every provider tried answered with a JSON-RPC error: the
   *   preferred upstream error, relayed as it came (see docs/failure-model.md).
   * @throws {AllProvidersFailedError} nothing answered: every attempt failed in transport (or the deadline came).
   * @throws {NoProviderAvailableError} every provider was down or circuit-open; nothing was sent.
   * @throws {UnknownChainError} / {UnknownProviderError} / {UnknownStrategyError} / {AbortedError} / {PoolClosedError}
   */
  request<T = unknown>(call: PoolRequest, options?: PoolRequestOptions): Promise<PoolRequestResult<T>>
  /**
   * Delivers each new block (or each matching log) exactly once, in order, with gaps back-filled and
   * reorgs delivered (logs of removed blocks again with `removed: true`).
   */
  subscribe(
    chain: string | number,
    kind: 'newHeads',
    listener: (block: BlockHeader) => void,
  ): PoolSubscription
  subscribe(chain: string | number, kind: { logs: LogFilter }, listener: (log: Log) => void): PoolSubscription
  /** Adds a provider at runtime. @throws {ConfigError} / {DuplicateProviderError} / {UnknownChainError} */
  addProvider(config: ProviderConfig): void
  /** Removes a provider at runtime; in-flight calls finish. @throws {UnknownProviderError} */
  removeProvider(providerId: string): void
  /** Resolves a chain name or id to the chain's name. @throws {UnknownChainError} */
  resolveChain(chain: string | number): string
  chains(): ChainStatus[]
  providers(chain?: string | number): ProviderStatus[]
  /** Sets the default strategy of a chain. @throws {UnknownStrategyError} */
  setStrategy(chain: string | number, strategy: string): void
  /** Puts a provider in cooldown (as a 429 would), e.g. from a demo control. */
  cooldown(providerId: string, ms: number): void
  /** Ends a provider's cooldown now. */
  endCooldown(providerId: string): void
  /** Number of live upstream subscriptions (racing and user demand), for diagnostics and tests. */
  upstreamSubscriptionCount(): number
  /** Stops every subscription, timer and connection. */
  close(): Promise<void>
}
