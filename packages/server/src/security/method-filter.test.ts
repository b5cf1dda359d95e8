import { describe, expect, it } from 'vitest'
import { createMethodFilter } from './method-filter.js'

describe('createMethodFilter', () => {
  it.each([
    [{}, 'eth_call', true],
    [{ deny: ['eth_call'] }, 'eth_call', false],
    [{ deny: ['eth_call'] }, 'eth_callMany', true],
    [{ deny: ['debug_*'] }, 'debug_traceTransaction', false],
    [{ deny: ['debug_*'] }, 'eth_debug_x', true],
    [{ deny: ['*'] }, 'eth_chainId', false],
    [{ allow: ['eth_*'] }, 'eth_chainId', true],
    [{ allow: ['eth_*'] }, 'net_version', false],
    [{ allow: [] }, 'eth_chainId', false],
    [{ allow: ['eth_*'], deny: ['eth_sign'] }, 'eth_sign', false],
    [{ allow: ['eth_sign'], deny: ['eth_*'] }, 'eth_sign', false],
    [{ deny: ['ETH_CALL'] }, 'eth_call', true],
  ])('%j: %s → %s', (options, method, allowed) => {
    expect(createMethodFilter(options)(method)).toBe(allowed)
  })
})
