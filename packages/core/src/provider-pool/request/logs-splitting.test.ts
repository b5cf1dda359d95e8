import { describe, expect, it } from 'vitest'
import { createFakeClock } from '../../clock/fake-clock.js'
import { UpstreamRpcError } from '../../errors/errors.js'
import type { Log } from '../../subscriptions/log-filter.js'
import type { ProviderRuntime } from '../provider/provider-runtime.js'
import type { PoolRequestResult } from '../types.js'
import {
  fetchLogsInChunks,
  logsLimitHint,
  logsRangeQuery,
  logsRangeWidth,
  mergeLogs,
  narrowerRanges,
  splitRange,
} from './logs-splitting.js'

// The pure parts of eth_getLogs splitting: what real providers' refusals say, cutting, merging.

describe('logsLimitHint', () => {
  // The request-limit rows of docs/failure-model.md's table of real errors.
  it.each([
    ['query exceeds max block range 100000', 100_000],
    ['exceed maximum block range: 5000', 5_000],
    ['range 1000000 exceeds limit of 10000', 10_000],
    [
      'Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range and no limit on the response size.',
      2_000,
    ],
    ['eth_getLogs is limited to a 10,000 range', 10_000],
    ['eth_getLogs is limited to 1024 block range.', 1_024],
    ['maximum [from, to] blocks distance: 10000', 10_000],
    ['Block range too large: maximum allowed is 20000 blocks', 20_000],
  ])('reads the stated range of %j', (message, maxBlocks) => {
    expect(logsLimitHint(message).maxBlocks).toBe(maxBlocks)
  })

  it.each([
    'query returned more than 10000 results',
    'response too large',
    'block range is too wide',
    'Requested range exceeds maximum RPC range limit',
  ])('reads no range from %j (halving finds one)', (message) => {
    expect(logsLimitHint(message)).toEqual({})
  })

  it("reads Alchemy's suggested range as well as its stated one", () => {
    expect(
      logsLimitHint(
        'You can make eth_getLogs requests with up to a 500 block range. Based on your parameters, this block range should work: [0x123c9b2, 0x123cba5]',
      ),
    ).toEqual({ maxBlocks: 500, suggested: { from: 0x123c9b2, to: 0x123cba5 } })
  })
})

describe('splitRange', () => {
  it('cuts a range into consecutive chunks of at most the limit, in order', () => {
    expect(splitRange(0, 9, 4)).toEqual([
      [0, 3],
      [4, 7],
      [8, 9],
    ])
    expect(splitRange(5, 5, 1_000)).toEqual([[5, 5]])
    const chunks = splitRange(1, 50_000, 1_000)
    expect(chunks).toHaveLength(50)
    expect(chunks.every(([from, to], i) => to - from + 1 === 1_000 && from === 1 + i * 1_000)).toBe(true)
  })
})

describe('narrowerRanges', () => {
  const limited = (logsBlockRange: number | undefined) => ({ logsBlockRange }) as ProviderRuntime
  const results = { rpcError: { message: 'query returned more than 10000 results' } }

  it('cuts by the widest limit some provider is known to serve below the width', () => {
    expect(narrowerRanges(0, 4_999, [limited(1_000), limited(2_000), limited(undefined)], results)).toEqual(
      splitRange(0, 4_999, 2_000),
    )
  })

  it('halves when no provider is known to serve less', () => {
    expect(narrowerRanges(0, 9, [limited(undefined), limited(100)], results)).toEqual([
      [0, 4],
      [5, 9],
    ])
    expect(narrowerRanges(3, 5, [], results)).toEqual([
      [3, 4],
      [5, 5],
    ])
  })

  it('takes the range a refusal suggests when it starts where the chunk does', () => {
    const suggestion = {
      rpcError: { message: 'Log response size exceeded. this block range should work: [0xa, 0xc]' },
    }
    expect(narrowerRanges(10, 99, [], suggestion)).toEqual([
      [10, 12],
      [13, 99],
    ])
    // A suggestion for another start is not about this chunk.
    expect(narrowerRanges(11, 20, [], suggestion)).toEqual([
      [11, 15],
      [16, 20],
    ])
  })
})

describe('mergeLogs', () => {
  const log = (block: number, index: number): Log => ({
    address: '0x1',
    topics: [],
    data: '0x',
    blockNumber: `0x${block.toString(16)}`,
    blockHash: `0xb${block}`,
    transactionHash: `0xt${block}`,
    transactionIndex: '0x0',
    logIndex: `0x${index.toString(16)}`,
  })

  it('keeps chunk order and each log once', () => {
    const merged = mergeLogs([[log(1, 0), log(1, 1)], [log(1, 1), log(2, 0)], [], [log(3, 0)]])
    expect(merged.map((entry) => `${entry.blockNumber}:${entry.logIndex}`)).toEqual([
      '0x1:0x0',
      '0x1:0x1',
      '0x2:0x0',
      '0x3:0x0',
    ])
  })
})

