// Compile-time only (never imported, so never built or bundled): the dashboard declares the API bodies
// it reads itself (demo-web talks to the server over HTTP only), and these lines make `pnpm typecheck`
// fail when a body the server sends stops fitting what the dashboard declares — a renamed field or a
// changed type is caught here, not as a blank cell. demo-web's own types.check.ts does the same for
// core's topic payloads.
import type { LeaderboardEntry, MarginStats, RpcStatsRow } from '@chainpulse/core'
import type * as Dashboard from '@chainpulse/demo-web/api-types'
import type { ClusterView } from '../../cluster/cluster-routes.js'
import type { DemoReorgResult } from '../../demo/controls.js'
import type { DemoStatus } from '../../demo/demo-routes.js'
import type { Capabilities, RuntimeView, StrategiesView } from './api-routes.js'
import type { ScoreHistoryView } from './score-history.js'
import type { SnapshotStreamTopic } from './stream.js'
import type { ChainView, LeaderboardView, ProviderView } from './views.js'

/** Resolves only when `Sent` can be read as `Declared`. */
type Fits<Sent extends Declared, Declared> = Sent
/** Resolves only when `A` and `B` are the same union (a topic list written twice must agree). */
type Same<A extends B, B extends C, C = A> = [A, B]

export type ApiBodiesFit = [
  Fits<ProviderView, Dashboard.ProviderView>,
  Fits<ChainView, Dashboard.ChainView>,
  Fits<LeaderboardEntry, Dashboard.LeaderboardEntry>,
  Fits<LeaderboardView, Dashboard.LeaderboardDetail>,
  Fits<MarginStats, Dashboard.MarginStats>,
  Fits<RpcStatsRow, Dashboard.RpcStatsRow>,
  Fits<ScoreHistoryView, Dashboard.ScoreHistory>,
  Fits<RuntimeView, Dashboard.RuntimeView>,
  Fits<Capabilities, Dashboard.Capabilities>,
  Fits<StrategiesView, Dashboard.StrategiesView>,
  Fits<DemoStatus, Dashboard.DemoStatus>,
  Fits<DemoReorgResult & { chain: string }, Dashboard.DemoReorg>,
  Fits<ClusterView, Dashboard.ClusterView>,
  Same<SnapshotStreamTopic, Dashboard.SnapshotTopic>,
]
