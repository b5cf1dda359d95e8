import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { scanJson } from '../json-rpc/scan-json.js'
import { describeResponse } from '../testing/envelope-cases.js'
import { createTestServer } from '../testing/harness.js'
import { bodyText, methodName, requestText, validId } from '../testing/json-rpc-arbitraries.js'

const server = createTestServer({ config: { rateLimit: false, logLevel: 'silent' } })
afterAll(() => server.close())

const method = methodName(['eth_chainId', 'echo', 'upstream_error', 'admin_peers', 'eth_call'])
const body = bodyText(requestText(method))

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

  it('answers any HTTP method on any path under /rpc or /ws/rpc, in any letter case and with broken escapes, with a JSON-RPC body', async () => {
    const prefix = fc.constantFrom('/rpc', '/RPC', '/Rpc', '/ws/rpc', '/WS/RPC', '/ws/Rpc')
    const segment = fc
      .oneof(
        fc.constantFrom('ethereum', 'fastest', 'provider', 'a', '', '%', '%f', '%ff', '%E0%A4%A', '%zz'),
        fc.stringMatching(/^[A-Za-z0-9%._~-]{0,10}$/),
      )
      // Dot segments resolve to paths outside the prefix, which are not the JSON-RPC routes'.
      .filter((value) => value !== '.' && value !== '..')
    const httpMethod = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS')
    await fc.assert(
      fc.asyncProperty(
        prefix,
        fc.array(segment, { maxLength: 5 }),
        httpMethod,
        async (root, segments, verb) => {
          const reply = await server.app.inject({
            method: verb,
            url: [root, ...segments].join('/'),
            headers: { 'content-type': 'application/json' },
            ...(verb === 'GET' ? {} : { body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}' }),
          })
          expect(reply.statusCode).toBeLessThan(500)
          // A CORS preflight answers 204 without a body; everything else is JSON-RPC.
          if (reply.statusCode !== 204) {
            expect(reply.headers['content-type']).toBe('application/json; charset=utf-8')
            expect(() => describeResponse(reply.body)).not.toThrow()
          }
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
