import { describe, expect, it } from 'vitest'
import * as zod from 'zod/mini'
import { toJSONSchema } from './json-schema.js'
import * as v from './schema.js'

type Library = typeof v
const zodMini = zod as unknown as Library

// One schema of every construct core's schemas use, built with both libraries.
function schema(z: Library) {
  const nonnegative = z.number().check(z.nonnegative())
  return z.strictObject({
    count: z._default(z.number().check(z.int(), z.positive()), 3),
    ratio: z.optional(z.number().check(z.gt(0), z.lte(1))),
    name: z.string().check(z.regex(/^[a-z]+$/, 'expected a name')),
    names: z.array(z.string().check(z.minLength(2))).check(z.minLength(1)),
    off: z._default(z.union([z.literal(false), z.strictObject({ delayMs: z.optional(nonnegative) })]), false),
    limits: z.prefault(
      z.strictObject({ max: z._default(nonnegative, 5), flag: z.optional(z.boolean()) }),
      {},
    ),
    costs: z.optional(z.record(z.string(), nonnegative)),
    derived: z.pipe(
      z.prefault(z.object({ a: z._default(nonnegative, 1) }), {}),
      z.transform((value: { a: number }) => ({ ...value, b: value.a })),
    ),
    hook: z.optional(z.custom<() => void>((value) => typeof value === 'function')),
  })
}

// zod also writes `$schema`, and JavaScript's safe range on every integer: bounds that say nothing.
function withoutZodExtras(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutZodExtras)
  if (node === null || typeof node !== 'object') return node
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => key !== '$schema' && Math.abs(Number(value)) !== Number.MAX_SAFE_INTEGER)
      .map(([key, value]) => [key, withoutZodExtras(value)]),
  )
}

describe('toJSONSchema', () => {
  it("writes what zod's toJSONSchema writes for the same schema (input side)", () => {
    const theirs = zod.toJSONSchema(schema(zodMini) as unknown as zod.ZodMiniType, {
      io: 'input',
      unrepresentable: 'any',
    })
    expect(toJSONSchema(schema(v))).toEqual(withoutZodExtras(theirs))
  })

  it('gives defaults, bounds and required keys', () => {
    const node = toJSONSchema(schema(v))
    expect(node.required).toEqual(['name', 'names'])
    expect(node.properties?.count).toEqual({ type: 'integer', exclusiveMinimum: 0, default: 3 })
    expect(node.properties?.limits?.default).toEqual({})
    expect(node.properties?.hook).toEqual({})
  })
})
