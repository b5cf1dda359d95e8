/**
 * Core's option validation: a small schema library with the call shapes of `zod/mini` (the subset
 * core uses), the same accepted and rejected inputs, defaults, issue paths and English messages.
 *
 * Why not zod/mini itself: in the browser bundle of a pool plus the viem transport (see
 * `browser-bundle/`), zod/mini weighed ~8 KB gzipped and put the bundle at 40.4 KB, over its 40 KB
 * budget; with this file instead the bundle is 33.4 KB. It mirrors zod 4's rules where they show in
 * a `ConfigError` (which checks still run after an issue, how optional and defaulted keys behave,
 * union and discriminated-union matching), and `schema.test.ts` holds every construct to zod's own
 * results, so a schema reads, and behaves, as the zod/mini one would. Swapping zod back in is an
 * import line per file.
 *
 * Each schema also records what it is made of (`def`, and a check's `rule`; zod's `_zod.def`), which
 * validation never reads: `json-schema.ts` writes a schema's JSON Schema from it, for documentation.
 *
 * Runs at the edges (factory options, snapshots), never per request.
 */

/** One validation problem: where (path from the validated value) and what. */
export interface Issue {
  path: PropertyKey[]
  message: string
  /** zod's `continue !== true`: later checks of the same value are skipped. */
  aborts: boolean
  /** zod's `continue === false`: even checks that run after aborting issues are skipped. */
  halts?: boolean
  /** An unknown-keys issue (zod's `unrecognized_keys`): the keys the object's schema does not know. */
  keys?: string[]
  /** With `keys`: the keys it does know, to suggest the intended one (not in zod's issue). */
  known?: string[]
}

interface Payload {
  value: unknown
  issues: Issue[]
}

/**
 * What a check constrains, for readers of a schema such as `toJSONSchema` (validation uses `verify`).
 * Refinements whose rule is code (`refine`, `superRefine`) have none.
 */
export type CheckRule =
  | { check: 'int' }
  | { check: 'bound'; big: boolean; limit: number; inclusive: boolean }
  | { check: 'minLength'; minimum: number }
  | { check: 'regex'; pattern: RegExp }

/** A refinement or constraint, added to a schema with {@link Schema.check}. */
export interface Check<in T = unknown> {
  verify(payload: Payload & { value: T }): void
  readonly rule?: CheckRule
  /** When set, decides whether the check runs even after aborting issues (zod's `when`). */
  when?: (payload: Payload) => boolean
  /** Phantom: lets `check()` accept only checks for the schema's output type. */
  readonly '~type'?: (value: T) => void
}

/**
 * What a schema is and what it is made of, for readers such as `toJSONSchema` (zod's `_zod.def`);
 * validation never looks at it.
 */
export type SchemaDef =
  | { type: 'number' | 'string' | 'boolean' | 'null' | 'custom' | 'transform' }
  | { type: 'literal'; value: unknown }
  | { type: 'optional'; inner: Schema }
  | { type: 'default' | 'prefault'; inner: Schema; value: unknown }
  | { type: 'array'; element: Schema }
  | { type: 'object'; shape: Record<string, Schema>; unknownKeys: UnknownKeys }
  | { type: 'record'; value: Schema }
  | { type: 'union'; options: readonly Schema[] }
  | { type: 'pipe'; in: Schema; out: Schema }

/** A schema: validates an unknown value into an `Out`; `In` is what it accepts as input (for types). */
export interface Schema<Out = unknown, In = Out> {
  readonly '~types'?: { out: Out; in: In }
  readonly def: SchemaDef
  /** `'optional'`: an absent key is fine; `'defaulted'`: an absent key gets a value. */
  readonly optin?: 'optional' | 'defaulted'
  /** `'optional'`: the output may be undefined (the key may stay absent). */
  readonly optout?: 'optional'
  readonly checks: readonly Check<never>[]
  /** Validates the type and shape of `payload.value` (not the checks), replacing it with the parsed value. */
  parsePayload(payload: Payload): void
  /** Returns a copy of the schema that also runs `checks`, in order, on the parsed value. */
  check(...checks: Check<Out>[]): this
}

