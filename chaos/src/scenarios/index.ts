import type { Scenario } from '../scenario.js'
import { failureMatrix } from './failure-matrix.js'

/** Every finished scenario, in the order `pnpm chaos` runs them. */
export const scenarios: readonly Scenario[] = [failureMatrix]
