import { describe, expect, it } from 'vitest'
import { createMockProvider } from '../testing/mock-provider.js'
import { advanceInSteps, settleOnClock } from '../testing/run-clock.js'
import { setup } from './mock-pool-setup.js'
import { STATE_MISS_TTL_MS } from './provider/provider-runtime.js'

// History-aware routing through the pool over mock providers on a fake clock: a provider that keeps only
// its newest blocks' state (`stateHistoryBlocks`, answering geth's "missing trie node" for older ones)
// gets state reads of old blocks last once it is known to lack them, and back when that turns out wrong.

const ACCOUNT = '0x00000000000000000000000000000000000000aa'
const hex = (value: number) => `0x${value.toString(16)}`

/** A pool (a, b, c by priority) over a chain of 403 blocks, every provider's head known. */
async function historySetup(...args: Parameters<typeof setup>) {
  const context = setup(...args)
  context.chain.mine(400)
  const head = Number.parseInt(context.chain.head().number, 16)
  // The heads poller runs every headPollIntervalMs (60 s here): one round, so every head is known.
  await advanceInSteps(context.clock, 60_000, 1_000)
  const balanceAt = (block: number | string) =>
    settleOnClock(
      context.clock,
      context.pool.request(
        {
          chain: 'ethereum',
          method: 'eth_getBalance',
          params: [ACCOUNT, typeof block === 'number' ? hex(block) : block],
        },
        { coalesce: false },
      ),
    )
  const balanceCalls = () =>
    Object.fromEntries(Object.entries(context.providers).map(([id, p]) => [id, p.calls('eth_getBalance')]))
  const earliest = (id: string) => context.pool.providers().find((p) => p.id === id)!.earliestStateBlock
  return { ...context, head, balanceAt, balanceCalls, earliest }
}

describe('history-aware routing through the pool', () => {
  it('knows every head (the rest of this file relies on it)', async () => {
    const { pool, head } = await historySetup()
    expect(pool.providers().map((provider) => provider.head)).toEqual([head, head, head])
  })

  it('asks a pruned provider for old state once, then the archive ones first; recent state still goes to it', async () => {
    const { providers, head, balanceAt, balanceCalls, earliest } = await historySetup()
    providers.a.set({ stateHistoryBlocks: 128 })

    const first = await balanceAt(10)
    expect(first).toMatchObject({ providerId: 'b', attempts: 2 })
    expect(earliest('a')).toBe(head - 127)

    for (const block of [5, 11, 200, head - 128]) {
      expect(await balanceAt(block)).toMatchObject({ providerId: 'b', attempts: 1 })
    }
    expect(balanceCalls()).toEqual({ a: 1, b: 5, c: 0 })
    // Its newest 128 blocks, and anything by tag: it keeps them, and stays first.
    expect(await balanceAt(head - 127)).toMatchObject({ providerId: 'a', attempts: 1 })
    expect(await balanceAt('latest')).toMatchObject({ providerId: 'a', attempts: 1 })
    // The archive providers were never held to account for anything.
    expect(earliest('b')).toBeUndefined()
  })

  it('takes a pruned provider back at once when it serves a block it was taken to lack', async () => {
    const { providers, balanceAt, earliest } = await historySetup()
    providers.a.set({ stateHistoryBlocks: 128 })
    await balanceAt(10)
    expect(earliest('a')).toBeDefined()

    // Resynced as an archive node; the others fail, so it is asked, and answers.
    providers.a.set({ stateHistoryBlocks: null })
    providers.b.set({ mode: 'down' })
    providers.c.set({ mode: 'down' })
    expect(await balanceAt(10)).toMatchObject({ providerId: 'a', attempts: 3 })
    expect(earliest('a')).toBeUndefined()
    providers.b.set({ mode: 'up' })
    providers.c.set({ mode: 'up' })
    expect(await balanceAt(20)).toMatchObject({ providerId: 'a', attempts: 1 })
  })

  it('takes a revert at an old block as proof the provider keeps that state', async () => {
    const { clock, chain, pool, providers, earliest } = await historySetup()
    const CONTRACT = '0x00000000000000000000000000000000000000cc'
    chain.setCall({ to: CONTRACT }, { revert: '0x', message: 'execution reverted' })
    providers.a.set({ stateHistoryBlocks: 128 })
    const callAt = (block: number) =>
      settleOnClock(
        clock,
        pool.request({ chain: 'ethereum', method: 'eth_call', params: [{ to: CONTRACT }, hex(block)] }),
      )
    // Every provider reverts; a lacks the state, so b's revert is the answer.
    await expect(callAt(10)).rejects.toMatchObject({ providerId: 'b', rpcError: { code: 3 } })
    expect(earliest('a')).toBeDefined()

    providers.a.set({ stateHistoryBlocks: null })
    providers.b.set({ mode: 'down' })
    providers.c.set({ mode: 'down' })
    await expect(callAt(10)).rejects.toMatchObject({ providerId: 'a', rpcError: { code: 3 } })
    expect(earliest('a')).toBeUndefined()
  })

  it('forgets a miss after ten minutes: one answer does not exile a provider', async () => {
    const { clock, providers, balanceAt, balanceCalls, earliest } = await historySetup()
    providers.a.set({ stateHistoryBlocks: 128 })
    await balanceAt(10)
    await advanceInSteps(clock, STATE_MISS_TTL_MS, 10_000)
    expect(earliest('a')).toBeUndefined()
    expect(await balanceAt(10)).toMatchObject({ providerId: 'b', attempts: 2 })
    expect(balanceCalls()).toMatchObject({ a: 2 })
  })

  it('never leaves a provider out: when every one lacks the state, each is asked and the answer relayed', async () => {
    const { providers, balanceAt, balanceCalls } = await historySetup()
    for (const provider of Object.values(providers)) provider.set({ stateHistoryBlocks: 128 })

    for (let round = 0; round < 2; round++)
      await expect(balanceAt(10)).rejects.toMatchObject({
        rpcError: {
          code: -32000,
          message: expect.stringMatching(/^missing trie node [0-9a-f]{64} \(path \)$/),
        },
        routing: { attempts: 3 },
      })
    expect(balanceCalls()).toEqual({ a: 2, b: 2, c: 2 })
  })

  it('sends old state reads past a provider configured with stateHistoryBlocks, without a miss', async () => {
    const { clock, chain, pool, head, balanceAt, balanceCalls, earliest } = await historySetup()
    const full = createMockProvider({ chain, clock, id: 'full', subscriptions: false })
    full.set({ stateHistoryBlocks: 128 })
    pool.addProvider({ id: 'full', chain: 'ethereum', upstream: full, priority: -1, stateHistoryBlocks: 128 })
    await advanceInSteps(clock, 60_000, 1_000)
    expect(earliest('full')).toBe(head - 127)

    expect(await balanceAt(10)).toMatchObject({ providerId: 'a', attempts: 1 })
    expect(await balanceAt(head - 127)).toMatchObject({ providerId: 'full', attempts: 1 })
    expect(full.calls('eth_getBalance')).toBe(1)
    expect(balanceCalls()).toEqual({ a: 1, b: 0, c: 0 })
  })
})
