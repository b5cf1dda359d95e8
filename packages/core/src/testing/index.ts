/**
 * @chainpulse/core/testing — helpers for testing code that uses ChainPulse: a fake clock, an in-memory
 * PubSub bus, a stub benchmark store and the routing-strategy conformance suite.
 */
export { createFakeClock, type FakeClock } from '../clock/fake-clock.js'
export {
  createInMemoryBus,
  type InMemoryBus,
  type InMemoryBusMessage,
  type InMemoryBusOptions,
} from '../pubsub/in-memory-bus.js'
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
