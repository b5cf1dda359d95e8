import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { BlockEvent, RoutingDecision } from '../api/types.js'
import { createDashboardStore } from '../stream/dashboard-store.js'
import { nextDecision, seeBlock } from './live-context.js'

const decision = (providerId: string, overrides: Partial<RoutingDecision> = {}): RoutingDecision => ({
  ts: 1_000_000,
  chain: 'ethereum',
  method: 'eth_blockNumber',
  strategy: 'leaderboard',
  providerId,
  durationMs: 3,
  result: 'ok',
  failoverCount: 0,
  attempts: 1,
  ...overrides,
})

const arrive = (store: ReturnType<typeof createDashboardStore>, ...decisions: RoutingDecision[]) =>
  store.apply(decisions.map((payload) => ({ topic: 'routing:decisions', payload })))

describe('nextDecision', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('skips what the feed already shows and other chains, and takes the first match of a batch', async () => {
    const store = createDashboardStore()
    arrive(store, decision('bravo'))
    let found: RoutingDecision | undefined
    void nextDecision(store, 'ethereum', (d) => d.providerId === 'bravo', { timeoutMs: 5_000 }).then(
      (value) => {
        found = value
      },
    )
    arrive(store, decision('alpha'), decision('bravo', { chain: 'polygon' }))
    await vi.advanceTimersByTimeAsync(0)
    expect(found).toBeUndefined()
    const first = decision('bravo', { ts: 1 })
    arrive(store, first, decision('bravo', { ts: 2 }))
    await vi.advanceTimersByTimeAsync(0)
    expect(found).toBe(first)
  })

  it('gives up after the timeout, or at once when the signal aborts', async () => {
    const store = createDashboardStore()
    const timedOut = nextDecision(store, 'ethereum', () => true, { timeoutMs: 5_000 })
    const controller = new AbortController()
    const aborted = nextDecision(store, 'ethereum', () => true, {
      timeoutMs: 60_000,
      signal: controller.signal,
    })
    controller.abort()
    expect(await aborted).toBeUndefined()
    await vi.advanceTimersByTimeAsync(5_000)
    expect(await timedOut).toBeUndefined()
    // Nothing keeps watching: a later match resolves nothing and leaves no timer.
    arrive(store, decision('alpha'))
    expect(vi.getTimerCount()).toBe(0)
  })
})

const block = (number: number, hash: string, chain = 'ethereum'): BlockEvent => ({
  chain,
  number,
  hash,
  parentHash: '0xparent',
  timestamp: 1_700_000_000,
  firstProviderId: 'alpha',
  receivedAt: 1_000_000,
})

describe('seeBlock', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  const show = (store: ReturnType<typeof createDashboardStore>, ...blocks: BlockEvent[]) =>
    store.apply(blocks.map((payload) => ({ topic: 'blocks:new', payload })))

  it('finds a block already shown, or the first of the chain that arrives', async () => {
    const store = createDashboardStore()
    show(store, block(7, '0xa'))
    expect(await seeBlock(store, 'ethereum', (b) => b.hash === '0xa', { timeoutMs: 5_000 })).toMatchObject({
      number: 7,
    })
    let found: BlockEvent | undefined
    void seeBlock(store, 'ethereum', (b) => b.number === 8, { timeoutMs: 5_000 }).then((value) => {
      found = value
    })
    show(store, block(8, '0xb', 'polygon'))
    await vi.advanceTimersByTimeAsync(0)
    expect(found).toBeUndefined()
    show(store, block(8, '0xc'), block(8, '0xd'))
    await vi.advanceTimersByTimeAsync(0)
    expect(found?.hash).toBe('0xc')
  })

  it('gives up after the timeout, or at once when the signal aborts, and leaves no timer', async () => {
    const store = createDashboardStore()
    const timedOut = seeBlock(store, 'ethereum', () => true, { timeoutMs: 5_000 })
    const controller = new AbortController()
    const aborted = seeBlock(store, 'ethereum', () => true, { timeoutMs: 60_000, signal: controller.signal })
    controller.abort()
    expect(await aborted).toBeUndefined()
    await vi.advanceTimersByTimeAsync(5_000)
    expect(await timedOut).toBeUndefined()
    show(store, block(9, '0xe'))
    expect(vi.getTimerCount()).toBe(0)
  })
})
