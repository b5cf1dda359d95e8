import fc from 'fast-check'

// fast-check generators of JSON-RPC request text, shared by the HTTP and WebSocket fuzz tests: mostly
// almost-valid requests (so the fuzzing reaches the envelope rules and the pool), plus junk of every kind.

/** JSON text of a number, spelled in ways JSON.stringify never produces (huge, exponent, -0, …). */
export const rawNumber = fc.oneof(
  fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.constantFrom('1.0', '1e3', '-0', '1E-400', '1e400', '0.000000000000000000001'),
)

/** JSON text of any value, raw numbers included. */
export const anyJson = fc.oneof(fc.json({ maxDepth: 4 }), rawNumber)

/** A method name: one of `known` (methods the test server serves, or blocks) or any short string. */
export function methodName(known: readonly string[]) {
  return fc.oneof(fc.constantFrom(...known), fc.string({ maxLength: 20 }))
}

/** A valid id's text: a raw number, a string or null. */
export const validId = fc.oneof(
  rawNumber,
  fc.string().map((s) => JSON.stringify(s)),
  fc.constant('null'),
)

/**
 * The text of one request object whose members are each usually valid and sometimes any JSON, and each
 * may be missing. `params` are drawn from `params` or any JSON.
 */
export function requestText(method: fc.Arbitrary<string>, params: fc.Arbitrary<string>[] = []) {
  return fc
    .record(
      {
        jsonrpc: fc.oneof({ weight: 4, arbitrary: fc.constant('"2.0"') }, anyJson),
        id: fc.oneof({ weight: 3, arbitrary: validId }, anyJson),
        method: fc.oneof({ weight: 4, arbitrary: method.map((m) => JSON.stringify(m)) }, anyJson),
        params: fc.oneof(fc.constant('[]'), ...params, anyJson),
      },
      { requiredKeys: [] },
    )
    .map(
      (members) =>
        `{${Object.entries(members)
          .map(([key, value]) => `"${key}":${value}`)
          .join(',')}}`,
    )
}

/**
 * A whole body (or WebSocket frame): a request, a batch of them, any JSON, any string, a request cut
 * short, or nesting deep enough to crash a recursive parser.
 */
export function bodyText(request: fc.Arbitrary<string>) {
  return fc.oneof(
    request,
    fc.array(request, { maxLength: 8 }).map((items) => `[${items.join(',')}]`),
    fc.json(),
    fc.string(),
    request.chain((text) => fc.nat(text.length).map((cut) => text.slice(0, cut))),
    fc.integer({ min: 1, max: 200_000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
    fc.integer({ min: 1, max: 5_000 }).map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
  )
}
