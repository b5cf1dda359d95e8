import { z } from 'zod'
import type { Clock } from '../clock/clock.js'

/** zod schema for an injected {@link Clock}. */
export const clockSchema = z.custom<Clock>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Clock).now === 'function' &&
    typeof (value as Clock).setTimeout === 'function' &&
    typeof (value as Clock).clearTimeout === 'function',
  'expected a Clock ({ now, setTimeout, clearTimeout })',
)

/** zod schema for an injected function; `T` is trusted, only `typeof` is checked. */
export function functionSchema<T>() {
  return z.custom<T>((value) => typeof value === 'function', 'expected a function')
}

/** zod schema for a URL string with one of `protocols` (e.g. `['http:', 'https:']`). The URL is never echoed. */
export function urlSchema(protocols: readonly string[]) {
  return z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol)
      } catch {
        return false
      }
    },
    `expected a ${protocols.map((protocol) => protocol.replace(':', '://')).join(' or ')} URL`,
  )
}
