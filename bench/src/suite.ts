/** One measured figure in a benchmark table. */
export interface BenchRow {
  /** What was measured, e.g. "ChainPulse MessageAggregator" or "baseline: plain Map". */
  subject: string
  /** Figures by column name, already formatted for humans (e.g. "1,234,567 events/s"). */
  figures: Record<string, string>
}

/** The outcome of one benchmark suite: a table, and a verdict against its target. */
export interface BenchResult {
  rows: BenchRow[]
  /** The target from the issue, e.g. "≥ 1,000,000 events/s". */
  target: string
  /** Whether the measured figure meets the target (reported, never asserted). */
  met: boolean
  /** Free-form notes: method, parameters, caveats. */
  notes?: string[]
}

/** A benchmark suite: runs in the same process as its baseline so figures compare side by side. */
export interface BenchSuite {
  /** Stable id, used for `pnpm bench <id>` and the section markers in docs/benchmarks.md. */
  id: string
  title: string
  run(): Promise<BenchResult>
}

/** Formats a number with thousands separators and at most `digits` decimals. */
export function formatNumber(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
}
