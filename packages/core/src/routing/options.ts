import * as z from 'zod/mini'

/**
 * A strategy name: one URL path segment (it is the `:strategy` of `/rpc/:strategy/:chain`), so
 * letters, digits, `-` and `_`, starting with a letter or digit.
 */
export const strategyNameSchema = z
  .string()
  .check(
    z.regex(
      /^[a-z0-9][a-z0-9_-]*$/i,
      'expected letters, digits, "-" or "_", starting with a letter or digit',
    ),
  )

/** Calls a provider needs in its recent window before its figures count. */
export const minSamplesSchema = z.number().check(z.int(), z.gte(1))

/** Default of every `minSamples` option. */
export const defaultMinSamples = 5
