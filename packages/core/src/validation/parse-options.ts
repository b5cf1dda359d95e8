import type * as z from 'zod/mini'
import { ConfigError, type ConfigIssue } from '../errors/errors.js'
import { englishMessages } from './english-messages.js'

/** The outcome of {@link validate}: the parsed value, or every issue with its dotted path. */
export type ValidationResult<T> = { success: true; data: T } | { success: false; issues: ConfigIssue[] }

/**
 * Validates `input` against `schema` with zod's English messages and returns the parsed value or the
 * issues as {@link ConfigIssue}s (`providers.2.httpUrl: ...`). For callers that raise their own error
 * type; most callers want {@link parseOptions}. Not for hot paths.
 */
export function validate<Schema extends z.ZodMiniType>(
  schema: Schema,
  input: unknown,
): ValidationResult<z.output<Schema>> {
  // Per parse rather than through `z.config()`: core must not change the zod settings of the
  // application it runs in.
  const result = schema.safeParse(input, { error: englishMessages })
  if (result.success) return { success: true, data: result.data }
  return {
    success: false,
    issues: result.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.'),
      message: issue.message,
    })),
  }
}

/**
 * Validates `input` against `schema` at an API edge and returns the parsed value, or throws a
 * {@link ConfigError} naming every bad field by its path. Not for hot paths.
 *
 * @throws {ConfigError} when validation fails.
 */
export function parseOptions<Schema extends z.ZodMiniType>(
  schema: Schema,
  input: unknown,
  subject: string,
): z.output<Schema> {
  const result = validate(schema, input)
  if (result.success) return result.data
  throw new ConfigError(subject, result.issues)
}
