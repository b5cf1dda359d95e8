import type { BenchSuite } from '../suite.js'
import { benchmarkStoreSuite } from './benchmark-store.js'
import { messageAggregatorSuite } from './message-aggregator.js'

/** Every benchmark suite, in the order they appear in docs/benchmarks.md. */
export const suites: BenchSuite[] = [messageAggregatorSuite, benchmarkStoreSuite]
