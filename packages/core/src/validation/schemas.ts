import type { Clock } from '../clock/clock.js'
import * as v from './schema.js'

/**
 * Schema for an injected object (a clock, a store, an adapter): checks that it is an object whose
 * `methods` are functions. The rest of `T` is trusted, because no validator can check a function's signature.
 *
 * @example
 * const adapterSchema = implementsSchema<PubSubAdapter>(['publish', 'subscribe'], 'expected a PubSubAdapter')
 */
export function implementsSchema<T>(methods: readonly (keyof T & string)[], message: string) {
  return v.custom<T>((value) => {
    if (typeof value !== 'object' || value === null) return false
    const members = value as Record<string, unknown>
    return methods.every((method) => typeof members[method] === 'function')
  }, message)
}

/** Schema for an injected {@link Clock}; every factory that takes `clock` validates it with this. */
export const clockSchema = implementsSchema<Clock>(
  ['now', 'setTimeout', 'clearTimeout'],
  'expected a Clock ({ now, setTimeout, clearTimeout })',
)

/** Schema for an injected function; `T` is trusted, only `typeof` is checked. */
export function functionSchema<T>() {
  return v.custom<T>((value) => typeof value === 'function', 'expected a function')
}
