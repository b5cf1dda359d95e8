import type { Scenario } from '../scenario.js'
import { allDown } from './all-down.js'
import { cascadeFlap } from './cascade-flap.js'
import { crashRestart } from './crash-restart.js'
import { failureMatrix } from './failure-matrix.js'
import { hostileClients } from './hostile-clients.js'
import { killHangRevive } from './kill-hang-revive.js'
import { soak } from './soak.js'
import { subscriptionsFilters } from './subscriptions-filters.js'

/** Every finished scenario, in the order `pnpm chaos` runs them. */
export const scenarios: readonly Scenario[] = [
  failureMatrix,
  allDown,
  killHangRevive,
  cascadeFlap,
  hostileClients,
  subscriptionsFilters,
  crashRestart,
  soak,
]