/** The output type of a schema. */
export type output<S> = S extends Schema<infer Out, unknown> ? Out : never
/** The input type of a schema. */
export type input<S> = S extends Schema<unknown, infer In> ? In : never

type Shape = Record<string, Schema>
type Flatten<T> = { [K in keyof T]: T[K] } & {}
type OptionalIn<S extends Shape> = { [K in keyof S]: S[K] extends { optin: string } ? K : never }[keyof S]
type OptionalOut<S extends Shape> = { [K in keyof S]: S[K] extends { optout: string } ? K : never }[keyof S]
// Key remapping (`as`) keeps the mapped types homomorphic, so a derived type's keys keep the TSDoc
// written on the shape's keys (what an IDE shows for `ProviderPoolOptions['requestTimeoutMs']`).
type ObjectOut<S extends Shape> = Flatten<
  { [K in keyof S as K extends OptionalOut<S> ? never : K]: output<S[K]> } & {
    [K in keyof S as K extends OptionalOut<S> ? K : never]?: output<S[K]>
  }
>
type ObjectIn<S extends Shape> = Flatten<
  { [K in keyof S as K extends OptionalIn<S> ? never : K]: input<S[K]> } & {
    [K in keyof S as K extends OptionalIn<S> ? K : never]?: input<S[K]>
  }
>

/** A schema whose key may be absent from an object, and whose output may be `undefined`. */
export interface OptionalSchema<Out, In> extends Schema<Out | undefined, In | undefined> {
  readonly optin: 'optional' | 'defaulted'
  readonly optout: 'optional'
}

/** A schema whose key may be absent from an object's input, and gets a value in its output. */
export interface DefaultedSchema<Out, In> extends Schema<Out, In | undefined> {
  readonly optin: 'defaulted'
}

/** An object schema; its shape is readable for discriminated unions. */
export interface ObjectSchema<S extends Shape = Shape, Out = ObjectOut<S>, In = ObjectIn<S>>
  extends Schema<Out, In> {
  readonly shape: S
}

// ---- running ----------------------------------------------------------------------------------------

const aborted = (issues: Issue[], from = 0) => issues.slice(from).some((issue) => issue.aborts)
const halted = (issues: Issue[]) => issues.some((issue) => issue.halts)

/** Runs `schema` on `payload`: its parse, then its checks as zod runs them. */
export function run(schema: Schema, payload: Payload): Payload {
  schema.parsePayload(payload)
  let stop = aborted(payload.issues)
  for (const check of schema.checks as Check<unknown>[]) {
    if (check.when ? halted(payload.issues) || !check.when(payload) : stop) continue
    const before = payload.issues.length
    check.verify(payload)
    if (!stop && payload.issues.length > before) stop = aborted(payload.issues, before)
  }
  return payload
}

function runFresh(schema: Schema, value: unknown): Payload {
  return run(schema, { value, issues: [] })
}

function prefixed(key: PropertyKey, issues: Issue[]): Issue[] {
  for (const issue of issues) issue.path.unshift(key)
  return issues
}

function fail(payload: Payload, issue: Issue): void {
  payload.issues.push(issue)
}

function issue(message: string, aborts = true, path: PropertyKey[] = []): Issue {
  return { path, message, aborts }
}

function define<S extends Schema>(
  fields: Omit<S, 'check' | 'checks'> & { checks?: readonly Check<never>[] },
): S {
  const schema = {
    checks: [],
    ...fields,
    check(...checks: Check<never>[]) {
      return define({ ...this, checks: [...this.checks, ...checks] } as never)
    },
  }
  return schema as unknown as S
}

// ---- messages: zod's English wording, word for word -----------------------------------------------

const quote = (value: unknown) => (typeof value === 'string' ? `"${value}"` : String(value))

// What zod calls the type of a received value: `typeof`, except NaN, null, arrays and class instances.
function received(input: unknown): string {
  if (typeof input === 'number') return Number.isFinite(input) ? 'number' : String(input)
  if (typeof input !== 'object') return typeof input
  if (input === null) return 'null'
  if (Array.isArray(input)) return 'array'
  const type = (input as { constructor?: { name: string } }).constructor
  return Object.getPrototypeOf(input) !== Object.prototype && type ? type.name : 'object'
}

