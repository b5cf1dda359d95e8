import { describe, expect, it } from 'vitest'
import { advanceInSteps, settleOnClock } from '../../testing/run-clock.js'
import { type Setup, setup } from '../mock-pool-setup.js'
import type { PoolRequestOptions } from '../types.js'

// Session affinity through the pool, over mock providers on a fake clock. Round-robin routing, so any
// call that is not held by a session would visit every provider in turn.

const SENDER = '0x00000000000000000000000000000000000000aa'
const RAW = '0x02f86c0180843b9aca00850c92a69c0082520894000000000000000000000000000000000000dead8080c0'

function sessionPool(options: Parameters<typeof setup>[0] = {}): Setup {
  const pool = setup({ strategy: 'round-robin', ...options })
  for (const provider of Object.values(pool.providers)) {
    provider.handle('eth_getTransactionCount', () => ({ result: '0x7' }))
    provider.handle('eth_estimateGas', () => ({ result: '0x5208' }))
    provider.handle('eth_sendRawTransaction', () => ({ result: `0x${'ab'.repeat(32)}` }))
    provider.handle('eth_getTransactionReceipt', () => ({ result: null }))
  }
  return pool
}

/** One wallet's nonce → estimate → send, as the provider ids that answered each call. */
async function sendFlow({ clock, pool }: Setup, options: PoolRequestOptions): Promise<string[]> {
  const calls = [
    { method: 'eth_getTransactionCount', params: [SENDER, 'pending'] },
    { method: 'eth_estimateGas', params: [{ from: SENDER, to: SENDER, value: '0x1' }] },
    { method: 'eth_sendRawTransaction', params: [RAW] },
  ]
  const answered: string[] = []
  for (const call of calls)
    answered.push(
      (await settleOnClock(clock, pool.request({ chain: 'ethereum', ...call }, options))).providerId,
    )
  return answered
}

const read = ({ clock, pool }: Setup, options: PoolRequestOptions, method = 'eth_chainId') =>
  settleOnClock(clock, pool.request({ chain: 'ethereum', method }, options)).then(
    (answer) => answer.providerId,
  )

