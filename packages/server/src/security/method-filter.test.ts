import { describe, expect, it } from 'vitest'
import {
  createMethodFilter,
  defaultDeniedMethods,
  type MethodFilterOptions,
  patternCovers,
  patternsOverlap,
} from './method-filter.js'

// `defaultDeny: []` isolates the allow/deny rules from the default list.
const bare = (options: MethodFilterOptions): MethodFilterOptions => ({ defaultDeny: [], ...options })

describe('createMethodFilter', () => {
  it.each([
    [bare({}), 'eth_call', undefined],
    [bare({ deny: ['eth_call'] }), 'eth_call', { rule: 'deny', pattern: 'eth_call' }],
    [bare({ deny: ['eth_call'] }), 'eth_callMany', undefined],
    [bare({ deny: ['debug_*'] }), 'debug_traceTransaction', { rule: 'deny', pattern: 'debug_*' }],
    [bare({ deny: ['debug_*'] }), 'eth_debug_x', undefined],
    [bare({ deny: ['*'] }), 'eth_chainId', { rule: 'deny', pattern: '*' }],
    [bare({ allow: ['eth_*'] }), 'eth_chainId', undefined],
    [bare({ allow: ['eth_*'] }), 'net_version', { rule: 'allow' }],
    [bare({ allow: [] }), 'eth_chainId', { rule: 'allow' }],
    [bare({ allow: ['eth_*'], deny: ['eth_sign'] }), 'eth_sign', { rule: 'deny', pattern: 'eth_sign' }],
    [bare({ allow: ['eth_sign'], deny: ['eth_*'] }), 'eth_sign', { rule: 'deny', pattern: 'eth_*' }],
    [bare({ deny: ['ETH_CALL'] }), 'eth_call', undefined],
  ])('%j: %s → %j', (options, method, refusal) => {
    expect(createMethodFilter(options)(method)).toEqual(refusal)
  })
})

describe('the default deny list', () => {
  const check = createMethodFilter({})

  it.each([
    ['eth_sign', 'eth_sign*', 'signing with keys held by the node'],
    ['eth_signTransaction', 'eth_sign*', 'signing with keys held by the node'],
    ['eth_signTypedData_v4', 'eth_sign*', 'signing with keys held by the node'],
    ['eth_sendTransaction', 'eth_sendTransaction', 'signing with keys held by the node'],
    ['personal_sign', 'personal_*', 'signing with keys held by the node'],
    ['admin_addPeer', 'admin_*', 'node administration'],
    ['miner_setEtherbase', 'miner_*', 'node administration'],
    ['engine_forkchoiceUpdatedV3', 'engine_*', 'node administration'],
    ['clique_propose', 'clique_*', 'node administration'],
    ['debug_traceTransaction', 'debug_*', 'node debugging and tracing'],
    ['trace_replayBlockTransactions', 'trace_*', 'node debugging and tracing'],
    ['anvil_setBalance', 'anvil_*', 'development-node state control'],
    ['evm_snapshot', 'evm_*', 'development-node state control'],
    ['hardhat_impersonateAccount', 'hardhat_*', 'development-node state control'],
  ])('denies %s by "%s" (%s)', (method, pattern, why) => {
    expect(check(method)).toEqual({ rule: 'default-deny', pattern, why })
  })

  it.each([
    'eth_sendRawTransaction',
    'eth_call',
    'eth_getLogs',
    'eth_accounts',
    'eth_subscribe',
    'net_version',
    'web3_clientVersion',
    'txpool_status',
  ])('serves %s', (method) => {
    expect(check(method)).toBeUndefined()
  })

  it('is lifted per method or per pattern by enable, and only there', () => {
    const enabled = createMethodFilter({ enable: ['debug_traceTransaction', 'anvil_*'] })
    expect(enabled('debug_traceTransaction')).toBeUndefined()
    expect(enabled('debug_traceCall')).toMatchObject({ rule: 'default-deny', pattern: 'debug_*' })
    expect(enabled('anvil_mine')).toBeUndefined()
    expect(enabled('evm_mine')).toMatchObject({ rule: 'default-deny', pattern: 'evm_*' })
  })

  it('lets deny win over enable, and allow narrow what enable opened', () => {
    const check = createMethodFilter({
      enable: ['debug_*'],
      deny: ['debug_traceCall'],
      allow: ['eth_*', 'debug_*'],
    })
    expect(check('debug_traceCall')).toEqual({ rule: 'deny', pattern: 'debug_traceCall' })
    expect(check('debug_traceTransaction')).toBeUndefined()
    expect(check('net_version')).toEqual({ rule: 'allow' })
  })

  it('still applies under an allow list that matches a denied method', () => {
    const check = createMethodFilter({ allow: ['eth_*'] })
    expect(check('eth_call')).toBeUndefined()
    expect(check('eth_sendTransaction')).toMatchObject({ rule: 'default-deny' })
  })

  it('is empty when enable names "*"', () => {
    const check = createMethodFilter({ enable: ['*'] })
    for (const pattern of defaultDeniedMethods) expect(check(pattern.replace('*', 'x'))).toBeUndefined()
  })
})

describe('pattern relations', () => {
  it.each([
    ['*', 'debug_*', true],
    ['debug_*', 'debug_traceCall', true],
    ['debug_*', 'debug_trace*', true],
    ['debug_trace*', 'debug_*', false],
    ['eth_sign*', 'eth_sign', true],
    ['eth_sign', 'eth_sign', true],
    ['eth_sign', 'eth_sign*', false],
    ['eth_*', '*', false],
  ])('%s covers %s: %s', (outer, inner, covers) => {
    expect(patternCovers(outer, inner)).toBe(covers)
  })

  it.each([
    ['eth_*', 'eth_sign*', true],
    ['eth_sign*', 'eth_*', true],
    ['eth_call', 'eth_sign*', false],
    ['anvil*', 'anvil_*', true],
    ['*', 'x', true],
    ['a', 'b', false],
  ])('%s overlaps %s: %s', (a, b, overlaps) => {
    expect(patternsOverlap(a, b)).toBe(overlaps)
  })
})
