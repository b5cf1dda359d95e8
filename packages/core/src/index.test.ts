import { describe, expect, it } from 'vitest'
import * as core from './index.js'
import * as testing from './testing/index.js'

// The public API is a contract: a change here must be deliberate (update the snapshot and add a changeset).
describe('public exports', () => {
  it('@chainpulse/core exports exactly these runtime values', () => {
    expect(Object.keys(core).sort()).toMatchInlineSnapshot(`
      [
        "AbortedError",
        "AllProvidersFailedError",
        "BLOCK_PARAMETER_INDEX",
        "BenchmarkSnapshotError",
        "ChainPulseError",
        "CircuitOpenError",
        "ConfigError",
        "DuplicateProviderError",
        "DuplicateStrategyError",
        "Eip1193ProviderError",
        "InvalidEventKeyError",
        "KNOWN_METHODS",
        "MalformedResponseError",
        "NoProviderAvailableError",
        "PROVIDER_HEALTH_STATES",
        "PoolClosedError",
        "RateLimitedError",
        "UnknownChainError",
        "UnknownProviderError",
        "UnknownStrategyError",
        "UpstreamError",
        "UpstreamHttpError",
        "UpstreamRpcError",
        "UpstreamTimeoutError",
        "UpstreamUnavailableError",
        "backoffDelay",
        "blockParameterIndex",
        "builtInStrategyNames",
        "classifyRpcError",
        "consecutiveFailures",
        "createBenchmarkStore",
        "createCheapestStrategy",
        "createCircuitBreaker",
        "createEip1193Provider",
        "createFastestStrategy",
        "createHttpTransport",
        "createHybridStrategy",
        "createLeaderboardStrategy",
        "createMessageAggregator",
        "createPriorityStrategy",
        "createProviderPool",
        "createPubSub",
        "createRoundRobinStrategy",
        "createStrategyRegistry",
        "createWsTransport",
        "defaultScore",
        "defaultStrategyName",
        "dependsOnLatest",
        "errorCodes",
        "failureRatio",
        "isJsonRpcError",
        "isJsonRpcErrorResponse",
        "isJsonRpcResponse",
        "isKnownMethod",
        "logKey",
        "matchesLogFilter",
        "newHeadsKey",
        "onAbort",
        "parseProviderPoolConfig",
        "parseRetryAfter",
        "providerPoolConfigJsonSchema",
        "redactUrl",
        "referencedBlockNumber",
        "systemClock",
        "toEip1193Error",
        "urlSecrets",
      ]
    `)
  })

  it('@chainpulse/core/testing exports exactly these runtime values', () => {
    expect(Object.keys(testing).sort()).toMatchInlineSnapshot(`
      [
        "advanceInSteps",
        "createFakeClock",
        "createInMemoryBus",
        "createMockChain",
        "createMockProvider",
        "createStubBenchmarkStore",
        "draws",
        "mulberry32",
        "settleOnClock",
        "standardNormal",
        "strategyConformanceCases",
      ]
    `)
  })
})
