import type { DemoReorg, PersonalityPatch } from '../api/types.js'

/** A routing decision as a scenario observes it (a `routing:decisions` payload). */
export interface ObservedDecision {
  providerId: string
  result: 'ok' | 'error'
  failoverCount: number
}

/** A block as a scenario observes it (a `blocks:new` payload, the pool's canonical chain). */
export interface ObservedBlock {
  number: number
  hash: string
  firstProviderId: string
}

/**
 * What a scenario may do and read; the dashboard builds it from the demo API and the live store
 * (`createLiveScenarioContext`).
 */
export interface ScenarioContext {
  /** The chain the scenario works on (the header's filter, or the first chain). */
  chain: string
  /** Provider ids of `chain`, in display order. */
  providers: string[]
  /** The leaderboard's top provider of `chain`, if races have ranked one. */
  leader: string | undefined
  kill(id: string): Promise<unknown>
  revive(id: string): Promise<unknown>
  personality(id: string, patch: PersonalityPatch): Promise<unknown>
  healthy(id: string): Promise<unknown>
  /** Reorganises `chain`: its newest `depth` blocks are replaced by new ones at the same heights. */
  reorg(depth: number): Promise<DemoReorg>
  /**
   * Waits until the pool publishes a block of `chain` that `match` accepts (one among the latest blocks
   * shown already counts): resolves with it, or with `undefined` when `timeoutMs` pass (or `signal`
   * aborts) first. How a scenario tells that the pool followed the chain.
   */
  seeBlock(
    match: (block: ObservedBlock) => boolean,
    options: { timeoutMs: number; signal?: AbortSignal | undefined },
  ): Promise<ObservedBlock | undefined>
  /**
   * Waits for the next routing decision on `chain` that `match` accepts: resolves with it, or with
   * `undefined` when `timeoutMs` pass (or `signal` aborts) first. How a scenario narrates what traffic did.
   */
  nextDecision(
    match: (decision: ObservedDecision) => boolean,
    options: { timeoutMs: number; signal?: AbortSignal | undefined },
  ): Promise<ObservedDecision | undefined>
}

/**
 * One narrated step: say what happens, do it, then give it `waitMs` to show on screen. A `run` that
 * resolves with a string reports what it observed: the timeline shows it after the step's text.
 */
export interface ScenarioStep {
  say: string
  /** `signal` aborts when the scenario is stopped, so a step that waits for something can end early. */
  run?: (context: ScenarioContext, signal?: AbortSignal) => Promise<unknown>
  waitMs?: number
}

/** A scenario's concrete plan for one run: its steps, and what puts things back if it is stopped. */
export interface ScenarioPlan {
  steps: ScenarioStep[]
  /** Runs after the steps, or instead of the rest when stopped or failed. */
  cleanup: ScenarioStep[]
}

/** A number picked before a scenario starts (the Live Test tab shows an input for it), e.g. a reorg's depth. */
export interface ScenarioSetting {
  /** Its key in the settings {@link Scenario.plan} receives. */
  key: string
  label: string
  min: number
  default: number
}

/** A scripted demo: data, planned against the live context when it starts. */
export interface Scenario {
  id: string
  title: string
  summary: string
  /** What the user picks before starting it. */
  settings?: ScenarioSetting[]
  /** `settings` holds a value for every one of {@link Scenario.settings} (its default when not picked). */
  plan(context: ScenarioContext, settings: Readonly<Record<string, number>>): ScenarioPlan
}

/** One line of the narrated timeline. */
export interface TimelineEntry {
  /** Epoch ms when the step started. */
  at: number
  text: string
  status: 'running' | 'done' | 'failed' | 'skipped'
  /** Why the step failed. */
  detail?: string
  /** What the step observed (e.g. which provider traffic moved to). */
  note?: string
}

/** Options of {@link runScenario}. */
export interface RunScenarioOptions {
  /** Called with the whole timeline after each change. */
  onTimeline(entries: TimelineEntry[]): void
  /** Stops after the current step and runs the cleanup. */
  signal?: AbortSignal
  /** Values picked for the scenario's settings; the ones left out take their defaults. */
  settings?: Readonly<Record<string, number>>
  /** @default Date.now */
  now?: () => number
  /** Resolves after `ms`, or early when `signal` aborts. @default setTimeout */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
}

/** Resolves after `ms` (or as soon as `signal` aborts). */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done)
  })
}

/**
 * Runs a scenario step by step, narrating each on the timeline. A failing step, or `signal` aborting,
 * ends the steps early; the cleanup always runs (its failures are noted, not thrown), so a stopped
 * demo never leaves a provider dead.
 *
 * @returns whether every step succeeded without being stopped.
 * @example
 * await runScenario(scenarios[0], context, { onTimeline: (entries) => (timeline.value = entries) })
 */
export async function runScenario(
  scenario: Scenario,
  context: ScenarioContext,
  options: RunScenarioOptions,
): Promise<boolean> {
  const now = options.now ?? Date.now
  const sleep = options.sleep ?? abortableSleep
  const signal = options.signal
  const entries: TimelineEntry[] = []
  const publish = () => options.onTimeline([...entries])
  const note = (text: string, status: TimelineEntry['status'], detail?: string) => {
    entries.push({ at: now(), text, status, ...(detail === undefined ? {} : { detail }) })
    publish()
    return entries.length - 1
  }

  let plan: ScenarioPlan
  try {
    plan = scenario.plan(context, settingsOf(scenario, options.settings))
  } catch (error) {
    note(`${scenario.title}: cannot start`, 'failed', message(error))
    return false
  }
  note(`▶ ${scenario.title} on ${context.chain}`, 'done')

  let ok = true
  const runStep = async (step: ScenarioStep, sleepAfter: boolean): Promise<boolean> => {
    const index = note(step.say, 'running')
    try {
      const observed = await step.run?.(context, signal)
      if (typeof observed === 'string') {
        entries[index] = { ...entries[index]!, note: observed }
        publish()
      }
      if (sleepAfter && step.waitMs) await sleep(step.waitMs, signal)
      entries[index] = { ...entries[index]!, status: 'done' }
      publish()
      return true
    } catch (error) {
      entries[index] = { ...entries[index]!, status: 'failed', detail: message(error) }
      publish()
      return false
    }
  }

  for (const step of plan.steps) {
    if (signal?.aborted) {
      ok = false
      note('■ stopped', 'skipped')
      break
    }
    if (!(await runStep(step, true))) {
      ok = false
      break
    }
  }
  if (signal?.aborted && ok) {
    ok = false
    note('■ stopped', 'skipped')
  }
  // Cleanup waits are skipped once stopped: putting things back should be quick.
  for (const step of plan.cleanup) await runStep(step, !signal?.aborted)
  note(ok ? '✔ scenario complete' : '✖ scenario ended early', ok ? 'done' : 'failed')
  return ok
}

/** Every setting of `scenario`, picked or defaulted. */
export function settingsOf(
  scenario: Scenario,
  picked: Readonly<Record<string, number>> = {},
): Record<string, number> {
  return Object.fromEntries(
    (scenario.settings ?? []).map((setting) => [setting.key, picked[setting.key] ?? setting.default]),
  )
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