const invalidType = (expected: string, input: unknown, halts?: boolean): Issue => ({
  ...issue(`Invalid input: expected ${expected}, received ${received(input)}`),
  ...(halts ? { halts } : {}),
})

const lengthUnits: Record<string, string> = { string: 'characters', array: 'items' }

function bound(big: boolean, origin: string, limit: number, inclusive: boolean): Issue {
  const relation = `${big ? '<' : '>'}${inclusive ? '=' : ''}${limit}`
  const unit = lengthUnits[origin]
  return issue(
    `Too ${big ? 'big' : 'small'}: expected ${origin} to ${unit ? `have ${relation} ${unit}` : `be ${relation}`}`,
    false,
  )
}

// ---- primitive schemas --------------------------------------------------------------------------------

function primitive<T>(
  expected: 'number' | 'string' | 'boolean' | 'null',
  accepts: (value: unknown) => boolean,
): Schema<T> {
  return define({
    def: { type: expected },
    parsePayload(payload) {
      if (!accepts(payload.value)) payload.issues.push(invalidType(expected, payload.value))
    },
  })
}

/** A finite number (not NaN, not ±Infinity). */
export function number(): Schema<number> {
  return primitive('number', (value) => typeof value === 'number' && Number.isFinite(value))
}

/**
 * A safe integer; as a check (`number().check(int())`), requires one. A fraction stops every later
 * check; an integer beyond ±2^53 is too big or too small but later checks still run.
 */
export function int(): Schema<number> & Check<number> {
  const intCheck: Check<number> = {
    rule: { check: 'int' },
    verify(payload) {
      const value = payload.value
      if (!Number.isInteger(value)) payload.issues.push(invalidType('int', value, true))
      else if (!Number.isSafeInteger(value))
        payload.issues.push(
          value > 0
            ? bound(true, 'int', Number.MAX_SAFE_INTEGER, true)
            : bound(false, 'int', Number.MIN_SAFE_INTEGER, true),
        )
    },
  }
  return Object.assign(number().check(intCheck), intCheck)
}

/** A string. */
export function string(): Schema<string> {
  return primitive('string', (value) => typeof value === 'string')
}

/** `true` or `false`. */
export function boolean(): Schema<boolean> {
  return primitive('boolean', (value) => typeof value === 'boolean')
}

/** Exactly `null` (exported as `null`). */
function nullType(): Schema<null> {
  return primitive('null', (value) => value === null)
}

export { nullType as null }

/** Exactly `value`. */
export function literal<const T extends string | number | boolean>(
  value: T,
): Schema<T> & { readonly value: T } {
  return define({
    value,
    def: { type: 'literal', value },
    parsePayload(payload) {
      if (![value].includes(payload.value as T))
        payload.issues.push(issue(`Invalid input: expected ${quote(value)}`))
    },
  })
}

/**
 * Any value `accepts` returns truthy for, else an issue with `message`; the value is passed through.
 * Like zod's `custom`, a rejection stops every later check of the enclosing value.
 */
export function custom<T>(
  accepts: (value: unknown) => unknown,
  message = 'Invalid input',
): Schema<T> & Check<T> {
  const customCheck: Check<T> = {
    verify(payload) {
      if (!accepts(payload.value)) payload.issues.push({ ...issue(message), halts: true })
    },
  }
  return Object.assign(
    define<Schema<T>>({ def: { type: 'custom' }, parsePayload() {}, checks: [customCheck] }),
    customCheck,
  )
}

// ---- checks -------------------------------------------------------------------------------------------

function compare(big: boolean, limit: number, inclusive: boolean): Check<number> {
  return {
    rule: { check: 'bound', big, limit, inclusive },
    verify(payload) {
      const value = payload.value
      if (big ? (inclusive ? value <= limit : value < limit) : inclusive ? value >= limit : value > limit)
        return
      payload.issues.push(bound(big, 'number', limit, inclusive))
    },
  }
}

