import { describe, expect, it } from 'vitest'
import {
  AbortedError,
  MalformedResponseError,
  RateLimitedError,
  UpstreamHttpError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../../errors/errors.js'
import { judgeRpcError, judgeThrown } from './failure-model.js'

// The failure model's verdicts (docs/failure-model.md has the same table, with real providers' messages).

describe('judgeRpcError', () => {
  it.each([
    [3, 'execution reverted: not owner', 'request-fault'],
    [-32602, 'invalid argument 0: hex string without 0x prefix', 'request-fault'],
    [-32005, 'daily request count exceeded, request rate limited', 'throttled'],
    [-32601, 'the method eth_foo does not exist/is not available', 'cannot-serve'],
    [-32602, 'query exceeds max block range 100000', 'cannot-serve'],
    [-32000, 'missing trie node abc (path )', 'cannot-serve'],
    [-32000, 'header not found', 'cannot-serve'],
    [-32603, 'internal error', 'disputed'],
    [-32603, 'nonce has max value', 'disputed'],
  ])('%i %s → %s', (code, message, kind) => {
    expect(judgeRpcError({ code, message }, 'p').kind).toBe(kind)
  })

  it('keeps the error object and its raw text for relaying', () => {
    const verdict = judgeRpcError(
      { code: -32000, message: 'header not found' },
      'p',
      '{"code":-32000,"message":"header not found"}',
    )
    expect(verdict).toMatchObject({ kind: 'cannot-serve', reason: 'unknown-block' })
    expect((verdict as { error: { raw?: string } }).error.raw).toBe(
      '{"code":-32000,"message":"header not found"}',
    )
  })
})

describe('judgeThrown', () => {
  const context = { providerId: 'p' }
  it.each([
    [
      'connection refused',
      new UpstreamUnavailableError({ ...context, reason: 'connection refused' }),
      'provider-fault',
    ],
    [
      'timeout (the request may be the cause)',
      new UpstreamTimeoutError({ ...context, timeoutMs: 10 }),
      'disputed',
    ],
    ['5xx', new UpstreamHttpError({ ...context, status: 503 }), 'provider-fault'],
    ['3xx, never followed', new UpstreamHttpError({ ...context, status: 301 }), 'provider-fault'],
    ['401 (its key)', new UpstreamHttpError({ ...context, status: 401 }), 'provider-fault'],
    ['413 (its size limit)', new UpstreamHttpError({ ...context, status: 413 }), 'cannot-serve'],
    [
      'malformed body',
      new MalformedResponseError({ ...context, reason: 'body is not JSON' }),
      'provider-fault',
    ],
    ['429', new RateLimitedError({ ...context, retryAfterMs: 2_000, status: 429 }), 'throttled'],
    ['400 without a JSON-RPC body', new UpstreamHttpError({ ...context, status: 400 }), 'disputed'],
    ['caller abort', new AbortedError(context), 'aborted'],
    ['anything else', new TypeError('boom'), 'provider-fault'],
  ])('%s → %s', (_what, thrown, kind) => {
    expect(judgeThrown(thrown, 'p', false).kind).toBe(kind)
  })

  it('carries a throttle without Retry-After as undefined, for the pool default', () => {
    expect(judgeThrown(new RateLimitedError({ providerId: 'p', status: 429 }), 'p', false)).toMatchObject({
      kind: 'throttled',
      retryAfterMs: undefined,
    })
  })

  it('calls anything thrown after the caller aborted an abort', () => {
    expect(judgeThrown(new TypeError('socket hang up'), 'p', true).kind).toBe('aborted')
  })
})
