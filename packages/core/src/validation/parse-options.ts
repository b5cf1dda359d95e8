import { ConfigError, type ConfigIssue } from '../errors/errors.js'
import { type Issue, type output, run, type Schema } from './schema.js'

/** The outcome of {@link validate}: the parsed value, or every issue with its dotted path. */
export type ValidationResult<T> = { success: true; data: T } | { success: false; issues: ConfigIssue[] }

/**
 * Validates `input` against `schema` and returns the parsed value, or the issues as
 * {@link ConfigIssue}s (`providers.2.httpUrl: ...`). An unknown key of a strict object is an issue at
 * its own path (`requestTimeoutMS: unknown key (did you mean "requestTimeoutMs"?)`). For callers that
 * raise their own error type; most callers want {@link parseOptions}. Not for hot paths.
 */
export function validate<S extends Schema>(schema: S, input: unknown): ValidationResult<output<S>> {
  const { value, issues } = run(schema, { value: input, issues: [] })
  if (issues.length === 0) return { success: true, data: value as output<S> }
  return { success: false, issues: issues.flatMap(toConfigIssues) }
}

/**
 * Validates `input` against `schema` at an API edge and returns the parsed value, or throws a
 * {@link ConfigError} naming every bad field by its path. Not for hot paths.
 *
 * @throws {ConfigError} when validation fails.
 */
export function parseOptions<S extends Schema>(schema: S, input: unknown, subject: string): output<S> {
  const result = validate(schema, input)
  if (result.success) return result.data
  throw new ConfigError(subject, result.issues)
}

function toConfigIssues(issue: Issue): ConfigIssue[] {
  const path = issue.path.map(String)
  if (!issue.keys) return [{ path: path.join('.'), message: issue.message }]
  return issue.keys.map((key) => ({
    path: [...path, key].join('.'),
    message: `unknown key${hint(key, issue.known ?? [])}`,
  }))
}

// The known key a typo most likely meant (another letter case, a unit suffix left out as in `delay`
// for `delayMs`, or a few edits away), else the list of known keys.
function hint(key: string, known: readonly string[]): string {
  if (known.length === 0) return ''
  const lower = key.toLowerCase()
  const distance = (candidate: string) => {
    const other = candidate.toLowerCase()
    if (other === lower || other === `${lower}ms`) return 0
    return editDistance(key, candidate)
  }
  const closest = known.reduce((best, candidate) => (distance(candidate) < distance(best) ? candidate : best))
  if (distance(closest) <= Math.min(2, Math.floor(key.length / 3))) return ` (did you mean "${closest}"?)`
  return ` (expected one of: ${known.join(', ')})`
}

// Levenshtein distance, with a swap of two neighbours counting as one edit (`stratgey`).
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  )
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = rows[i]!
      row[j] = Math.min(
        rows[i - 1]![j]! + 1,
        row[j - 1]! + 1,
        rows[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      )
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j]!, rows[i - 2]![j - 2]! + 1)
    }
  }
  return rows[a.length]![b.length]!
}