/** At most `limit`. */
export const lte = (limit: number) => compare(true, limit, true)
/** Below `limit`. */
export const lt = (limit: number) => compare(true, limit, false)
/** At least `limit`. */
export const gte = (limit: number) => compare(false, limit, true)
/** Above `limit`. */
export const gt = (limit: number) => compare(false, limit, false)
/** Above 0. */
export const positive = () => gt(0)
/** 0 or more. */
export const nonnegative = () => gte(0)

/**
 * At least `minimum` characters or items. Like zod's, it also runs after a type issue on any value
 * with a `length` (so `[]` for a string is both the wrong type and too short).
 */
export function minLength(minimum: number): Check<{ length: number }> {
  return {
    rule: { check: 'minLength', minimum },
    when: (payload) => (payload.value as { length?: unknown } | null | undefined)?.length !== undefined,
    verify(payload) {
      const value = payload.value
      // Characters are code points, as zod counts them (an emoji is one).
      if ((typeof value === 'string' ? [...value] : value).length >= minimum) return
      const origin = Array.isArray(value) ? 'array' : typeof value === 'string' ? 'string' : 'unknown'
      payload.issues.push(bound(false, origin, minimum, true))
    },
  }
}

/** Parameters of {@link refine}: the message (or a function of the input giving it) and a path. */
export interface RefineParams {
  error?: string | ((issue: { input: unknown }) => string)
  /** The message, as zod's older spelling of `error`. */
  message?: string
  path?: PropertyKey[]
}

/** A custom condition on the parsed value; skipped when the value already has aborting issues. */
export function refine<T>(
  accepts: (value: T) => unknown,
  params: string | RefineParams = 'Invalid input',
): Check<T> {
  const {
    error = 'Invalid input',
    message,
    path = [],
  } = typeof params === 'string' ? { error: params } : params
  return {
    verify(payload) {
      if (accepts(payload.value)) return
      const text = message ?? (typeof error === 'string' ? error : error({ input: payload.value }))
      payload.issues.push(issue(text, false, [...path]))
    },
  }
}

/** `regex`: the string matches `pattern`, else `message`. */
export const regex = (pattern: RegExp, message: string): Check<string> => ({
  ...refine<string>((value) => pattern.test(value), message),
  rule: { check: 'regex', pattern },
})

/** The context a {@link superRefine} callback adds issues through. */
export interface RefinementContext {
  addIssue(issue: { code: 'custom'; message: string; path?: PropertyKey[] }): void
}

/** A check that may add any number of issues (each at its own path); skipped after aborting issues. */
export function superRefine<T>(refinement: (value: T, context: RefinementContext) => void): Check<T> {
  return {
    verify(payload) {
      refinement(payload.value, {
        addIssue: ({ message, path = [] }) => payload.issues.push(issue(message, false, [...path])),
      })
    },
  }
}

// ---- wrappers -----------------------------------------------------------------------------------------

/** `inner`, or `undefined`; in an object, the key may be absent. */
export function optional<S extends Schema>(inner: S): OptionalSchema<output<S>, input<S>> {
  return define({
    def: { type: 'optional', inner },
    optin: inner.optin === 'defaulted' ? 'defaulted' : 'optional',
    optout: 'optional',
    parsePayload(payload) {
      if (payload.value !== undefined) run(inner, payload)
      else if (inner.optin === 'defaulted') {
        const result = runFresh(inner, undefined)
        payload.value = result.issues.length ? undefined : result.value
      }
    },
  })
}

// A copy of a plain object or array default, so no caller can change the default for the next one.
function copyDefault<T>(value: T): T {
  if (Array.isArray(value)) return [...value] as T
  if (isPlainObject(value)) return { ...value }
  return value
}

/** `inner`, with `value` (not validated, like zod's) when the input is `undefined`. */
export function _default<S extends Schema>(
  inner: S,
  value: Exclude<output<S>, undefined>,
): DefaultedSchema<Exclude<output<S>, undefined>, input<S>> {
  return define({
    def: { type: 'default', inner, value },
    optin: 'defaulted',
    parsePayload(payload) {
      if (payload.value === undefined) payload.value = copyDefault(value)
      else if (run(inner, payload).value === undefined) payload.value = copyDefault(value)
    },
  })
}

