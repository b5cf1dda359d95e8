import { describe, expect, it } from 'vitest'
import { settleOnClock } from '../testing/run-clock.js'
import { setup } from './mock-pool-setup.js'

// Request coalescing through the pool, over mock providers on a fake clock: identical reads in flight
// together share one upstream call.

const ADDRESS = '0x00000000000000000000000000000000000000aa'
const balance = (address = ADDRESS) => ({
  chain: 'ethereum',
  method: 'eth_getBalance',
  params: [address, 'latest'],
})
const upstreamCalls = (providers: ReturnType<typeof setup>['providers'], method: string) =>
  providers.a.calls(method) + providers.b.calls(method) + providers.c.calls(method)

describe('request coalescing', () => {
  it('answers 100 concurrent identical reads with one upstream call, each caller told how', async () => {
    const { clock, pool, providers, decisions } = setup()
    providers.a.set({ latencyMs: 50 })
    const answers = await settleOnClock(
      clock,
      Promise.all(Array.from({ length: 100 }, () => pool.request(balance()))),
    )
    expect(upstreamCalls(providers, 'eth_getBalance')).toBe(1)
    expect(new Set(answers.map((answer) => answer.result)).size).toBe(1)
    expect(answers.filter((answer) => answer.coalesced === true)).toHaveLength(99)
    expect(answers.every((answer) => answer.providerId === 'a' && answer.attempts === 1)).toBe(true)
    expect(decisions).toHaveLength(100)
    expect(decisions.filter((decision) => decision.coalesced === true)).toHaveLength(99)
  })

  it('merges the same question in other spellings, never different questions', async () => {
    const { clock, pool, providers } = setup()
    providers.a.set({ latencyMs: 50 })
    await settleOnClock(
      clock,
      Promise.all([
        pool.request(balance(ADDRESS)),
        pool.request(balance(ADDRESS.toUpperCase().replace('0X', '0x'))),
        pool.request(balance('0x00000000000000000000000000000000000000bb')),
        pool.request({ chain: 'ethereum', method: 'eth_getBalance', params: [ADDRESS, 'pending'] }),
      ]),
    )
    expect(upstreamCalls(providers, 'eth_getBalance')).toBe(3)
  })

  it('never merges writes, and a call that opts out gets its own upstream call', async () => {
    const { clock, pool, providers } = setup()
    for (const provider of Object.values(providers)) {
      provider.set({ latencyMs: 50 })
      provider.handle('eth_sendRawTransaction', () => ({ result: `0x${'ab'.repeat(32)}` }))
    }
    const send = () =>
      pool.request({ chain: 'ethereum', method: 'eth_sendRawTransaction', params: ['0x02f8'] })
    await settleOnClock(clock, Promise.all([send(), send()]))
    expect(upstreamCalls(providers, 'eth_sendRawTransaction')).toBe(2)
    await settleOnClock(
      clock,
      Promise.all([pool.request(balance()), pool.request(balance(), { coalesce: false })]),
    )
    expect(upstreamCalls(providers, 'eth_getBalance')).toBe(2)
  })

  it('is off with the pool option coalescing: false', async () => {
    const { clock, pool, providers } = setup({ coalescing: false })
    providers.a.set({ latencyMs: 50 })
    await settleOnClock(clock, Promise.all([pool.request(balance()), pool.request(balance())]))
    expect(upstreamCalls(providers, 'eth_getBalance')).toBe(2)
  })

  it('fails over once for every caller when the shared call fails', async () => {
    const { clock, pool, providers } = setup()
    providers.a.set({ latencyMs: 50, failNext: 1 })
    const answers = await settleOnClock(
      clock,
      Promise.all(Array.from({ length: 10 }, () => pool.request(balance()))),
    )
    expect(answers.every((answer) => answer.providerId === 'b' && answer.attempts === 2)).toBe(true)
    expect([providers.a.calls('eth_getBalance'), providers.b.calls('eth_getBalance')]).toEqual([1, 1])
  })

  it('shares a session call only with the same client and session', async () => {
    const { clock, pool, providers, decisions } = setup()
    providers.a.set({ latencyMs: 50 })
    const nonce = { chain: 'ethereum', method: 'eth_getTransactionCount', params: [ADDRESS, 'pending'] }
    for (const provider of Object.values(providers))
      provider.handle('eth_getTransactionCount', () => ({ result: '0x7' }))
    await settleOnClock(
      clock,
      Promise.all([
        pool.request(nonce, { clientId: 'alice' }),
        pool.request(nonce, { clientId: 'alice' }),
        pool.request(nonce, { clientId: 'bob' }),
        pool.request(balance(), { clientId: 'alice', session: 'wallet-1' }),
        pool.request(balance(), { clientId: 'bob', session: 'wallet-1' }),
      ]),
    )
    // alice's two nonce reads share one call; bob's is his own (each client's transaction flow is a
    // session); the two balance reads are in different clients' sessions.
    expect(upstreamCalls(providers, 'eth_getTransactionCount')).toBe(2)
    expect(upstreamCalls(providers, 'eth_getBalance')).toBe(2)
    // The call that joined alice's nonce read is in her session too, and moved nothing.
    const nonces = decisions.filter((decision) => decision.method === 'eth_getTransactionCount')
    const joined = nonces.find((decision) => decision.coalesced)
    expect(joined?.session).toBeDefined()
    expect(nonces.filter((decision) => decision.session === joined?.session)).toHaveLength(2)
    expect(nonces.some((decision) => decision.sessionMoved && decision.coalesced)).toBe(false)
  })

  it('keeps answering the callers that stay when the one that started the call gives up', async () => {
    const { clock, pool, providers } = setup()
    providers.a.set({ latencyMs: 50 })
    const leaving = new AbortController()
    const first = pool.request(balance(), { signal: leaving.signal })
    const second = pool.request(balance())
    leaving.abort()
    await expect(first).rejects.toMatchObject({ code: 'ABORTED' })
    expect(await settleOnClock(clock, second)).toMatchObject({ providerId: 'a', coalesced: true })
    expect(upstreamCalls(providers, 'eth_getBalance')).toBe(1)
  })
})
