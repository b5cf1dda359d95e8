/**
 * @chainpulse/core — composable primitives for blockchain RPC orchestration. Every export is listed
 * explicitly; `index.test.ts` snapshots the list so API changes are deliberate.
 */
export { type Cancellation, createCancellation, toAbortSignal } from './abort/cancellation.js'
export { onAbort } from './abort/on-abort.js'
export { createBenchmarkStore } from './benchmark-store/benchmark-store.js'
export {
  type MergeBenchmarkSnapshotsOptions,
  mergeBenchmarkSnapshots,
} from './benchmark-store/merge-snapshots.js'
export { defaultScore } from './benchmark-store/score.js'
export { parseBenchmarkSnapshot } from './benchmark-store/snapshot-schema.js'
export type {
  BenchmarkSnapshotOptions,
  BenchmarkStore,
  BenchmarkStoreOptions,
  BenchmarkStoreSnapshot,
  ChainSnapshot,
  EventTypeRaceStats,
  HistogramSnapshot,
  LatencySummary,
  LeaderboardEntry,
  MarginBucket,
  MarginStats,
  RaceEntry,
  RaceEventType,
  RaceStats,
  RecentProviderStats,
  RecentStatsSnapshot,
  RpcCallRecord,
  RpcEntry,
  RpcStatsDimension,
  RpcStatsRow,
  ScoreFunction,
} from './benchmark-store/types.js'
export type { ValidBenchmarkSnapshot } from './benchmark-store/valid-snapshots.js'
export {
  type CircuitBreaker,
  type CircuitBreakerContext,
  type CircuitBreakerOptions,
  type CircuitBreakerSnapshot,
  type CircuitPermit,
  type CircuitState,
  type CircuitStateChange,
  type CircuitTransitionReason,
  createCircuitBreaker,
} from './circuit-breaker/circuit-breaker.js'
export { consecutiveFailures } from './circuit-breaker/consecutive-failures.js'
export { type FailureRatioOptions, failureRatio } from './circuit-breaker/failure-ratio.js'
export type { TripRule, TripTracker } from './circuit-breaker/trip-rule.js'
export { type Clock, systemClock, type TimerHandle } from './clock/clock.js'
export { startDeadline } from './clock/deadline.js'
export {
  createEip1193Provider,
  type Eip1193ConnectInfo,
  type Eip1193EventName,
  type Eip1193Events,
  type Eip1193Listener,
  type Eip1193Message,
  type Eip1193Provider,
  Eip1193ProviderError,
  type Eip1193RequestArguments,
  toEip1193Error,
} from './eip1193/eip1193.js'
export { ChainPulseError, type ChainPulseErrorOptions } from './errors/base-error.js'
export { type ErrorCode, errorCodes } from './errors/codes.js'
export {
  AbortedError,
  AllProvidersFailedError,
  BenchmarkSnapshotError,
  CircuitOpenError,
  ConfigError,
  type ConfigIssue,
  DuplicateProviderError,
  DuplicateStrategyError,
  InvalidEventKeyError,
  MalformedResponseError,
  NoProviderAvailableError,
  PoolClosedError,
  RateLimitedError,
  type RoutingMetadata,
  UnknownChainError,
  UnknownProviderError,
  UnknownStrategyError,
  UpstreamError,
  type UpstreamErrorContext,
  UpstreamHttpError,
  UpstreamRpcError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from './errors/errors.js'
export { redactUrl, urlSecrets } from './errors/redact.js'
export { type KeyableBlock, type KeyableLog, logKey, newHeadsKey } from './message-aggregator/event-keys.js'
export {
  type AggregatedMessage,
  createMessageAggregator,
  type IngestInput,
  type IngestResult,
  type MessageAggregator,
  type MessageAggregatorErrorSource,
  type MessageAggregatorOptions,
  type MessageAggregatorStats,
  type RaceOutcome,
  type RaceRecorder,
} from './message-aggregator/message-aggregator.js'
export {
  BLOCK_PARAMETER_INDEX,
  blockParameterIndex,
  dependsOnLatest,
  isStateRead,
  referencedBlockNumber,
} from './methods/block-parameter.js'
export { isKnownMethod, KNOWN_METHODS } from './methods/known-methods.js'
export type { CacheMethodPolicy } from './provider-pool/cache/cache-policy.js'
export {
  type CacheEntry,
  type CacheStore,
  createMemoryCacheStore,
  type MemoryCacheStore,
  type MemoryCacheStoreOptions,
} from './provider-pool/cache/cache-store.js'
export {
  type CacheableAnswer,
  type CacheChainSource,
  type CacheLookup,
  createResponseCache,
  DEFAULT_CACHE_MAX_BYTES,
  DEFAULT_FINALITY_DEPTH,
  type ResponseCache,
  type ResponseCacheOptions,
} from './provider-pool/cache/response-cache.js'
export {
  createPeerEvidence,
  DEFAULT_PEER_EVIDENCE_MAX_AGE_MS,
  DEFAULT_PEER_EVIDENCE_PROBE_INTERVAL_MS,
  type PeerEvidence,
  type PeerEvidenceOptions,
} from './provider-pool/chain/peer-evidence.js'
export { providerPoolConfigJsonSchema } from './provider-pool/config-json-schema.js'
export {
  createServedFilters,
  type ServedFilters,
} from './provider-pool/filters/filter-registry.js'
export {
  type ChainConfig,
  type ProviderConfig,
  type ProviderPoolConfig,
  type ProviderPoolOptions,
  parseProviderPoolConfig,
  type ResolvedProviderPoolConfig,
  type ResolvedProviderPoolOptions,
} from './provider-pool/options.js'
export { PROVIDER_HEALTH_STATES, type ProviderHealth } from './provider-pool/provider/provider-runtime.js'
export type {
  Upstream,
  UpstreamConnectionState,
  UpstreamRequestOptions,
  UpstreamSubscribeHooks,
  UpstreamSubscription,
} from './provider-pool/provider/upstream.js'
export { createProviderPool } from './provider-pool/provider-pool.js'
export {
  createLogsSplitting,
  type LogsSplitting,
  type LogsSplittingOptions,
} from './provider-pool/request/logs-splitting.js'
export { TRANSACTION_FLOW_METHODS } from './provider-pool/sessions/sessions.js'
export type {
  ChainStatus,
  PoolRequest,
  PoolRequestOptions,
  PoolRequestResult,
  PoolSubscription,
  PoolSubscriptionKind,
  ProviderPool,
  ProviderStatus,
} from './provider-pool/types.js'
export {
  type AnyTopicListener,
  createPubSub,
  type PubSub,
  type PubSubAdapter,
  type PubSubOptions,
  type TopicListener,
  type TopicOf,
  type Unsubscribe,
} from './pubsub/pubsub.js'
export {
  type BlockEvent,
  CHAINPULSE_TOPICS,
  type ChainPulseTopic,
  type ChainPulseTopics,
  type ConnectionEvent,
  type ProviderPoolEvent,
  type ProviderPoolEventType,
  type RaceEvent,
  type RoutingDecisionEvent,
} from './pubsub/topics.js'
export { type CheapestSlo, type CheapestStrategyOptions, createCheapestStrategy } from './routing/cheapest.js'
export { createFastestStrategy, type FastestStrategyOptions } from './routing/fastest.js'
export { createHybridStrategy, type HybridStrategyOptions, type HybridWeights } from './routing/hybrid.js'
export { createLeaderboardStrategy, type LeaderboardStrategyOptions } from './routing/leaderboard.js'
export { createPriorityStrategy, type PriorityStrategyOptions } from './routing/priority.js'
export {
  type BuiltInStrategyName,
  builtInStrategyNames,
  createStrategyRegistry,
  defaultStrategyName,
  type RegisterStrategyOptions,
  type StrategyRegistry,
} from './routing/registry.js'
export { createRoundRobinStrategy, type RoundRobinStrategyOptions } from './routing/round-robin.js'
export type { ProviderCandidate, RoutingContext, RoutingStrategy } from './routing/types.js'
export type { BlockHeader } from './subscriptions/block-header.js'
export { type Log, type LogFilter, matchesLogFilter } from './subscriptions/log-filter.js'
export { type BackoffOptions, backoffDelay } from './transport/backoff.js'
export {
  createHttpTransport,
  type FetchInit,
  type FetchLike,
  type HttpBatchResponse,
  type HttpRequestOptions,
  type HttpTransport,
  type HttpTransportOptions,
  type HttpTransportResult,
} from './transport/http-transport.js'
export {
  classifyRpcError,
  type EthSubscriptionParams,
  isJsonRpcError,
  isJsonRpcErrorResponse,
  isJsonRpcResponse,
  type JsonRpcError,
  type JsonRpcErrorResponse,
  type JsonRpcId,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type JsonRpcSuccess,
  type RpcErrorClass,
} from './transport/json-rpc.js'
export { parseRetryAfter } from './transport/retry-after.js'
export {
  createWsTransport,
  type WebSocketConstructor,
  type WebSocketLike,
  type WsReconnectOptions,
  type WsRequestOptions,
  type WsResubscribed,
  type WsStateChange,
  type WsSubscribeOptions,
  type WsSubscription,
  type WsTransport,
  type WsTransportOptions,
  type WsTransportState,
  type WsTransportStats,
} from './transport/ws-transport.js'
export type { JsonSchema } from './validation/json-schema.js'
