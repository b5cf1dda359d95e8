import { describe, expect, it } from 'vitest'
import { classifyAnswer } from './classify.js'

describe('classifyAnswer', () => {
  it('a result counts only on HTTP 200', () => {
    expect(classifyAnswer(200, '{"jsonrpc":"2.0","id":7,"result":"0x1"}')).toEqual({
      outcome: 'result',
      answerId: 7,
    })
    expect(classifyAnswer(500, '{"jsonrpc":"2.0","id":7,"result":"0x1"}').outcome).toBe('unparseable')
  })

  it('reads a typed error with ChainPulse’s own code', () => {
    const body =
      '{"jsonrpc":"2.0","id":7,"error":{"code":-32603,"message":"no","data":{"code":"ALL_PROVIDERS_FAILED"}}}'
    expect(classifyAnswer(503, body)).toEqual({
      outcome: 'rpc-error',
      answerId: 7,
      errorCode: -32603,
      errorMessage: 'no',
      chainpulseCode: 'ALL_PROVIDERS_FAILED',
    })
  })

  it('HTML, empty, truncated and batch bodies are unparseable for a single request', () => {
    for (const text of [
      '<html></html>',
      '',
      '{"jsonrpc":"2.0","id":7,"res',
      '[{"jsonrpc":"2.0","id":7,"result":1}]',
    ]) {
      expect(classifyAnswer(200, text).outcome, text).toBe('unparseable')
    }
  })
})