/**
 * `inner`, parsing `value` when the input is `undefined` (zod's `prefault`): unlike {@link _default},
 * the default goes through `inner`, so `prefault(object, {})` gets the object's own defaults.
 */
export function prefault<S extends Schema>(
  inner: S,
  value: Exclude<input<S>, undefined>,
): DefaultedSchema<output<S>, input<S>> {
  return define({
    def: { type: 'prefault', inner, value },
    optin: 'defaulted',
    parsePayload(payload) {
      if (payload.value === undefined) payload.value = copyDefault(value)
      run(inner, payload)
    },
  })
}

/**
 * A value computed from the input by `fn`, which must not throw: in {@link pipe}, after a schema that
 * validated the input.
 */
export function transform<In, Out>(fn: (value: In) => Out): Schema<Out, In> {
  return define({
    def: { type: 'transform' },
    parsePayload(payload) {
      payload.value = fn(payload.value as In)
    },
  })
}

/** `from`, then `to` on its parsed value, unless `from` found issues. Accepts what `from` accepts. */
export function pipe<From extends Schema, To extends Schema<unknown, output<From>>>(
  from: From,
  to: To,
): Schema<output<To>, input<From>> & Pick<From, 'optin'> & Pick<To, 'optout'> {
  return define({
    def: { type: 'pipe', in: from, out: to },
    ...(from.optin ? { optin: from.optin } : {}),
    ...(to.optout ? { optout: to.optout } : {}),
    parsePayload(payload) {
      const before = payload.issues.length
      if (run(from, payload).issues.length === before) run(to, payload)
    },
  })
}

// ---- structures ---------------------------------------------------------------------------------------

const isObject = (value: unknown): value is Record<PropertyKey, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

// zod's test: an object whose constructor's prototype has its own `isPrototypeOf` (Object, any realm's).
function isPlainObject(value: unknown): value is Record<PropertyKey, unknown> {
  if (!isObject(value)) return false
  const maker: unknown = value.constructor
  if (typeof maker !== 'function') return true
  const prototype: unknown = maker.prototype
  return isObject(prototype) && Object.hasOwn(prototype, 'isPrototypeOf')
}

/** An array of `element`s. */
export function array<S extends Schema>(element: S): Schema<output<S>[], input<S>[]> {
  return define({
    def: { type: 'array', element },
    parsePayload(payload) {
      const input = payload.value
      if (!Array.isArray(input)) return fail(payload, invalidType('array', input))
      payload.value = input.map((item, index) => {
        const result = runFresh(element, item)
        payload.issues.push(...prefixed(index, result.issues))
        return result.value
      })
    },
  })
}

/** What an object schema does with keys its shape does not have: drops, rejects or keeps them. */
export type UnknownKeys = 'strip' | 'strict' | 'loose'

function objectOf<S extends Shape, Out, In>(shape: S, unknownKeys: UnknownKeys): ObjectSchema<S, Out, In> {
  const keys = Object.keys(shape)
  return define({
    shape,
    def: { type: 'object', shape, unknownKeys },
    parsePayload(payload) {
      const input = payload.value
      if (!isObject(input)) return fail(payload, invalidType('object', input))
      const output: Record<string, unknown> = {}
      for (const key of keys) {
        if (key === '__proto__') continue
        const field = shape[key]!
        const present = key in input
        // An absent optional key stays absent, whatever the schema would make of `undefined`.
        if (!present && field.optin === 'optional' && field.optout === 'optional') continue
        const result = runFresh(field, input[key])
        if (result.issues.length) {
          if (!present && field.optin !== undefined && field.optout === 'optional') continue
          payload.issues.push(...prefixed(key, result.issues))
        }
        if (!present && field.optin === undefined) {
          if (!result.issues.length)
            payload.issues.push(...prefixed(key, [invalidType('nonoptional', undefined)]))
          continue
        }
        if (
          result.value !== undefined ||
          present ||
          (field.optin === 'defaulted' && field.optout !== 'optional')
        )
          output[key] = result.value
      }
      if (unknownKeys !== 'strip') {
        const unrecognized: string[] = []
        for (const key in input) {
          if (Object.hasOwn(shape, key)) continue
          if (unknownKeys === 'strict') unrecognized.push(key)
          else if (key !== '__proto__') output[key] = input[key]
        }
        // Describes the input's shape, not the parsed value's validity: later checks still run.
        if (unrecognized.length)
          payload.issues.push({
            ...issue(
              `Unrecognized key${unrecognized.length > 1 ? 's' : ''}: ${unrecognized.map(quote).join(', ')}`,
              false,
            ),
            keys: unrecognized,
            known: keys,
          })
      }
      payload.value = output
    },
  })
}

