import type { AddressInfo } from 'node:net'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeResponse } from '../testing/envelope-cases.js'
import { createTestServer } from '../testing/harness.js'
import { openTestClient, type TestWsClient } from '../ws/test-client.js'

const server = createTestServer({
  config: { rateLimit: false, ws: { rateLimit: false }, logLevel: 'silent' },
})
let url = ''
const clients: TestWsClient[] = []

beforeAll(async () => {
  await server.app.listen({ port: 0, host: '127.0.0.1' })
  url = `ws://127.0.0.1:${(server.app.server.address() as AddressInfo).port}/ws/rpc/ethereum`
})
afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()))
  await server.close()
})

async function connect(): Promise<TestWsClient> {
  const client = await openTestClient(url)
  clients.push(client)
  return client
}

/** JSON text of any value, with numbers spelled in ways JSON.stringify never produces. */
const rawNumber = fc.oneof(
  fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.constantFrom('1.0', '1e3', '-0', '1E-400', '1e400', '0.000000000000000000001'),
)
const anyJson = fc.oneof(fc.json({ maxDepth: 4 }), rawNumber)
const method = fc.oneof(
  fc.constantFrom('eth_chainId', 'echo', 'upstream_error', 'admin_peers', 'eth_subscribe', 'eth_unsubscribe'),
  fc.string({ maxLength: 20 }),
)
const subscribeParams = fc.oneof(
  fc.constant('["newHeads"]'),
  fc.constant('["logs",{"address":"0x00000000000000000000000000000000000000aa"}]'),
  fc.array(anyJson, { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
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
      params: fc.oneof(fc.constant('[]'), subscribeParams, anyJson),
    },
    { requiredKeys: [] },
  )
  .map(
    (members) =>
      `{${Object.entries(members)
        .map(([key, value]) => `"${key}":${value}`)
        .join(',')}}`,
  )
const frame = fc.oneof(
  requestText,
  fc.array(requestText, { maxLength: 8 }).map((items) => `[${items.join(',')}]`),
  fc.json(),
  fc.string(),
  requestText.chain((text) => fc.nat(text.length).map((cut) => text.slice(0, cut))),
  fc.integer({ min: 1, max: 200_000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
  fc.integer({ min: 1, max: 5_000 }).map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
)

/** Throws unless `text` is a JSON-RPC response, a batch of them, or a subscription notification. */
function checkAnswer(text: string): void {
  const value = JSON.parse(text) as { method?: unknown; params?: { subscription?: unknown } }
  if (value.method === 'eth_subscription') {
    expect(value.params?.subscription).toMatch(/^0x[0-9a-f]{32}$/)
    return
  }
  expect(() => describeResponse(text)).not.toThrow()
}

describe('WebSocket JSON-RPC fuzzing', () => {
  it('answers any text frame with well-formed JSON-RPC and keeps the connection and server up', async () => {
    const client = await connect()
    let sentinel = 0
    let checked = 0
    await fc.assert(
      fc.asyncProperty(frame, async (text) => {
        client.send(text)
        // The answer to a frame with calls in it comes before (or soon after) the sentinel's; every
        // message is checked whenever it arrives, and the sentinel proves the connection still serves.
        const id = `sentinel-${sentinel++}`
        const answer = await client.call('eth_blockNumber', undefined, id)
        expect(answer.result).toBe('0x10')
        for (; checked < client.texts.length; checked++) checkAnswer(client.texts[checked]!)
      }),
      { numRuns: 300 },
    )
    expect(client.socket.readyState).toBe(client.socket.OPEN)
    const other = await connect()
    expect((await other.call('eth_blockNumber')).result).toBe('0x10')
    expect((await client.call('eth_blockNumber')).result).toBe('0x10')
    for (; checked < client.texts.length; checked++) checkAnswer(client.texts[checked]!)
  })
})
