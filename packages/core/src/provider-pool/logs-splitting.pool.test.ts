import { describe, expect, it } from 'vitest'
import { UpstreamRpcError } from '../errors/errors.js'
import type { Log } from '../subscriptions/log-filter.js'
import { createMockProvider } from '../testing/mock-provider.js'
import { settleOnClock } from '../testing/run-clock.js'
import { setup } from './mock-pool-setup.js'
import { createLogsSplitting } from './request/logs-splitting.js'

// eth_getLogs without range errors, through the pool over mock providers on a fake clock: ranges too
// wide for the providers are fetched in chunks and merged into what an unlimited node would answer.

const TOKEN = '0x00000000000000000000000000000000000000aa'
const TOPIC = `0x${'11'.repeat(32)}`

/** A pool whose chain has 300 more blocks: 3 logs in every 7th, 12 in the `dense` one. */
function logsSetup(options: Parameters<typeof setup>[0] = {}) {
  const context = setup({ logsSplitting: createLogsSplitting(), ...options })
  let dense = 0
  for (let i = 0; i < 300; i++) {
    const count = i === 150 ? 12 : i % 7 === 0 ? 3 : 0
    const [block] = context.chain.mine(
      count === 0
        ? 1
        : {
            logs: Array.from({ length: count }, (_, n) => ({
              address: TOKEN,
              topics: [TOPIC],
              data: `0x0${n}`,
            })),
          },
    )
    if (count === 12) dense = Number.parseInt(block!.number, 16)
  }
  const head = Number.parseInt(context.chain.head().number, 16)
  const unlimited = (from = 0, to = head) => context.chain.logsInRange(from, to, { address: TOKEN })
  const getLogs = (filter: Record<string, unknown>, options = {}) =>
    settleOnClock(
      context.clock,
      context.pool.request<Log[]>(
        { chain: 'ethereum', method: 'eth_getLogs', params: [{ address: TOKEN, ...filter }] },
        options,
      ),
    )
  const logsCalls = () =>
    Object.values(context.providers).reduce((total, provider) => total + provider.calls('eth_getLogs'), 0)
  return { ...context, head, dense, unlimited, getLogs, logsCalls }
}

const hex = (value: number) => `0x${value.toString(16)}`
const keys = (logs: readonly Log[]) => logs.map((log) => `${log.blockNumber}:${log.logIndex}`)

