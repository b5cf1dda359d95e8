/** The outcome of one invariant over a recorded history. */
export interface Verdict {
  /** What must hold, in words, e.g. "every request succeeded". */
  invariant: string
  holds: boolean
  /** The measured figure behind the verdict, e.g. "0 of 1,204 failed". */
  measured: string
  /** The first few violations, for the report and the test's failure message. */
  violations: string[]
}

/** At most this many violations are kept per verdict: enough to debug, short enough to print. */
export const MAX_VIOLATIONS = 5

/** Builds a verdict from its violations: it holds when there are none. */
export function verdict(invariant: string, measured: string, violations: readonly string[]): Verdict {
  return {
    invariant,
    holds: violations.length === 0,
    measured,
    violations: violations.slice(0, MAX_VIOLATIONS),
  }
}
