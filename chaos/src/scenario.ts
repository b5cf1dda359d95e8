import type { Verdict } from './invariants/verdict.js'
import type { History } from './record/history.js'

/** `short`: ~10–20 s per scenario, run in CI. `long`: minutes per scenario, on demand. */
export type Profile = 'short' | 'long'

/** One row of a scenario's table: a phase (or the whole run) and its figures. */
export interface ScenarioRow {
  /** The phase, e.g. `baseline`, `killed`, or `all`. */
  phase: string
  requests: number
  errors: number
  p50Ms: number
  p99Ms: number
}

/** One row of a scenario's delivery table: a kind of streaming client and what it was delivered. */
export interface DeliveryRow {
  /** e.g. `ws heads`, `filter logs`. */
  kind: string
  clients: number
  /** Items delivered, every client of the kind together (blocks, logs; removed logs included). */
  deliveries: number
  /** Invariant violations found in these clients' streams. */
  violations: number
  /** Delay from the node's announcement of the block to the client's receipt. */
  p50DelayMs: number
  p99DelayMs: number
}

/** What a scenario run produced: its history, a table, and a verdict per invariant. */
export interface ScenarioResult {
  rows: ScenarioRow[]
  /** Invariants: correctness that must hold on any machine; CI fails on a violation. */
  verdicts: Verdict[]
  /**
   * Targets: figures the issue sets that depend on the machine (latency under CPU contention); reported
   * with their measured figure, never asserted. @default []
   */
  targets?: Verdict[]
  /** Streaming clients (subscriptions, filters): a second table, one row per kind. @default [] */
  deliveries?: DeliveryRow[]
  /** Parameters and what was done (who was killed, which faults), for the report. */
  notes: string[]
  history: History
}

/** A chaos scenario: sets up the devnet and the server, drives load and faults, checks invariants. */
export interface Scenario {
  /** Stable id, used for `pnpm chaos <id>` and the section markers in docs/reliability.md. */
  id: string
  title: string
  run(profile: Profile): Promise<ScenarioResult>
}
