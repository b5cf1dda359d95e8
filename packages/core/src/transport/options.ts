import * as z from 'zod/mini'

/** zod schema for a URL string with one of `protocols` (e.g. `['http:', 'https:']`). The URL is never echoed. */
export function urlSchema(protocols: readonly string[]) {
  return z.string().check(
    z.refine(
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
