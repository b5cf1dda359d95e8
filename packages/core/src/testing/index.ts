/**
 * @chainpulse/core/testing — helpers for testing code that uses ChainPulse: a fake clock and helpers to
 * run promises on it, an in-memory PubSub bus, a mock chain and providers, a stub benchmark store,
 * the routing-strategy conformance suite, the simulated-provider fault-behaviour suite (mock and devnet) and the seeded PRNG every simulation (the devnet's too) draws from.
 */
export { createFakeClock, type FakeClock } from '../clock/fake-clock.js'
export {
  createInMemoryBus,
  type InMemoryBus,
  type InMemoryBusMessage,
  type InMemoryBusOptions,
} from '../pubsub/in-memory-bus.js'
export { draws, mulberry32, standardNormal } from '../random/prng.js'
export {
  type FaultBehaviourCase,
  type FaultBehaviourPersonality,
  type FaultBehaviourProvider,
  type FaultBehaviourTarget,
  faultBehaviourCases,
} from './fault-behaviour.js'
export {
  createFaultPlan,
  type EventFault,
  type FaultErrorMix,
  type FaultKnobs,
  type FaultPlan,
  INJECTED_ERRORS,
  logsRangeError,
  logsResultsError,
  missingStateError,
  type RequestFault,
  type RequestFaultKind,
} from './fault-plan.js'
export {
  createMockChain,
  type MockBlock,
  type MockCallResult,
  type MockChain,
  type MockChainChange,
  type MockChainOptions,
  type MockLogInput,
  type MockMineOptions,
  type MockReorgOptions,
  type MockReorgResult,
  type MockTransaction,
} from './mock-chain.js'
export {
  createMockProvider,
  type MockMethodHandler,
  type MockProvider,
  type MockProviderBehaviour,
  type MockProviderMode,
  type MockProviderOptions,
  type MockProviderState,
} from './mock-provider.js'
export { advanceInSteps, settleOnClock } from './run-clock.js'
export {
  type StrategyConformanceCase,
  type StrategyConformanceOptions,
  strategyConformanceCases,
} from './strategy-conformance.js'
export {
  createStubBenchmarkStore,
  type StubBenchmarkStore,
  type StubRaceFigures,
} from './stub-benchmark-store.js'
