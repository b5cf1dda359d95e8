import type { BenchmarkStore } from '../benchmark-store/types.js'
import type { CircuitBreakerOptions, CircuitState } from '../circuit-breaker/circuit-breaker.js'
import type { Clock } from '../clock/clock.js'
import type { Eip1193Provider } from '../eip1193/eip1193.js'
import type { PubSub } from '../pubsub/pubsub.js'
import type { ChainPulseTopics } from '../pubsub/topics.js'
import type { StrategyRegistry } from '../routing/registry.js'
import type { BlockHeader } from '../subscriptions/block-header.js'
import type { Log, LogFilter } from '../subscriptions/log-filter.js'
import type { FetchLike } from '../transport/http-transport.js'
import type { WebSocketConstructor } from '../transport/ws-transport.js'
import type { ChainConfig, ProviderConfig } from './config.js'
import type { ProviderHealth } from './provider/provider-runtime.js'
import type { UpstreamConnectionState } from './provider/upstream.js'

/** Options of `createProviderPool`: the chains and providers, plus behaviour knobs. */
export interface ProviderPoolOptions {
  chains: ChainConfig[]
  providers?: ProviderConfig[]
  /** Strategy used when a request names none. @default 'leaderboard' */
  strategy?: string
  /** Per-chain default strategy, overriding `strategy`. */
  strategies?: Record<string, string>
  /** Where strategies are looked up by name. @default createStrategyRegistry() (the built-ins) */
  registry?: StrategyRegistry
  /** Where race and RPC metrics go. @default createBenchmarkStore() */
  store?: BenchmarkStore
  /** Where routing decisions, provider events, blocks and races are published. @default createPubSub() */
  pubsub?: PubSub<ChainPulseTopics>
  /** Per-attempt timeout (ms); an attempt never runs past the request's deadline either. @default 10_000 */
  requestTimeoutMs?: number
  /**
   * The whole request's deadline (ms): attempts, failovers, hedges and waits for a throttle's end all
   * happen within it. @default 15_000
   */
  requestDeadlineMs?: number
  /**
   * Background health probes of every provider, from start (`eth_chainId`, then `eth_blockNumber` each
   * round): an unreachable provider is `down` within one interval, a revived one is back within one
   * interval, and the probes are the breakers' half-open trials (client requests never are). `false`
   * turns them off: then only providers without a `newHeads` stream are polled for their head (every
   * `headPollIntervalMs`), and a half-open breaker lets one client request through as its trial.
   * @default { intervalMs: 5_000, timeoutMs: min(3_000, requestTimeoutMs) }
   */
  healthCheck?: false | { intervalMs?: number; timeoutMs?: number }
  /** How long a provider's "method not found" is remembered, so it is not asked again meanwhile (ms). @default 600_000 */
  unsupportedMethodTtlMs?: number
  /**
   * Hedged reads: when the attempt on one provider has not answered after `delayMs` (default: that
   * provider's recent p95 for the method, at least `minDelayMs`), the same read also goes to the next
   * provider and the first answer wins. Writes are never hedged. @default false
   */
  hedge?: false | { delayMs?: number; minDelayMs?: number }
  /** A provider this many blocks behind the best head is not used for `latest` calls. @default 3 */
  maxLagBlocks?: number
  /** Cooldown after a rate-limit answer with no `Retry-After` (ms). @default 1_000 */
  defaultCooldownMs?: number
  /** Options of each provider's circuit breaker. @default { failureThreshold: 5, halfOpenAfterMs: 10_000 } */
  breaker?: Omit<CircuitBreakerOptions, 'clock' | 'name' | 'initialState'>
  /**
   * Keep every WebSocket provider's `newHeads` subscribed all the time to race them (leaderboard data,
   * `blocks:new`), rather than only while someone subscribes. @default true
   */
  racing?: boolean
  /**
   * How often user subscriptions check that blocks still arrive while every upstream stream is quiet, and
   * (with `healthCheck: false`) how often providers without a stream are polled for their head (ms).
   * @default 4_000
   */
  headPollIntervalMs?: number
  clock?: Clock
  /** Wall-clock time for event timestamps (epoch ms). @default Date.now */
  wallClock?: () => number
  random?: () => number
  fetch?: FetchLike
  WebSocket?: WebSocketConstructor
}

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
  /** An EIP-1193 provider for one chain (`request`, `on('message' | 'connect' | 'disconnect')`). */
  eip1193(chain: string | number): Eip1193Provider
  /** Stops every subscription, timer and connection. */
  close(): Promise<void>
}
