import * as v from '../validation/schema.js'

/**
 * A strategy name: one URL path segment (it is the `:strategy` of `/rpc/:strategy/:chain`), so
 * letters, digits, `-` and `_`, starting with a letter or digit.
 */
export const strategyNameSchema = v
  .string()
  .check(
    v.regex(
      /^[a-z0-9][a-z0-9_-]*$/i,
      'expected letters, digits, "-" or "_", starting with a letter or digit',
    ),
  )

/** Calls a provider needs in its recent window before its figures count. */
export const minSamplesSchema = v.number().check(v.int(), v.gte(1))

/** Default of every `minSamples` option. */
export const defaultMinSamples = 5
