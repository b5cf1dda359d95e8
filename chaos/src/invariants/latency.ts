import type { ClientEvent } from '../record/history.js'
import { type Verdict, verdict } from './verdict.js'

/** The `p`-quantile (0–1) of `values`, nearest rank; NaN for none. */
export function quantile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!
}

/** Options of {@link p99WithinBaseline}. */
export interface P99Options {
  /** The phase whose p99 is the healthy baseline. */
  baselinePhase: string
  /** Allowed ratio to the baseline p99 (the target: 2). */
  factor: number
  /**
   * Absolute room added to the bound: on a busy 2-core machine a baseline p99 of a few ms is noise, and
   * a bound of twice that would fail on scheduling alone.
   */
  allowanceMs: number
  /** Requests sent in these windows are left out (e.g. the hang's timeout). */
  exclude?: readonly { from: number; to: number }[]
}

/**
 * The p99 of every request outside the baseline and the excluded windows stays within
 * `factor × baseline p99 + allowanceMs`.
 */
export function p99WithinBaseline(events: readonly ClientEvent[], options: P99Options): Verdict {
  const excluded = (event: ClientEvent) =>
    (options.exclude ?? []).some(({ from, to }) => event.sentAt >= from && event.sentAt < to)
  const baseline = events.filter((event) => event.phase === options.baselinePhase)
  const rest = events.filter((event) => event.phase !== options.baselinePhase && !excluded(event))
  const baseP99 = quantile(
    baseline.map((event) => event.durationMs),
    0.99,
  )
  const p99 = quantile(
    rest.map((event) => event.durationMs),
    0.99,
  )
  const bound = options.factor * baseP99 + options.allowanceMs
  const measured = `p99 ${Math.round(p99)} ms vs baseline ${Math.round(baseP99)} ms (${(p99 / baseP99).toFixed(1)}×)`
  const violations =
    baseline.length === 0 || rest.length === 0
      ? ['not enough requests to compare']
      : p99 > bound
        ? [
            `p99 ${Math.round(p99)} ms > ${options.factor} × ${Math.round(baseP99)} + ${options.allowanceMs} ms`,
          ]
        : []
  return verdict(
    `p99 within ${options.factor}× the healthy baseline (+${options.allowanceMs} ms)`,
    measured,
    violations,
  )
}
