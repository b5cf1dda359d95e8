import { describe, expect, it } from 'vitest'
import { parseRpcBody } from './parse-body.js'

const limits = { maxBatchSize: 3, maxDepth: 8 }

describe('parseRpcBody', () => {
  it('returns a call with its raw id, method and params', () => {
    expect(
      parseRpcBody(
        '{"jsonrpc":"2.0","id":1.50,"method":"eth_call","params":[{"to":"0x1"},"latest"]}',
        limits,
      ),
    ).toEqual({
      kind: 'single',
      entry: { kind: 'call', call: { idRaw: '1.50', method: 'eth_call', params: [{ to: '0x1' }, 'latest'] } },
    })
  })

  it('marks a call without an id as a notification and leaves absent params undefined', () => {
    expect(parseRpcBody('{"jsonrpc":"2.0","method":"eth_chainId"}', limits)).toEqual({
      kind: 'single',
      entry: { kind: 'call', call: { idRaw: undefined, method: 'eth_chainId', params: undefined } },
    })
  })

  it('keeps the id of an invalid request when the id itself is valid', () => {
    const parsed = parseRpcBody('{"jsonrpc":"2.0","id":"abc","method":7}', limits)
    expect(parsed).toMatchObject({ kind: 'single', entry: { kind: 'invalid', idRaw: '"abc"' } })
  })

  it('rejects a batch over the limit before parsing its values', () => {
    const parsed = parseRpcBody('[1,2,3,4]', limits)
    expect(parsed).toMatchObject({
      kind: 'rejected',
      error: { code: -32600, data: { code: 'BATCH_TOO_LARGE' } },
    })
  })

  it('treats a member named __proto__ as an ordinary member', () => {
    const parsed = parseRpcBody('{"jsonrpc":"2.0","id":1,"method":"m","__proto__":{"method":"x"}}', limits)
    expect(parsed).toMatchObject({ kind: 'single', entry: { kind: 'call', call: { method: 'm' } } })
  })
})
