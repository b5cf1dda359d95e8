import type { AddressInfo } from 'node:net'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeResponse } from '../testing/envelope-cases.js'
import { createTestServer } from '../testing/harness.js'
import { anyJson, bodyText, methodName, requestText } from '../testing/json-rpc-arbitraries.js'
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

const subscribeParams = fc.oneof(
  fc.constant('["newHeads"]'),
  fc.constant('["logs",{"address":"0x00000000000000000000000000000000000000aa"}]'),
  fc.array(anyJson, { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
)
const method = methodName([
  'eth_chainId',
  'echo',
  'upstream_error',
  'admin_peers',
  'eth_subscribe',
  'eth_unsubscribe',
])
const frame = bodyText(requestText(method, [subscribeParams]))

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
