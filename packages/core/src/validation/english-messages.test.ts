import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as z from 'zod/mini'
import en from 'zod/v4/locales/en.js'
import { providerPoolConfigSchema } from '../provider-pool/config.js'
import { englishMessages } from './english-messages.js'

const zodEnglish = en().localeError

// Every kind of schema and check core's schemas are built from, so every issue they can raise shows up.
const everyConstruct = z.strictObject({
  int: z.number().check(z.int(), z.positive(), z.lte(1000)),
  ratio: z.number().check(z.gt(0), z.lt(1)),
  count: z.int().check(z.gte(2)),
  name: z.string().check(z.minLength(1)),
  list: z.array(z.string()).check(z.minLength(1)),
  flag: z.boolean(),
  literal: z.literal(1),
  either: z.union([z.literal(false), z.object({ retryAfterMs: z.number() })]),
  state: z.discriminatedUnion('state', [
    z.strictObject({ state: z.literal('closed') }),
    z.strictObject({ state: z.literal('open'), ms: z.number() }),
  ]),
  costs: z.record(z.string(), z.number().check(z.nonnegative())),
  loose: z.looseObject({ topics: z.optional(z.array(z.union([z.string(), z.null()]))) }),
})

const probes: unknown[] = [
  undefined,
  null,
  true,
  0,
  -1,
  0.5,
  1,
  2,
  1001,
  2 ** 60,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  '',
  'x',
  [],
  [1],
  {},
  { state: 'half' },
  { state: 'open' },
  { retryAfterMs: 'x' },
  { a: -1 },
  () => {},
  new Date(0),
  new Map(),
  Object.create(null),
  10n,
  Symbol('s'),
]

/** The issues of parsing `input` with core's messages and with zod's English locale. */
function issuesBothWays(schema: z.ZodMiniType, input: unknown) {
  const ours = schema.safeParse(input, { error: englishMessages }).error?.issues ?? []
  const zods = schema.safeParse(input, { error: zodEnglish }).error?.issues ?? []
  return { ours, zods }
}

describe('englishMessages', () => {
  it("words every issue core's schemas raise exactly as zod's English locale does", () => {
    const codes = new Set<string>()
    const inputs = [
      ...probes,
      ...probes.map((probe) =>
        Object.fromEntries(Object.keys(everyConstruct.def.shape).map((key) => [key, probe])),
      ),
      { unknown: 1, other: 2 },
      { unknown: 1 },
    ]
    for (const [index, input] of inputs.entries()) {
      const { ours, zods } = issuesBothWays(everyConstruct, input)
      // Whole issues, so the messages of a union's failed options are compared too.
      expect(ours, `input ${index}`).toEqual(zods)
      for (const issue of ours) codes.add(issue.code)
    }
    // The comparison above only means something if every kind of issue actually occurred.
    expect([...codes].sort()).toEqual([
      'invalid_type',
      'invalid_union',
      'invalid_value',
      'too_big',
      'too_small',
      'unrecognized_keys',
    ])
  })

  it('agrees with zod on arbitrary pool configs', () => {
    fc.assert(
      fc.property(
        fc.anything({ withNullPrototype: true, withBigInt: true, withDate: true, withMap: true }),
        (value) => {
          for (const input of [value, { chains: [value], providers: [value] }]) {
            const { ours, zods } = issuesBothWays(providerPoolConfigSchema, input)
            expect(ours).toEqual(zods)
          }
        },
      ),
    )
  })

  it('leaves issues it does not know to zod (formats core never checks)', () => {
    expect(englishMessages({ code: 'invalid_format', format: 'email', input: 'x' } as never)).toBeUndefined()
  })
})
