import { quantile } from './invariants/latency.js'
import type { ClientEvent } from './record/history.js'
import type { ScenarioRow } from './scenario.js'

/** One table row per phase (in the order the phases ran), then one for the whole run. */
export function summarise(events: readonly ClientEvent[], phases: readonly string[]): ScenarioRow[] {
  const row = (phase: string, of: readonly ClientEvent[]): ScenarioRow => {
    const durations = of.map((event) => event.durationMs)
    return {
      phase,
      requests: of.length,
      errors: of.filter((event) => event.outcome !== 'result').length,
      p50Ms: Math.round(quantile(durations, 0.5)),
      p99Ms: Math.round(quantile(durations, 0.99)),
    }
  }
  return [
    ...phases.map((phase) =>
      row(
        phase,
        events.filter((event) => event.phase === phase),
      ),
    ),
    row('all', events),
  ]
}
