import { ConfigError, type ConfigIssue } from '../errors/errors.js'
import { type output, run, type Schema } from './schema.js'

/** The outcome of {@link validate}: the parsed value, or every issue with its dotted path. */
export type ValidationResult<T> = { success: true; data: T } | { success: false; issues: ConfigIssue[] }

/**
 * Validates `input` against `schema` and returns the parsed value, or the issues as
 * {@link ConfigIssue}s (`providers.2.httpUrl: ...`). For callers that raise their own error type; most
 * callers want {@link parseOptions}. Not for hot paths.
 */
export function validate<S extends Schema>(schema: S, input: unknown): ValidationResult<output<S>> {
  const { value, issues } = run(schema, { value: input, issues: [] })
  if (issues.length === 0) return { success: true, data: value as output<S> }
  return {
    success: false,
    issues: issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message })),
  }
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
