import type { z } from 'zod'
import { DevnetConfigError } from './errors.js'

/**
 * Parses `input` with a zod schema and turns the first issue into a {@link DevnetConfigError} whose
 * message starts with the path of the bad field, e.g. `provider patch: lagBlocks: Too small`.
 *
 * @throws {DevnetConfigError} when the input does not match the schema
 */
export function parseWith<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const result = schema.safeParse(input)
  if (result.success) return result.data
  const issue = result.error.issues[0]
  const path = (issue?.path ?? []).filter((p): p is string | number => typeof p !== 'symbol')
  const where = path.length > 0 ? formatPath(path) : '(root)'
  throw new DevnetConfigError(`${what}: ${where}: ${issue?.message ?? 'invalid'}`, path)
}

function formatPath(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('')
}
