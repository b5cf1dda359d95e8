import { describe, expect, it } from 'vitest'
import { systemClock } from '../clock/clock.js'
import { createFakeClock } from '../clock/fake-clock.js'
import { ConfigError } from '../errors/errors.js'
import { parseOptions } from './parse-options.js'
import * as v from './schema.js'
import { clockSchema, functionSchema, implementsSchema } from './schemas.js'

const issuesOf = (schema: v.Schema, input: unknown) => {
  try {
    parseOptions(v.strictObject({ value: schema }), { value: input }, 'test options')
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return (error as ConfigError).issues
  }
  return []
}

describe('clockSchema', () => {
  it('accepts the system clock and a fake clock as they are', () => {
    const fake = createFakeClock()
    expect(parseOptions(clockSchema, systemClock, 'clock')).toBe(systemClock)
    expect(parseOptions(clockSchema, fake, 'clock')).toBe(fake)
  })

  it('rejects a clock missing a timer method, naming the option', () => {
    expect(issuesOf(clockSchema, { now: () => 0, setTimeout: () => 0 })).toEqual([
      { path: 'value', message: 'expected a Clock ({ now, setTimeout, clearTimeout })' },
    ])
  })
})

describe('implementsSchema', () => {
  const adapterSchema = implementsSchema<{ publish(): void; subscribe(): void }>(
    ['publish', 'subscribe'],
    'expected an adapter',
  )

  it('accepts any object whose named members are functions, own or inherited', () => {
    class Adapter {
      publish() {}
      subscribe() {}
    }
    expect(issuesOf(adapterSchema, new Adapter())).toEqual([])
    expect(issuesOf(adapterSchema, { publish() {}, subscribe() {}, extra: 1 })).toEqual([])
  })

  it('rejects null, primitives and objects whose member is not a function', () => {
    for (const value of [null, undefined, 'adapter', 42, { publish() {}, subscribe: true }]) {
      expect(issuesOf(adapterSchema, value)).toEqual([{ path: 'value', message: 'expected an adapter' }])
    }
  })
})

describe('functionSchema', () => {
  it('accepts functions and rejects anything else', () => {
    expect(issuesOf(functionSchema<() => void>(), () => {})).toEqual([])
    expect(issuesOf(functionSchema<() => void>(), 'nope')).toEqual([
      { path: 'value', message: 'expected a function' },
    ])
  })
})
