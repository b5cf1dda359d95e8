import { describe, expect, it, vi } from 'vitest'
import {
  describeResponse,
  envelopeCases,
  envelopeMaxBatchSize,
  envelopeMaxDepth,
  upstreamErrorObject,
} from '../testing/envelope-cases.js'
import { type CallHandler, type CallRouting, dispatchRpcBody } from './dispatch.js'
import { parseRpcBody } from './parse-body.js'

const routing: CallRouting = { providerId: 'p1', strategy: 'leaderboard', attempts: 1 }
const limits = { maxBatchSize: envelopeMaxBatchSize, maxDepth: envelopeMaxDepth }

const echo: CallHandler = async (call) => {
  if (call.method === 'upstream_error') return { ok: false, error: upstreamErrorObject, routing }
  return { ok: true, result: call.method === 'echo' ? call.params : call.method, routing }
}

async function run(body: string, handler: CallHandler = echo) {
  return dispatchRpcBody(parseRpcBody(body, limits), handler)
}

describe('dispatchRpcBody envelope rules', () => {
  it.each(envelopeCases)('$name', async ({ body, response }) => {
    const reply = await run(body)
    expect(describeResponse(reply.body)).toEqual(response)
  })
})

describe('dispatchRpcBody', () => {
  it('writes ids back byte for byte', async () => {
    const reply = await run('{"jsonrpc":"2.0","id":9007199254740993,"method":"eth_chainId"}')
    expect(reply.body).toBe('{"jsonrpc":"2.0","id":9007199254740993,"result":"eth_chainId"}')
  })

  it('passes the upstream error object through unchanged', async () => {
    const reply = await run('{"jsonrpc":"2.0","id":"x","method":"upstream_error"}')
    expect(JSON.parse(reply.body!)).toEqual({ jsonrpc: '2.0', id: 'x', error: upstreamErrorObject })
  })

  it('runs notifications without answering them', async () => {
    const handler = vi.fn(echo)
    const reply = await run(
      '[{"jsonrpc":"2.0","method":"a"},{"jsonrpc":"2.0","method":"b","params":[1]}]',
      handler,
    )
    expect(reply.body).toBeUndefined()
    expect(handler.mock.calls.map(([call]) => call.method)).toEqual(['a', 'b'])
  })

  it('reports routing once per response object, in order', async () => {
    const reply = await run(
      '[{"jsonrpc":"2.0","id":1,"method":"a"},{"jsonrpc":"2.0","method":"n"},{"jsonrpc":"2.0","id":2},{"jsonrpc":"2.0","id":3,"method":"upstream_error"}]',
    )
    expect(reply.routing).toEqual([routing, undefined, routing])
  })

  it('runs the calls of a batch concurrently', async () => {
    let inFlight = 0
    let maxInFlight = 0
    const release: (() => void)[] = []
    const handler: CallHandler = async (call) => {
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      await new Promise<void>((resolve) => release.push(resolve))
      inFlight--
      return { ok: true, result: call.method, routing }
    }
    const pending = run(
      '[{"jsonrpc":"2.0","id":1,"method":"a"},{"jsonrpc":"2.0","id":2,"method":"b"}]',
      handler,
    )
    // Both calls have started before either is answered.
    expect(release).toHaveLength(2)
    for (const resolve of release) resolve()
    await pending
    expect(maxInFlight).toBe(2)
  })

  it('answers -32603 when a handler throws, and reports the error', async () => {
    const onUnexpectedError = vi.fn()
    const reply = await dispatchRpcBody(
      parseRpcBody('{"jsonrpc":"2.0","id":1,"method":"a"}', limits),
      async () => {
        throw new Error('bug')
      },
      { onUnexpectedError },
    )
    expect(describeResponse(reply.body)).toEqual({
      single: { id: '1', error: -32603, dataCode: 'INTERNAL_ERROR' },
    })
    expect(onUnexpectedError).toHaveBeenCalledOnce()
  })

  it('answers -32603 when a result cannot be serialised', async () => {
    const reply = await run('{"jsonrpc":"2.0","id":1,"method":"a"}', async () => ({
      ok: true,
      result: 1n,
      routing,
    }))
    expect(describeResponse(reply.body)).toEqual({
      single: { id: '1', error: -32603, dataCode: 'INTERNAL_ERROR' },
    })
  })

  it('serialises an undefined result as null', async () => {
    const reply = await run('{"jsonrpc":"2.0","id":1,"method":"a"}', async () => ({
      ok: true,
      result: undefined,
      routing,
    }))
    expect(reply.body).toBe('{"jsonrpc":"2.0","id":1,"result":null}')
  })
})
