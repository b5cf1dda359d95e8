import { describe, expect, it } from 'vitest'
import type { JsonRpcRequest, JsonRpcResponse } from '../rpc/json-rpc.js'
import { createNodeFilters, FILTER_IDLE_MS, isFilterMethod } from './node-filters.js'

const request = (method: string, params: unknown[] = []): JsonRpcRequest => ({
  jsonrpc: '2.0',
  id: 7,
  method,
  params,
})
const result = (value: unknown): JsonRpcResponse => ({ jsonrpc: '2.0', id: 7, result: value })
const notFound: JsonRpcResponse = {
  jsonrpc: '2.0',
  id: 7,
  error: { code: -32000, message: 'filter not found' },
}

/** A filter set whose clock the test moves. */
function filters() {
  let now = 0
  const set = createNodeFilters({ now: () => now })
  const create = (id: string, method = 'eth_newFilter') =>
    set.observe(request(method, [{}]), result(id), set.generation)
  return { set, create, advance: (ms: number) => (now += ms) }
}

describe('createNodeFilters', () => {
  it('answers for ids it did not create as a node does, and forwards its own', () => {
    const { set, create } = filters()
    create('0xaa')
    create('0xbb', 'eth_newBlockFilter')
    create('0xcc', 'eth_newPendingTransactionFilter')
    for (const id of ['0xaa', '0xBB', '0xcc']) {
      expect(set.intercept(request('eth_getFilterChanges', [id])), id).toBeUndefined()
      expect(set.intercept(request('eth_getFilterLogs', [id])), id).toBeUndefined()
      expect(set.intercept(request('eth_uninstallFilter', [id])), id).toBeUndefined()
    }
    expect(set.intercept(request('eth_getFilterChanges', ['0xdd']))).toEqual(notFound)
    expect(set.intercept(request('eth_getFilterLogs', ['0xdd']))).toEqual(notFound)
    expect(set.intercept(request('eth_uninstallFilter', ['0xdd']))).toEqual({
      jsonrpc: '2.0',
      id: 7,
      result: false,
    })
  })

  it('leaves malformed filter calls and other methods to the node', () => {
    const { set } = filters()
    expect(set.intercept(request('eth_getFilterChanges', []))).toBeUndefined()
    expect(set.intercept(request('eth_getFilterChanges', [12]))).toBeUndefined()
    expect(set.intercept(request('eth_getBalance', ['0xdd']))).toBeUndefined()
  })

  it('forgets an id once it is uninstalled or the node no longer has it', () => {
    const { set, create } = filters()
    create('0xaa')
    create('0xbb')
    set.observe(request('eth_uninstallFilter', ['0xaa']), result(true), set.generation)
    set.observe(request('eth_getFilterChanges', ['0xbb']), notFound, set.generation)
    expect(set.size).toBe(0)
    expect(set.intercept(request('eth_getFilterChanges', ['0xaa']))).toEqual(notFound)
  })

  it('forgets every filter on a restart, and ignores creations answered from before it', () => {
    const { set, create } = filters()
    create('0xaa')
    const before = set.generation
    expect(set.forget()).toEqual(['0xaa'])
    set.observe(request('eth_newFilter', [{}]), result('0xbb'), before)
    expect(set.size).toBe(0)
    expect(set.intercept(request('eth_getFilterChanges', ['0xaa']))).toEqual(notFound)
    expect(set.intercept(request('eth_getFilterChanges', ['0xbb']))).toEqual(notFound)
  })

  it('drops ids idle longer than the node keeps them, and keeps polled ones', () => {
    const { set, create, advance } = filters()
    create('0xaa')
    create('0xbb')
    advance(FILTER_IDLE_MS - 1)
    expect(set.intercept(request('eth_getFilterChanges', ['0xbb']))).toBeUndefined()
    advance(2)
    create('0xcc')
    expect(set.size).toBe(2)
    expect(set.intercept(request('eth_getFilterChanges', ['0xaa']))).toEqual(notFound)
  })

  it('knows the filter methods', () => {
    expect(isFilterMethod('eth_newFilter')).toBe(true)
    expect(isFilterMethod('eth_uninstallFilter')).toBe(true)
    expect(isFilterMethod('eth_getLogs')).toBe(false)
  })
})
