import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { scanJson } from '../json-rpc/scan-json.js'
import { describeResponse } from '../testing/envelope-cases.js'
import { createTestServer } from '../testing/harness.js'

const server = createTestServer({ config: { rateLimit: false, logLevel: 'silent' } })
afterAll(() => server.close())

/** JSON text of any value, with numbers spelled in ways JSON.stringify never produces. */
const rawNumber = fc.oneof(
  fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.constantFrom('1.0', '1e3', '-0', '1E-400', '1e400', '0.000000000000000000001'),
)
const anyJson = fc.oneof(fc.json({ maxDepth: 4 }), rawNumber)
const method = fc.oneof(
  fc.constantFrom('eth_chainId', 'echo', 'upstream_error', 'admin_peers', 'eth_call'),
  fc.string({ maxLength: 20 }),
)
const requestText = fc
  .record(
    {
      jsonrpc: fc.oneof({ weight: 4, arbitrary: fc.constant('"2.0"') }, anyJson),
      id: fc.oneof(
        rawNumber,
        fc.string().map((s) => JSON.stringify(s)),
        fc.constant('null'),
        anyJson,
      ),
      method: fc.oneof({ weight: 4, arbitrary: method.map((m) => JSON.stringify(m)) }, anyJson),
      params: fc.oneof(fc.constant('[]'), anyJson),
    },
    { requiredKeys: [] },
  )
  .map(
    (members) =>
      `{${Object.entries(members)
        .map(([key, value]) => `"${key}":${value}`)
        .join(',')}}`,
  )
const body = fc.oneof(
  requestText,
  fc.array(requestText, { maxLength: 8 }).map((items) => `[${items.join(',')}]`),
  fc.json(),
  fc.string(),
  requestText.chain((text) => fc.nat(text.length).map((cut) => text.slice(0, cut))),
  fc.integer({ min: 1, max: 200_000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
  fc.integer({ min: 1, max: 5_000 }).map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
)

describe('POST /rpc fuzzing', () => {
  it('always answers a well-formed JSON-RPC body or 204, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(body, async (text) => {
        const reply = await server.app.inject({
          method: 'POST',
          url: '/rpc/ethereum',
          headers: { 'content-type': 'application/json' },
          body: text,
        })
        expect(reply.statusCode === 200 || reply.statusCode === 204).toBe(true)
        if (reply.statusCode === 204) expect(reply.body).toBe('')
        else expect(() => describeResponse(reply.body)).not.toThrow()
      }),
      { numRuns: 400 },
    )
  })

  it('echoes every valid id exactly as sent', async () => {
    const validId = fc.oneof(
      rawNumber,
      fc.string().map((s) => JSON.stringify(s)),
      fc.constant('null'),
    )
    await fc.assert(
      fc.asyncProperty(validId, method, async (id, name) => {
        const text = `{"id":${id},"method":${JSON.stringify(name)},"jsonrpc":"2.0"}`
        const reply = await server.app.inject({
          method: 'POST',
          url: '/rpc/ethereum',
          headers: { 'content-type': 'application/json' },
          body: text,
        })
        const scanned = scanJson(reply.body, 10)
        expect(scanned.kind === 'ok' && scanned.elements[0]?.idRaw).toBe(id)
      }),
      { numRuns: 300 },
    )
  })

  it('answers any path under /rpc and any content type with a JSON-RPC body, never a 5xx', async () => {
    // Dot segments are left out: they resolve to paths outside /rpc, which are not this plugin's.
    const segment = fc.oneof(
      fc.constantFrom('ethereum', '1', '137', 'provider', 'key', 'a', 'priority', '%2F', ''),
      fc
        .string({ maxLength: 12 })
        .map(encodeURIComponent)
        .filter((value) => value !== '.' && value !== '..'),
    )
    const contentType = fc.oneof(
      fc.constantFrom('application/json', 'text/plain', 'application/json; charset=latin1', ''),
      fc.string({ maxLength: 30 }).filter((value) => /^[\x20-\x7e]*$/.test(value)),
    )
    await fc.assert(
      fc.asyncProperty(
        fc.array(segment, { maxLength: 5 }),
        contentType,
        body,
        async (segments, type, text) => {
          const reply = await server.app.inject({
            method: 'POST',
            url: `/rpc/${segments.join('/')}`,
            headers: type ? { 'content-type': type } : {},
            body: text,
          })
          expect(reply.statusCode).toBeLessThan(500)
          if (reply.statusCode !== 204) expect(() => describeResponse(reply.body)).not.toThrow()
        },
      ),
      { numRuns: 300 },
    )
  })

  it('keeps serving after the fuzzing', async () => {
    const reply = await server.app.inject({
      method: 'POST',
      url: '/rpc/ethereum',
      headers: { 'content-type': 'application/json' },
      body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}',
    })
    expect(reply.json()).toEqual({ jsonrpc: '2.0', id: 1, result: 'eth_chainId' })
  })
})
