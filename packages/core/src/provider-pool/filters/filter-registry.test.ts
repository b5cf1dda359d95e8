import { describe, expect, it } from 'vitest'
import { createFakeClock } from '../../clock/fake-clock.js'
import type { FilterError } from '../../errors/errors.js'
import type { BlockHeader } from '../../subscriptions/block-header.js'
import type { Log, LogFilter } from '../../subscriptions/log-filter.js'
import { createFilterRegistry, type FilterChain } from './filter-registry.js'

// The registry over a scripted follower: what it delivers, the registry keeps until polled.

function scriptedChain() {
  const heads = new Set<(block: BlockHeader) => void>()
  const logs = new Set<{ filter: LogFilter; listener: (log: Log) => void }>()
  const calls: { method: string; params: unknown[]; providerId: string | undefined }[] = []
  let answer: (method: string, providerId: string | undefined) => { result: unknown; providerId: string } = (
    method,
  ) => ({ result: method === 'eth_newPendingTransactionFilter' ? '0xabc' : [], providerId: 'p1' })
  const chain: FilterChain = {
    anchor: async () => {},
    subscribeHeads(listener) {
      heads.add(listener)
      return () => heads.delete(listener)
    },
    subscribeLogs(filter, listener) {
      const entry = { filter, listener }
      logs.add(entry)
      return () => logs.delete(entry)
    },
    async request(method, params, providerId) {
      calls.push({ method, params, providerId })
      return answer(method, providerId)
    },
  }
  return {
    chain,
    calls,
    heads,
    logs,
    block: (number: number) => {
      for (const listener of heads)
        listener({
          number: `0x${number.toString(16)}`,
          hash: `0xh${number}`,
          parentHash: `0xh${number - 1}`,
        } as BlockHeader)
    },
    log: (blockNumber: number, logIndex: number, removed?: boolean) => {
      const log = {
        address: '0x1',
        topics: [],
        data: '0x',
        blockNumber: `0x${blockNumber.toString(16)}`,
        blockHash: `0xh${blockNumber}`,
        transactionHash: '0xt',
        transactionIndex: '0x0',
        logIndex: `0x${logIndex.toString(16)}`,
        ...(removed ? { removed } : {}),
      } as Log
      for (const entry of logs) entry.listener(log)
    },
    setAnswer(next: typeof answer) {
      answer = next
    },
  }
}

function setup(
  limits: Partial<{
    idleTimeoutMs: number
    maxPerClient: number
    maxTotal: number
    maxPendingChanges: number
  }> = {},
) {
  const clock = createFakeClock()
  const scripted = scriptedChain()
  let next = 0
  const registry = createFilterRegistry({
    chain: scripted.chain,
    clock,
    newId: () => `0x${(++next).toString(16).padStart(32, '0')}`,
    idleTimeoutMs: 300_000,
    maxPerClient: 10,
    maxTotal: 100,
    maxPendingChanges: 1_000,
    ...limits,
  })
  return { clock, registry, ...scripted }
}

