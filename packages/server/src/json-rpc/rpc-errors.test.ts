import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { methodNotAllowed, proxyErrorCodes } from './rpc-errors.js'

describe('proxy error codes', () => {
  const docs = ['server.md', 'websocket-rpc.md']
    .map((page) => readFileSync(new URL(`../../../../docs/${page}`, import.meta.url), 'utf8'))
    .join('\n')

  it.each(proxyErrorCodes)('documents %s in docs/server.md or docs/websocket-rpc.md', (code) => {
    // As written in a table (`CODE`) or a sample body ("CODE"), never as part of a longer code.
    expect(docs).toMatch(new RegExp(`[\`"]${code}[\`"]`))
  })
})

describe('methodNotAllowed', () => {
  it('names the method, the rule and the fix', () => {
    expect(
      methodNotAllowed('evm_mine', {
        rule: 'default-deny',
        pattern: 'evm_*',
        why: 'development-node state control',
      }),
    ).toEqual({
      code: -32601,
      message:
        'Method "evm_mine" is not allowed by this ChainPulse endpoint: development-node state control methods ("evm_*") are denied by default; to serve it, add "evm_*" or "evm_mine" to the server\'s rpc.methods.enable',
      data: { code: 'METHOD_NOT_ALLOWED', method: 'evm_mine', rule: 'default-deny', pattern: 'evm_*' },
    })
  })

  it('echoes at most 100 characters of a client-chosen method name', () => {
    const error = methodNotAllowed('x'.repeat(5_000), { rule: 'allow' })
    expect((error.data as { method: string }).method).toBe(`${'x'.repeat(100)}…`)
    expect(error.message.length).toBeLessThan(250)
  })
})
