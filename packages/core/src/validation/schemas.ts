import * as z from 'zod/mini'
import type { Clock } from '../clock/clock.js'

/**
 * zod schema for an injected object (a clock, a store, an adapter): checks that it is an object whose
 * `methods` are functions. The rest of `T` is trusted, because zod cannot check a function's signature.
 *
 * @example
 * const adapterSchema = implementsSchema<PubSubAdapter>(['publish', 'subscribe'], 'expected a PubSubAdapter')
 */
export function implementsSchema<T>(methods: readonly (keyof T & string)[], message: string) {
  return z.custom<T>((value) => {
    if (typeof value !== 'object' || value === null) return false
    const members = value as Record<string, unknown>
    return methods.every((method) => typeof members[method] === 'function')
  }, message)
}

/** zod schema for an injected {@link Clock}; every factory that takes `clock` validates it with this. */
export const clockSchema = implementsSchema<Clock>(
  ['now', 'setTimeout', 'clearTimeout'],
  'expected a Clock ({ now, setTimeout, clearTimeout })',
)

/** zod schema for an injected function; `T` is trusted, only `typeof` is checked. */
export function functionSchema<T>() {
  return z.custom<T>((value) => typeof value === 'function', 'expected a function')
}
