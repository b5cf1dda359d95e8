import type { BenchSuite } from '../suite.js'
import { benchmarkStoreSuite } from './benchmark-store.js'
import { bundleSizeSuite } from './bundle-size.js'
import { clusterDeadProviderSuite } from './cluster-dead-provider.js'
import { clusterEventsSuite } from './cluster-events.js'
import { clusterThroughputSuite } from './cluster-throughput.js'
import { dashboardLatencySuite } from './dashboard-latency.js'
import { failoverTimeSuite } from './failover-time.js'
import { faultScenarioSuite } from './fault-scenario.js'
import { messageAggregatorSuite } from './message-aggregator.js'
import { peerTailsSuite } from './peer-tails.js'
import { poolOverheadSuite } from './pool-overhead.js'
import { proxyThroughputSuite } from './proxy-throughput.js'
import { raceMarginsSuite } from './race-margins.js'
import { readMixSuite } from './read-mix.js'
import { requestPathSuite } from './request-path.js'
import { subscriptionLatencySuite } from './subscription-latency.js'
import { wsFanoutSuite } from './ws-fanout.js'

/** Every benchmark suite, in the order they appear in docs/benchmarks.md. */
export const suites: BenchSuite[] = [
  messageAggregatorSuite,
  raceMarginsSuite,
  benchmarkStoreSuite,
  requestPathSuite,
  poolOverheadSuite,
  faultScenarioSuite,
  peerTailsSuite,
  failoverTimeSuite,
  proxyThroughputSuite,
  readMixSuite,
  wsFanoutSuite,
  subscriptionLatencySuite,
  dashboardLatencySuite,
  clusterEventsSuite,
  clusterThroughputSuite,
  clusterDeadProviderSuite,
  bundleSizeSuite,
]
