import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as zod from 'zod/mini'
import en from 'zod/v4/locales/en.js'
import * as v from './schema.js'

// The same schemas built with core's validator and with zod/mini (whose call shapes it copies), so
// every construct core uses is held to zod's behaviour: accepted values and their parsed form
// (defaults included), and for rejected ones each issue's path and English message, in order.
type Library = typeof v
const zodMini = zod as unknown as Library
const zodEnglish = { error: en().localeError }

function schemas(z: Library) {
  const name = z.string().check(z.regex(/^[a-z][a-z0-9-]*$/, 'expected a name'))
  const nonnegative = z.number().check(z.nonnegative())
  return {
    primitives: z.strictObject({
      int: z.number().check(z.int(), z.positive(), z.lte(1000)),
      safeInt: z._default(z.int().check(z.gte(-5)), 3),
      ratio: z.optional(z.number().check(z.gt(0), z.lt(1))),
      name: z._default(name, 'pool'),
      label: z.optional(z.string().check(z.minLength(1))),
      flag: z._default(z.boolean(), true),
      one: z.optional(z.literal(1)),
      off: z.optional(z.literal(false)),
      nothing: z.optional(z.null()),
      fn: z.optional(z.custom<() => void>((value) => typeof value === 'function', 'expected a function')),
      anything: z.optional(z.custom<unknown>(() => false)),
    }),
    structures: z.object({
      list: z.array(name).check(z.minLength(1)),
      costs: z.optional(z.record(z.string(), nonnegative)),
      either: z.optional(z.union([z.literal(false), z.object({ retryAfterMs: nonnegative })])),
      topics: z.optional(z.array(z.union([z.string(), z.array(z.string()), z.null()]))),
      state: z.optional(
        z.discriminatedUnion('state', [
          z.strictObject({ version: z.literal(1), state: z.literal('closed') }),
          z.strictObject({ version: z.literal(1), state: z.literal('open'), remainingMs: nonnegative }),
        ]),
      ),
      loose: z.optional(z.looseObject({ code: z.number().check(z.int()) })),
      weights: z
        ._default(z.strictObject({ a: z._default(nonnegative, 1), b: z._default(nonnegative, 2) }), {
          a: 1,
          b: 2,
        })
        .check(z.refine((w) => w.a + w.b > 0, 'at least one weight must be above 0')),
      limits: z.prefault(z.strictObject({ max: z._default(nonnegative, 5), label: z.optional(name) }), {}),
      doubled: z.optional(
        z.pipe(
          z.number().check(z.int()),
          z.transform((n: number) => n * 2),
        ),
      ),
      derived: z.pipe(
        z.prefault(z.union([z.literal(false), z.strictObject({ a: z._default(nonnegative, 1) })]), {}),
        z.transform((o: false | { a: number }) => o && { ...o, b: o.a + 1 }),
      ),
    }),
    refined: z
      .strictObject({
        url: z.optional(
          z
            .string()
            .check(z.refine((value) => value.startsWith('http'), { error: (i) => `not a URL: ${i.input}` })),
        ),
        threshold: z.optional(z.number().check(z.int(), z.positive())),
        rule: z.optional(
          z.custom<{ create(): void }>((value) => typeof value === 'object', 'expected a rule'),
        ),
        names: z._default(z.array(name), []),
      })
      .check(
        z.refine((o) => o.threshold === undefined || o.rule === undefined, {
          message: 'give threshold or rule, not both',
          path: ['rule'],
        }),
        z.superRefine((o, context) => {
          o.names.forEach((each, index) => {
            if (o.names.indexOf(each) !== index)
              context.addIssue({ code: 'custom', path: ['names', index], message: `duplicate "${each}"` })
          })
        }),
      ),
  }
}

const ours = schemas(v)
const zods = schemas(zodMini)

// Issues as zod reports them (parse-options then presents unknown keys at their own paths).
function outcome(schema: v.Schema, input: unknown, library: 'ours' | 'zod') {
  let data: unknown
  let issues: readonly { path: PropertyKey[]; message: string }[]
  if (library === 'ours') ({ value: data, issues } = v.run(schema, { value: input, issues: [] }))
  else {
    const result = (schema as unknown as zod.ZodMiniType).safeParse(input, zodEnglish)
    ;({ data, issues } = result.success
      ? { data: result.data, issues: [] }
      : { data, issues: result.error.issues })
  }
  if (issues.length === 0) return { success: true, data }
  return {
    success: false,
    issues: issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message })),
  }
}

const probes: unknown[] = [
  undefined,
  null,
  true,
  false,
  0,
  -0,
  -1,
  0.5,
  1,
  3,
  1001,
  2 ** 53,
  -(2 ** 53),
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  10n,
  '',
  'x',
  'pool',
  'Bad',
  'http://h',
  '😀',
  [],
  ['a'],
  ['a', 'a'],
  [1],
  [null],
  [['a']],
  {},
  { a: -1 },
  { retryAfterMs: 5 },
  { state: 'open', version: 1 },
  { state: 'open', version: 1, remainingMs: 2 },
  { state: 'half' },
  { a: 0, b: 0 },
  { code: 1.5, extra: 1 },
  { create() {} },
  () => {},
  new Date(0),
  new Map(),
  Object.create(null),
  Object.create({ inherited: 1 }),
  { [Symbol('key')]: 1 },
  Symbol('value'),
]

const keysOf = (schema: v.Schema) => Object.keys((schema as v.ObjectSchema).shape)

describe('core schema validation agrees with zod/mini', () => {
  for (const name of Object.keys(ours) as (keyof typeof ours)[]) {
    it(`${name}: for every field set to every probe value`, () => {
      const base = name === 'structures' ? { list: ['a'] } : {}
      const inputs = [
        ...probes,
        base,
        { ...base, unknown: 1, other: 2 },
        ...keysOf(ours[name]).flatMap((key) => probes.map((probe) => ({ ...base, [key]: probe }))),
        ...probes.map((probe) => Object.fromEntries(keysOf(ours[name]).map((key) => [key, probe]))),
      ]
      for (const [index, input] of inputs.entries())
        expect(outcome(ours[name], input, 'ours'), `input ${index}`).toEqual(
          outcome(zods[name], input, 'zod'),
        )
    })

    it(`${name}: for arbitrary values`, () => {
      const anything = fc.anything({
        withNullPrototype: true,
        withBigInt: true,
        withDate: true,
        withMap: true,
      })
      const field = fc.constantFrom(...keysOf(ours[name]))
      fc.assert(
        fc.property(anything, field, (value, key) => {
          for (const input of [value, { [key]: value }, { list: ['a'], [key]: value }])
            expect(outcome(ours[name], input, 'ours')).toEqual(outcome(zods[name], input, 'zod'))
        }),
        { numRuns: 300 },
      )
    })
  }

  it('rejects with the messages zod gives, so the comparison above is not vacuous', () => {
    expect(outcome(ours.primitives, { int: 0, unknown: 1 }, 'ours')).toEqual({
      success: false,
      issues: [
        { path: 'int', message: 'Too small: expected number to be >0' },
        { path: '', message: 'Unrecognized key: "unknown"' },
      ],
    })
    expect(outcome(ours.structures, { list: [], state: { state: 'half' } }, 'ours')).toEqual({
      success: false,
      issues: [
        { path: 'list', message: 'Too small: expected array to have >=1 items' },
        { path: 'state.state', message: "Invalid discriminator value. Expected 'closed' | 'open'" },
      ],
    })
  })
})
