import * as v from '../validation/schema.js'

/** Schema for a URL string with one of `protocols` (e.g. `['http:', 'https:']`). The URL is never echoed. */
export function urlSchema(protocols: readonly string[]) {
  return v.string().check(
    v.refine(
      (value) => {
        try {
          return protocols.includes(new URL(value).protocol)
        } catch {
          return false
        }
      },
      `expected a ${protocols.map((protocol) => protocol.replace(':', '://')).join(' or ')} URL`,
    ),
  )
}
