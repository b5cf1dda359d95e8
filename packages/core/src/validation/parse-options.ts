import type { z } from 'zod'
import { ConfigError } from '../errors/errors.js'

/**
 * Validates `input` against `schema` at an API edge and returns the parsed value, or throws a
 * {@link ConfigError} naming every bad field by its path. Not for hot paths.
 *
 * @throws {ConfigError} when validation fails.
 */
export function parseOptions<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  subject: string,
): z.output<Schema> {
  const result = schema.safeParse(input)
  if (result.success) return result.data
  throw new ConfigError(
    subject,
    result.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message })),
  )
}