describe('eth_getLogs through the pool', () => {
  it('answers a range wider than a block-range limit and a result limit as an unlimited node does', async () => {
    const { providers, head, unlimited, getLogs } = logsSetup()
    providers.a.set({ maxLogsBlockRange: 20 })
    providers.b.set({ maxLogsResults: 10 })
    providers.c.set({ maxLogsBlockRange: 50, maxLogsResults: 10 })

    const answer = await getLogs({ fromBlock: '0x0', toBlock: hex(head) })

    expect(answer.result).toEqual(unlimited())
    expect(new Set(keys(answer.result)).size).toBe(answer.result.length)
    expect(answer.result.length).toBeGreaterThan(100)
    expect(answer.chunks).toBeGreaterThan(1)
  })

  it('answers 50,000 blocks through a 1,000-block provider and a 2,000-result one as an unlimited node does', async () => {
    const { chain, providers, pool, clock, decisions } = setup(
      { logsSplitting: createLogsSplitting() },
      { a: 1, b: 0, c: 2 },
    )
    const log = (n: number) => ({
      address: TOKEN,
      topics: [TOPIC],
      data: `0x${n.toString(16).padStart(4, '0')}`,
    })
    // A log every 97th block, and two blocks of 1,250 logs each in one 1,000-block stretch.
    for (let i = 1; i <= 50_000; i++) {
      if (i === 30_100 || i === 30_200) chain.mine({ logs: Array.from({ length: 1_250 }, (_, n) => log(n)) })
      else if (i % 97 === 0) chain.mine({ logs: [log(i)] })
      else chain.mine()
    }
    providers.a.set({ maxLogsBlockRange: 1_000 })
    providers.b.set({ maxLogsResults: 2_000 })
    pool.removeProvider('c')
    const head = Number.parseInt(chain.head().number, 16)

    const answer = await settleOnClock(
      clock,
      pool.request<Log[]>({
        chain: 'ethereum',
        method: 'eth_getLogs',
        params: [{ fromBlock: '0x0', toBlock: 'latest' }],
      }),
    )

    const unlimited = chain.logsInRange(0, head)
    expect(unlimited.length).toBeGreaterThan(3_000)
    expect(answer.result).toEqual(unlimited)
    expect(new Set(keys(answer.result)).size).toBe(answer.result.length)
    expect(answer.chunks).toBe(Math.ceil((head + 1) / 1_000))
    // The dense stretch: refused by the result-limited provider, served by the range-limited one.
    expect(
      decisions.filter((decision) => decision.providerId === 'a' && decision.attempts === 2),
    ).toHaveLength(1)
    // Mining 50,000 mock blocks (hashes in JavaScript) is most of this test's time.
  }, 60_000)

  it('halves ranges refused for their result count, down to what fits', async () => {
    const { providers, head, dense, unlimited, getLogs, logsCalls } = logsSetup()
    for (const provider of Object.values(providers)) provider.set({ maxLogsResults: 7 })

    // Past the dense block, no block holds more than 7 logs; the whole range holds many more.
    const answer = await getLogs({ fromBlock: hex(dense + 1), toBlock: hex(head) })

    expect(answer.result).toEqual(unlimited(dense + 1, head))
    expect(answer.result.length).toBeGreaterThan(7)
    expect(answer.chunks).toBeGreaterThan(1)
    // Every answered chunk holds at most 7 logs; each refused range cost one call per provider.
    expect(logsCalls()).toBeGreaterThan(answer.chunks!)
  })

  it('relays the upstream refusal when a single block holds more logs than every provider serves', async () => {
    const { providers, dense, getLogs } = logsSetup()
    for (const provider of Object.values(providers)) provider.set({ maxLogsResults: 7 })

    const refused = await getLogs({ fromBlock: hex(dense - 50), toBlock: hex(dense + 50) }).catch(
      (error: unknown) => error,
    )

    expect(refused).toBeInstanceOf(UpstreamRpcError)
    expect((refused as UpstreamRpcError).rpcError).toEqual({
      code: -32005,
      message: 'query returned more than 7 results',
    })
  })

  it('learns a stated limit: the next wide request is split at once, with no refused call', async () => {
    const { providers, head, unlimited, getLogs, decisions, logsCalls } = logsSetup()
    providers.a.set({ maxLogsBlockRange: 30 })
    providers.b.set({ maxLogsBlockRange: 60 })
    providers.c.set({ maxLogsBlockRange: 45 })

    const first = await getLogs({ fromBlock: '0x0', toBlock: hex(head) })
    expect(first.result).toEqual(unlimited())
    // The whole range once per provider (each refusing it, stating its limit), then 60-block chunks.
    expect(decisions.filter((decision) => decision.result === 'error')).toHaveLength(1)

    decisions.length = 0
    const callsBefore = logsCalls()
    const second = await getLogs({ fromBlock: '0x0', toBlock: hex(head) })
    expect(second.result).toEqual(unlimited())
    expect(second.chunks).toBe(Math.ceil((head + 1) / 60))
    expect(logsCalls() - callsBefore).toBe(second.chunks)
    expect(decisions.every((decision) => decision.result === 'ok' && decision.attempts === 1)).toBe(true)
  })

  it('sends a range to a provider known to serve it before one known not to', async () => {
    const { providers, head, unlimited, getLogs } = logsSetup()
    providers.a.set({ maxLogsBlockRange: 30 })
    await getLogs({ fromBlock: '0x0', toBlock: hex(head) })
    providers.a.resetCalls()
    providers.b.resetCalls()

    const answer = await getLogs({ fromBlock: '0x0', toBlock: hex(100) })

    expect(answer.result).toEqual(unlimited(0, 100))
    expect(answer.providerId).toBe('b')
    expect(answer.chunks).toBeUndefined()
    expect(providers.a.calls('eth_getLogs')).toBe(0)
  })

  it('splits at once by a configured maxLogsBlockRange', async () => {
    const { pool, chain, clock, providers, head, unlimited, getLogs, logsCalls } = logsSetup()
    for (const id of ['a', 'b', 'c'] as const) pool.removeProvider(id)
    const limited = createMockProvider({ chain, clock, id: 'limited', subscriptions: false })
    limited.set({ maxLogsBlockRange: 25 })
    pool.addProvider({ id: 'limited', chain: 'ethereum', upstream: limited, maxLogsBlockRange: 25 })
    void providers

    const answer = await getLogs({ fromBlock: '0x0', toBlock: hex(head) })

    expect(answer.result).toEqual(unlimited())
    expect(answer.chunks).toBe(Math.ceil((head + 1) / 25))
    expect(limited.calls('eth_getLogs')).toBe(answer.chunks)
    expect(logsCalls()).toBe(0)
  })

  it('resolves tags once, so every chunk sees the same range', async () => {
    const { providers, head, unlimited, getLogs } = logsSetup()
    for (const provider of Object.values(providers)) provider.set({ maxLogsBlockRange: 40 })

    const answer = await getLogs({ fromBlock: 'earliest', toBlock: 'latest' })

    expect(answer.result).toEqual(unlimited(0, head))
    expect(answer.chunks).toBe(Math.ceil((head + 1) / 40))
  })

  it('never splits a blockHash query, nor a call pinned to one provider', async () => {
    const { chain, providers, getLogs, head, dense } = logsSetup()
    for (const provider of Object.values(providers))
      provider.set({ maxLogsResults: 7, maxLogsBlockRange: 10 })

    const byHash = await getLogs({ blockHash: chain.blockByNumber(dense)!.hash }).catch(
      (error: unknown) => error,
    )
    expect((byHash as UpstreamRpcError).rpcError.message).toBe('query returned more than 7 results')
    // Asked of each provider once: a refusal is "cannot serve", so the next one is tried.
    expect(Object.values(providers).map((provider) => provider.calls('eth_getLogs'))).toEqual([1, 1, 1])

    const pinned = await getLogs({ fromBlock: '0x0', toBlock: hex(head) }, { providerId: 'b' }).catch(
      (error: unknown) => error,
    )
    expect((pinned as UpstreamRpcError).rpcError.message).toBe('query exceeds max block range 10')
    expect(providers.b.calls('eth_getLogs')).toBe(2)
  })

  it('ends a split at once when the caller aborts, with the chunks in flight cancelled', async () => {
    const { providers, head, getLogs, clock, logsCalls } = logsSetup()
    for (const provider of Object.values(providers)) provider.set({ maxLogsBlockRange: 10 })
    await getLogs({ fromBlock: '0x0', toBlock: hex(head) }) // every provider's limit is now known
    for (const provider of Object.values(providers)) provider.set({ latencyMs: 100 })
    const before = logsCalls()
    const controller = new AbortController()
    clock.setTimeout(() => controller.abort(), 250)

    const aborted = await getLogs(
      { fromBlock: '0x0', toBlock: hex(head) },
      { signal: controller.signal },
    ).catch((error: unknown) => error)

    expect(aborted).toMatchObject({ code: 'ABORTED' })
    // Split at once, 4 chunks at a time, 100 ms each: the third four were in flight at 250 ms.
    expect(logsCalls() - before).toBe(12)
    await settleOnClock(clock, new Promise<void>((resolve) => clock.setTimeout(() => resolve(), 1_000)))
    expect(logsCalls() - before).toBe(12)
  })

  it('holds the split within the request deadline', async () => {
    const { providers, head, getLogs } = logsSetup()
    for (const provider of Object.values(providers)) provider.set({ maxLogsBlockRange: 10, latencyMs: 100 })

    const failed = await getLogs({ fromBlock: '0x0', toBlock: hex(head) }, { deadlineMs: 1_000 }).catch(
      (error: unknown) => error,
    )

    // The whole range refused by each provider (300 ms), then 31 chunks, 4 at a time, 100 ms each (800 ms):
    // the chunks still to go when the 1,000 ms are up end the request.
    expect(failed).toMatchObject({ code: 'ALL_PROVIDERS_FAILED' })
  })

  it('is an add-on: without it a too-wide query goes whole, and a refusal fails over like any error', async () => {
    const { providers, head, getLogs } = logsSetup({ logsSplitting: undefined })
    providers.a.set({ maxLogsBlockRange: 20 })

    const answer = await getLogs({ fromBlock: '0x0', toBlock: hex(head) })

    // a refused the whole range; b, which has no limit, answered it whole. Nothing was cut.
    expect(answer.providerId).toBe('b')
    expect(answer.chunks).toBeUndefined()
    expect(providers.a.calls('eth_getLogs')).toBe(1)
    for (const provider of Object.values(providers)) provider.set({ maxLogsBlockRange: 20 })
    const refused = await getLogs({ fromBlock: '0x0', toBlock: hex(head) }).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(UpstreamRpcError)
  })

  it('takes the chunks in flight from its options, and refuses a bad one', async () => {
    const { providers, head, getLogs, clock, logsCalls } = logsSetup({
      logsSplitting: createLogsSplitting({ concurrency: 2 }),
    })
    for (const provider of Object.values(providers)) provider.set({ maxLogsBlockRange: 10 })
    await getLogs({ fromBlock: '0x0', toBlock: hex(head) }) // every provider's limit is now known
    for (const provider of Object.values(providers)) provider.set({ latencyMs: 100 })
    const before = logsCalls()
    const controller = new AbortController()
    clock.setTimeout(() => controller.abort(), 250)
    await getLogs({ fromBlock: '0x0', toBlock: hex(head) }, { signal: controller.signal }).catch(() => {})
    // 2 chunks at a time, 100 ms each: the third two were in flight at 250 ms.
    expect(logsCalls() - before).toBe(6)

    expect(() => createLogsSplitting({ concurrency: 0 })).toThrow(/concurrency: expected an integer/)
  })
})
