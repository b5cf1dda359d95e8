import { signal } from '@preact/signals'
import { runScenario, type ScenarioContext, type TimelineEntry } from './runner.js'
import { scenarios } from './scenarios.js'

/**
 * The scenario running now, if any. Module state, shared by every tab that offers scenarios (Live Test,
 * and the Live Dashboard's "kill the leader"): one runs at a time, and switching tabs neither stops it
 * nor loses its timeline.
 */
export const runningScenario = signal<{ id: string; controller: AbortController } | null>(null)

/** The narrated timeline of the current or last run. */
export const scenarioTimeline = signal<TimelineEntry[]>([])

/**
 * Starts scenario `id` unless one is running, with the `settings` picked for it (defaults for the rest);
 * the timeline is replaced as it goes.
 *
 * @returns false when another scenario is running or `id` is unknown.
 * @example
 * startScenario('reorg', createLiveScenarioContext(store, 'ethereum'), { depth: 2 })
 */
export function startScenario(
  id: string,
  context: ScenarioContext,
  settings: Readonly<Record<string, number>> = {},
): boolean {
  const scenario = scenarios.find((entry) => entry.id === id)
  if (!scenario || runningScenario.value) return false
  const controller = new AbortController()
  runningScenario.value = { id, controller }
  void runScenario(scenario, context, {
    signal: controller.signal,
    settings,
    onTimeline: (entries) => {
      scenarioTimeline.value = entries
    },
  }).finally(() => {
    runningScenario.value = null
  })
  return true
}

/** Stops the running scenario after its current step; its cleanup still runs. */
export function stopScenario(): void {
  runningScenario.value?.controller.abort()
}