describe('logsRangeQuery and logsRangeWidth', () => {
  it('never splits a blockHash query', () => {
    expect(logsRangeQuery([{ blockHash: '0xabc' }])).toBeUndefined()
    expect(logsRangeWidth([{ blockHash: '0xabc' }], 100)).toBeUndefined()
  })

  it('reads tags against the head, earliest as 0, and knows no width without a head', () => {
    expect(logsRangeWidth([{ fromBlock: '0x1', toBlock: '0xa' }], undefined)).toBe(10)
    expect(logsRangeWidth([{ fromBlock: 'earliest' }], 99)).toBe(100)
    expect(logsRangeWidth([{ fromBlock: '0x0', toBlock: 'latest' }], undefined)).toBeUndefined()
    expect(logsRangeWidth([{ fromBlock: '0x0', toBlock: 'safe' }], 10)).toBeUndefined()
  })
})

describe('fetchLogsInChunks', () => {
  const rpcError = (message: string, errorClass: 'request-limit' | 'execution') =>
    new UpstreamRpcError({ rpcError: { code: -32005, message }, errorClass, providerId: 'p' })
  const base = {
    query: { filter: { address: '0x1' }, fromBlock: '0x0', toBlock: '0x63' },
    providers: () => [],
    signal: undefined,
    clock: createFakeClock(),
    started: 0,
    strategy: 'priority',
  }
  const bounds = (params: unknown) => {
    const { fromBlock, toBlock } = (params as unknown[])[0] as { fromBlock: string; toBlock: string }
    return [Number.parseInt(fromBlock, 16), Number.parseInt(toBlock, 16)] as const
  }
  const answer = (result: unknown[]): PoolRequestResult<never[]> =>
    ({ result, providerId: 'p', strategy: 'priority', attempts: 1, durationMs: 0 }) as PoolRequestResult<
      never[]
    >

  it('keeps at most `concurrency` chunks in flight, and sends each with the filter and its bounds', async () => {
    let inFlight = 0
    let most = 0
    const sent: unknown[] = []
    const result = await fetchLogsInChunks({
      ...base,
      ranges: [
        [0, 9],
        [10, 19],
        [20, 29],
        [30, 39],
        [40, 49],
        [50, 59],
      ],
      concurrency: 2,
      send: async (params) => {
        sent.push((params as unknown[])[0])
        inFlight++
        most = Math.max(most, inFlight)
        await new Promise((resolve) => setImmediate(resolve))
        inFlight--
        return answer([])
      },
    })
    expect(most).toBe(2)
    expect(result.chunks).toBe(6)
    expect(sent[0]).toEqual({ address: '0x1', fromBlock: '0x0', toBlock: '0x9' })
  })

  it('ends at the first error that is not a size refusal, aborting the chunks in flight', async () => {
    const aborted: number[] = []
    const failure = rpcError('execution reverted', 'execution')
    const outcome = fetchLogsInChunks({
      ...base,
      ranges: [
        [0, 9],
        [10, 19],
        [20, 29],
      ],
      send: (params, signal) => {
        const [from] = bounds(params)
        if (from === 10) return Promise.reject(failure)
        return new Promise((_, reject) =>
          signal?.addEventListener('abort', () => {
            aborted.push(from)
            reject(signal.reason)
          }),
        )
      },
    })
    await expect(outcome).rejects.toBe(failure)
    expect(aborted.sort((a, b) => a - b)).toEqual([0, 20])
  })

  it('halves a range refused for its size until it fits, and keeps block order', async () => {
    const tooMany = rpcError('query returned more than 4 results', 'request-limit')
    const result = await fetchLogsInChunks({
      ...base,
      ranges: [[0, 15]],
      send: async (params) => {
        const [from, to] = bounds(params)
        if (to - from + 1 > 4) throw tooMany
        return answer(
          Array.from({ length: to - from + 1 }, (_, i) => ({ blockHash: `0x${from + i}`, logIndex: '0x0' })),
        )
      },
    })
    expect(result.result.map((log) => (log as { blockHash: string }).blockHash)).toEqual(
      Array.from({ length: 16 }, (_, i) => `0x${i}`),
    )
    expect(result.chunks).toBe(4)
  })
})
