import { ConfigError, type ConfigIssue } from '@chainpulse/core'
import type * as z from 'zod/mini'

/**
 * Validates `input` against a zod/mini schema at an API edge and returns the parsed value, or throws
 * core's {@link ConfigError} naming every bad field by its dotted path (`ttlSeconds.head: ...`), the
 * same error every other ChainPulse factory throws. Not for hot paths.
 *
 * @throws {ConfigError} when validation fails.
 */
export function parseOptions<S extends z.ZodMiniType>(
  schema: S,
  input: unknown,
  subject: string,
): z.output<S> {
  const result = schema.safeParse(input)
  if (result.success) return result.data
  throw new ConfigError(subject, result.error.issues.flatMap(toConfigIssues))
}

function toConfigIssues(issue: z.core.$ZodIssue): ConfigIssue[] {
  const path = issue.path.map(String)
  // An unknown key is reported at its own path, as core reports it.
  if (issue.code === 'unrecognized_keys')
    return issue.keys.map((key) => ({ path: [...path, key].join('.'), message: 'unknown key' }))
  return [{ path: path.join('.'), message: issue.message }]
}