/** An object with `shape`'s keys; unknown keys are dropped. */
export const object = <S extends Shape>(shape: S) => objectOf<S, ObjectOut<S>, ObjectIn<S>>(shape, 'strip')
/** An object with `shape`'s keys; an unknown key is an issue. */
export const strictObject = <S extends Shape>(shape: S) =>
  objectOf<S, ObjectOut<S>, ObjectIn<S>>(shape, 'strict')
/** An object with `shape`'s keys; unknown keys are kept as they are. */
export const looseObject = <S extends Shape>(shape: S) =>
  objectOf<S, ObjectOut<S> & Record<string, unknown>, ObjectIn<S> & Record<string, unknown>>(shape, 'loose')

/** A plain object whose (string) keys all hold `value`s. `keys` must be `string()`. */
export function record<V extends Schema>(
  _keys: Schema<string>,
  value: V,
): Schema<Record<string, output<V>>, Record<string, input<V>>> {
  return define({
    def: { type: 'record', value },
    parsePayload(payload) {
      const input = payload.value
      if (!isPlainObject(input)) return fail(payload, invalidType('record', input))
      const output: Record<string, unknown> = {}
      for (const key of Reflect.ownKeys(input)) {
        if (key === '__proto__' || !Object.prototype.propertyIsEnumerable.call(input, key)) continue
        if (typeof key !== 'string') {
          payload.issues.push(issue('Invalid key in record', true, [key]))
          continue
        }
        const result = runFresh(value, input[key])
        payload.issues.push(...prefixed(key, result.issues))
        output[key] = result.value
      }
      payload.value = output
    },
  })
}

/** The first of `options` the value passes; when none does and one failed without aborting, its issues. */
export function union<const O extends readonly Schema[]>(
  options: O,
): Schema<output<O[number]>, input<O[number]>> {
  return define({
    def: { type: 'union', options },
    parsePayload(payload) {
      const results: Payload[] = []
      for (const option of options) {
        const result = runFresh(option, payload.value)
        if (!result.issues.length) {
          payload.value = result.value
          return
        }
        results.push(result)
      }
      const nonAborted = results.filter((result) => !aborted(result.issues))
      if (nonAborted.length === 1) {
        payload.value = nonAborted[0]!.value
        payload.issues.push(...nonAborted[0]!.issues)
      } else payload.issues.push(issue('Invalid input'))
    },
  })
}

/** The option whose `discriminator` key holds the literal the value has there. */
export function discriminatedUnion<const O extends readonly ObjectSchema[]>(
  discriminator: string,
  options: O,
): Schema<output<O[number]>, input<O[number]>> {
  const byValue = new Map<unknown, Schema>()
  for (const option of options)
    byValue.set((option.shape[discriminator] as { value?: unknown }).value, option)
  return define({
    def: { type: 'union', options },
    parsePayload(payload) {
      const input = payload.value
      if (!isObject(input)) return fail(payload, invalidType('object', input))
      const option = byValue.get(input[discriminator])
      if (option) {
        run(option, payload)
        return
      }
      const expected = [...byValue.keys()].map((value) => `'${String(value)}'`).join(' | ')
      payload.issues.push(issue(`Invalid discriminator value. Expected ${expected}`, true, [discriminator]))
    },
  })
}