describe('createFilterRegistry', () => {
  it('returns each new block hash exactly once, poll after poll', async () => {
    const { registry, block } = setup()
    const { result: id } = await registry.call('eth_newBlockFilter', [], 'me')
    block(5)
    block(6)
    expect((await registry.call('eth_getFilterChanges', [id], 'me')).result).toEqual(['0xh5', '0xh6'])
    expect((await registry.call('eth_getFilterChanges', [id], 'me')).result).toEqual([])
    block(7)
    expect((await registry.call('eth_getFilterChanges', [id], 'me')).result).toEqual(['0xh7'])
  })

  it('keeps matching logs in its block range, removed copies included, until polled', async () => {
    const { registry, log, logs } = setup()
    const { result: id } = await registry.call('eth_newFilter', [{ address: '0x1', toBlock: '0x9' }], 'me')
    expect([...logs][0]!.filter).toEqual({ address: '0x1' })
    log(8, 0)
    log(8, 0, true)
    log(10, 0)
    const changes = (await registry.call('eth_getFilterChanges', [id], 'me')).result as Log[]
    expect(changes.map((change) => [change.blockNumber, change.removed ?? false])).toEqual([
      ['0x8', false],
      ['0x8', true],
    ])
  })

  it('answers an unknown, another client’s, or an uninstalled id with "filter not found"', async () => {
    const { registry } = setup()
    const { result: id } = await registry.call('eth_newBlockFilter', [], 'me')
    const notFound = (clientId: string, filterId: unknown) =>
      registry
        .call('eth_getFilterChanges', [filterId], clientId)
        .catch((error: FilterError) => error.rpcError)
    expect(await notFound('me', '0xdead')).toEqual({ code: -32000, message: 'filter not found' })
    expect(await notFound('you', id)).toEqual({ code: -32000, message: 'filter not found' })
    expect((await registry.call('eth_uninstallFilter', [id], 'you')).result).toBe(false)
    expect((await registry.call('eth_uninstallFilter', [id], 'me')).result).toBe(true)
    expect((await registry.call('eth_uninstallFilter', [id], 'me')).result).toBe(false)
    expect(await notFound('me', id)).toEqual({ code: -32000, message: 'filter not found' })
  })

  it('removes a filter not polled for idleTimeoutMs, and releases its subscription', async () => {
    const { clock, registry, heads } = setup({ idleTimeoutMs: 60_000 })
    const { result: kept } = await registry.call('eth_newBlockFilter', [], 'me')
    const { result: idle } = await registry.call('eth_newBlockFilter', [], 'me')
    for (let minute = 0; minute < 2; minute++) {
      clock.advance(30_000)
      await registry.call('eth_getFilterChanges', [kept], 'me')
      clock.advance(30_000)
      await registry.call('eth_getFilterChanges', [kept], 'me')
    }
    expect(registry.size()).toBe(1)
    expect(heads.size).toBe(1)
    await expect(registry.call('eth_getFilterChanges', [idle], 'me')).rejects.toMatchObject({
      code: 'FILTER_NOT_FOUND',
    })
  })

  it('bounds filters per client and in total, with a clear error', async () => {
    const { registry } = setup({ maxPerClient: 2, maxTotal: 3 })
    await registry.call('eth_newBlockFilter', [], 'a')
    await registry.call('eth_newBlockFilter', [], 'a')
    await expect(registry.call('eth_newBlockFilter', [], 'a')).rejects.toMatchObject({
      rpcError: { code: -32005, message: expect.stringContaining('a client may hold 2 filters') },
    })
    await registry.call('eth_newBlockFilter', [], 'b')
    await expect(registry.call('eth_newBlockFilter', [], 'c')).rejects.toMatchObject({
      rpcError: { code: -32005, message: expect.stringContaining('this chain holds 3 filters') },
    })
  })

  it('removes a filter that piled up too many changes and says so at the next poll, rather than dropping some', async () => {
    const { registry, block } = setup({ maxPendingChanges: 3 })
    const { result: id } = await registry.call('eth_newBlockFilter', [], 'me')
    for (let number = 1; number <= 4; number++) block(number)
    await expect(registry.call('eth_getFilterChanges', [id], 'me')).rejects.toMatchObject({
      rpcError: { code: -32005, message: expect.stringContaining('more than 3 changes piled up') },
    })
    expect(registry.size()).toBe(0)
  })

  it('refuses malformed filter params with invalid params', async () => {
    const { registry } = setup()
    for (const params of [[], ['0x1'], [{ address: 42 }], [{ topics: ['nope'] }], [{ blockHash: '0x1' }]])
      await expect(registry.call('eth_newFilter', params, 'me')).rejects.toMatchObject({
        rpcError: { code: -32602 },
      })
    expect(registry.size()).toBe(0)
  })

  it('runs eth_getFilterLogs as the filter’s eth_getLogs through the pool', async () => {
    const { registry, calls } = setup()
    const criteria = { address: '0x1', fromBlock: '0x1', toBlock: 'latest' }
    const { result: id } = await registry.call('eth_newFilter', [criteria], 'me')
    await registry.call('eth_getFilterLogs', [id], 'me')
    expect(calls).toEqual([{ method: 'eth_getLogs', params: [criteria], providerId: undefined }])
  })

  it('keeps a pending-transaction filter on the provider that made it, and says when that provider is gone', async () => {
    const { registry, calls, setAnswer } = setup()
    const created = await registry.call('eth_newPendingTransactionFilter', [], 'me')
    expect(created.providerId).toBe('p1')
    await registry.call('eth_getFilterChanges', [created.result], 'me')
    expect(calls.at(-1)).toEqual({ method: 'eth_getFilterChanges', params: ['0xabc'], providerId: 'p1' })
    setAnswer(() => {
      throw Object.assign(new Error('down'), { code: 'NO_PROVIDER_AVAILABLE' })
    })
    const error = await registry
      .call('eth_getFilterChanges', [created.result], 'me')
      .catch((caught) => caught)
    expect(error.rpcError).toEqual({
      code: -32000,
      message: 'filter not found',
      data: {
        reason: expect.stringContaining(
          'provider holding this pending-transaction filter (p1) is unavailable',
        ),
      },
    })
    // Never retried elsewhere: every poll went to p1.
    expect(
      calls
        .filter((call) => call.method === 'eth_getFilterChanges')
        .every((call) => call.providerId === 'p1'),
    ).toBe(true)
  })
})