describe('session affinity', () => {
  it('keeps a burst of nonce → estimate → send over one session key on one provider', async () => {
    // Coalescing off: the three flows ask identical questions at once, and each call must reach a provider.
    const setupResult = sessionPool({ sessions: { transactionFlow: false }, coalescing: false })
    const flows = await Promise.all(
      [1, 2, 3].map(() => sendFlow(setupResult, { session: 'wallet-1', clientId: 'alice' })),
    )
    const used = new Set(flows.flat())
    expect(used.size).toBe(1)
    // The same calls without a session go round the providers.
    expect(new Set(await sendFlow(setupResult, { clientId: 'alice' })).size).toBeGreaterThan(1)
    const sessionDecisions = setupResult.decisions.filter((decision) => decision.session !== undefined)
    expect(sessionDecisions).toHaveLength(9)
    expect(new Set(sessionDecisions.map((decision) => decision.session)).size).toBe(1)
    expect(sessionDecisions.some((decision) => decision.sessionMoved)).toBe(false)
  })

  it('moves the session once when its provider dies, then stays on the new one', async () => {
    const setupResult = sessionPool({ sessions: { transactionFlow: false } })
    const { providers, decisions } = setupResult
    const options = { session: 'wallet-1', clientId: 'alice' }
    const [home] = await sendFlow(setupResult, options)
    providers[home as 'a' | 'b' | 'c'].set({ mode: 'down' })
    const after = [...(await sendFlow(setupResult, options)), ...(await sendFlow(setupResult, options))]
    expect(new Set(after).size).toBe(1)
    expect(after[0]).not.toBe(home)
    const moves = decisions.filter((decision) => decision.sessionMoved)
    expect(moves).toEqual([
      expect.objectContaining({
        method: 'eth_getTransactionCount',
        providerId: after[0],
        previousProviderId: home,
        sessionMoved: true,
        session: decisions[0]!.session,
        failoverCount: 1,
      }),
    ])
  })

  it('leaves a provider whose breaker other traffic opened, without trying it', async () => {
    const setupResult = sessionPool({
      strategy: 'priority',
      breaker: { failureThreshold: 2, halfOpenAfterMs: 60_000 },
    })
    const { pool, providers, decisions } = setupResult
    const options = { session: 'k', clientId: 'alice' }
    expect(await read(setupResult, options)).toBe('a')
    // Another client's calls (no session) find a failing and open its breaker.
    providers.a.set({ failNext: 2 })
    for (let call = 0; call < 2; call++) await read(setupResult, { clientId: 'bob' })
    expect(pool.providers().find((provider) => provider.id === 'a')?.breaker).toBe('open')
    const callsOnA = providers.a.calls()
    expect(await read(setupResult, options)).toBe('b')
    expect(providers.a.calls()).toBe(callsOnA)
    expect(decisions.filter((decision) => decision.sessionMoved)).toEqual([
      expect.objectContaining({ providerId: 'b', previousProviderId: 'a', failoverCount: 0 }),
    ])
  })

  it("hedges a placed session's calls only after maxDelayMs: a slow provider keeps its session, other calls are hedged", async () => {
    const setupResult = sessionPool({ strategy: 'priority', hedge: { delayMs: 50 } })
    const { clock, pool, providers, decisions } = setupResult
    const options = { session: 'k' }
    expect(await read(setupResult, options)).toBe('a')
    providers.a.set({ latencyMs: 1_000 })
    providers.b.set({ latencyMs: 10 })
    const started = clock.now()
    const held = await settleOnClock(
      clock,
      pool.request({ chain: 'ethereum', method: 'eth_chainId' }, options),
    )
    expect(held).toMatchObject({ providerId: 'a', attempts: 1 })
    expect(clock.now() - started).toBeGreaterThanOrEqual(1_000)
    expect(await read(setupResult, {})).toBe('b')
    expect(decisions.filter((decision) => decision.sessionMoved)).toEqual([])
  })

  it('moves a session off a node that stalls, to the node that answered its hedged call after maxDelayMs', async () => {
    const setupResult = sessionPool({ strategy: 'priority', hedge: { delayMs: 50, maxDelayMs: 2_000 } })
    const { clock, pool, providers, decisions } = setupResult
    const options = { session: 'k' }
    expect(await read(setupResult, options)).toBe('a')
    providers.a.set({ mode: 'hang' })
    const started = clock.now()
    const moved = await settleOnClock(
      clock,
      pool.request({ chain: 'ethereum', method: 'eth_chainId' }, options),
    )
    expect(moved).toMatchObject({ providerId: 'b', attempts: 2 })
    // Hedged at 2 s, not failed over at the 10 s attempt timeout.
    expect(clock.now() - started).toBeLessThan(2_500)
    expect(decisions.filter((decision) => decision.sessionMoved)).toEqual([
      expect.objectContaining({ providerId: 'b', previousProviderId: 'a' }),
    ])
    expect(await read(setupResult, options)).toBe('b')
  })

  it('leaves a provider the health probes found down, without trying it', async () => {
    const setupResult = sessionPool({ strategy: 'priority', healthCheck: { intervalMs: 1_000 } })
    const { clock, pool, providers, decisions } = setupResult
    const options = { session: 'k' }
    const method = 'eth_getTransactionCount' // not what the probes call
    expect(await read(setupResult, options, method)).toBe('a')
    providers.a.set({ mode: 'down' })
    await advanceInSteps(clock, 2_000)
    expect(pool.providers().find((provider) => provider.id === 'a')?.health).toBe('down')
    expect(await read(setupResult, options, method)).toBe('b')
    expect(providers.a.calls(method)).toBe(1)
    expect(decisions.filter((decision) => decision.sessionMoved)).toEqual([
      expect.objectContaining({ providerId: 'b', previousProviderId: 'a', failoverCount: 0 }),
    ])
  })

  it('leaves a cooling-down provider at once, and does not come back when it recovers', async () => {
    const setupResult = sessionPool()
    const { pool } = setupResult
    const options = { session: 'k' }
    const home = await read(setupResult, options)
    pool.cooldown(home, 1_000)
    const moved = await read(setupResult, options)
    expect(moved).not.toBe(home)
    expect(setupResult.providers[home as 'a' | 'b' | 'c'].calls('eth_chainId')).toBe(1)
    await advanceInSteps(setupResult.clock, 1_000)
    expect(await read(setupResult, options)).toBe(moved)
    expect(setupResult.decisions.filter((decision) => decision.sessionMoved)).toHaveLength(1)
  })

  it('leaves a lagging provider for calls that need the tip only', async () => {
    const setupResult = sessionPool({ strategy: 'priority', headPollIntervalMs: 100 })
    const { chain, clock, providers, pool } = setupResult
    const options = { session: 'k' }
    expect(await read(setupResult, options)).toBe('a')
    providers.a.set({ lagBlocks: 5 })
    chain.mine(6)
    await advanceInSteps(clock, 300)
    expect(pool.providers().find((provider) => provider.id === 'a')?.health).toBe('lagging')
    expect(await read(setupResult, options, 'eth_chainId')).toBe('a')
    expect(await read(setupResult, options, 'eth_blockNumber')).toBe('b')
    expect(await read(setupResult, options, 'eth_chainId')).toBe('b')
  })

  it('sends a call naming a block its provider has not reported yet elsewhere, without moving the session', async () => {
    const setupResult = sessionPool({ strategy: 'priority', headPollIntervalMs: 100 })
    const { chain, clock, providers, pool, decisions } = setupResult
    const options = { session: 'k' }
    expect(await read(setupResult, options)).toBe('a')
    // One block behind: not lagging (maxLagBlocks 3), but without the newest block yet.
    providers.a.set({ lagBlocks: 1 })
    chain.mine(2)
    await advanceInSteps(clock, 300)
    expect(pool.providers().find((provider) => provider.id === 'a')?.health).toBe('healthy')
    const tip = chain.head().number
    const block = await settleOnClock(
      clock,
      pool.request({ chain: 'ethereum', method: 'eth_getBlockByNumber', params: [tip, false] }, options),
    )
    expect(block.providerId).toBe('b')
    expect(await read(setupResult, options)).toBe('a')
    expect(decisions.filter((decision) => decision.sessionMoved)).toEqual([])
    expect(new Set(decisions.map((decision) => decision.session)).size).toBe(1)
  })

  it("derives a session for a client's transaction flow without a key, one per client", async () => {
    const setupResult = sessionPool()
    const alice = await sendFlow(setupResult, { clientId: 'alice' })
    const bob = await sendFlow(setupResult, { clientId: 'bob' })
    expect(new Set(alice).size).toBe(1)
    expect(new Set(bob).size).toBe(1)
    const flowDecisions = setupResult.decisions.filter((decision) => decision.method !== 'eth_chainId')
    // Each client has a session of its own.
    expect(new Set(flowDecisions.map((decision) => decision.session)).size).toBe(2)
    // Reads outside the flow are routed by the strategy as before.
    const reads: string[] = []
    for (let call = 0; call < 3; call++) reads.push(await read(setupResult, { clientId: 'alice' }))
    expect(new Set(reads).size).toBe(3)
    expect(flowDecisions.every((decision) => decision.session !== undefined)).toBe(true)
    expect(setupResult.decisions.filter((decision) => decision.method === 'eth_chainId')).toEqual(
      expect.not.arrayContaining([expect.objectContaining({ session: expect.anything() })]),
    )
  })

  it('forgets an idle session after its TTL', async () => {
    const setupResult = sessionPool({ sessions: { idleTtlMs: 5_000 } })
    const options = { session: 'k' }
    const first = await read(setupResult, options)
    expect(await read(setupResult, options)).toBe(first)
    await advanceInSteps(setupResult.clock, 5_000, 100)
    // A new session: round-robin moves on, and the decision names a new session id, not a move.
    expect(await read(setupResult, options)).not.toBe(first)
    const [one, two, three] = setupResult.decisions
    expect(one!.session).toBe(two!.session)
    expect(three!.session).not.toBe(one!.session)
    expect(three!.sessionMoved).toBeUndefined()
  })

  it('holds at most maxSessions', async () => {
    const setupResult = sessionPool({ sessions: { maxSessions: 2 } })
    const first = await read(setupResult, { session: 'k1' })
    await read(setupResult, { session: 'k2' })
    await read(setupResult, { session: 'k3' })
    await read(setupResult, {}) // the rotation moves on to the provider after k1's
    // k1 was the least recently used: forgotten, so round-robin places it afresh, as a new session.
    const again = await read(setupResult, { session: 'k1' })
    expect(again).not.toBe(first)
    const ids = setupResult.decisions.map((decision) => decision.session)
    expect(ids[4]).not.toBe(ids[0])
    expect(setupResult.decisions[4]!.sessionMoved).toBeUndefined()
  })

  it('is ignored by pinned requests, which neither follow nor move it', async () => {
    const setupResult = sessionPool({ strategy: 'priority' })
    expect(await read(setupResult, { session: 'k' })).toBe('a')
    expect(await read(setupResult, { session: 'k', providerId: 'c' })).toBe('c')
    expect(await read(setupResult, { session: 'k' })).toBe('a')
    expect(setupResult.decisions[1]).not.toHaveProperty('session')
  })

  it('is honoured by strategy requests: the strategy only picks the first provider', async () => {
    const setupResult = sessionPool({ strategy: 'priority' })
    const answered = []
    for (let call = 0; call < 3; call++)
      answered.push(await read(setupResult, { session: 'k', strategy: 'round-robin' }))
    expect(new Set(answered).size).toBe(1)
  })

  it('never puts the session key or the client id in a decision', async () => {
    const setupResult = sessionPool()
    await read(setupResult, { session: 'secret-session-key', clientId: 'secret-api-key' })
    const text = JSON.stringify(setupResult.decisions)
    expect(text).not.toContain('secret')
    expect(setupResult.decisions[0]!.session).toMatch(/^[0-9a-f]{12}$/)
  })
})
