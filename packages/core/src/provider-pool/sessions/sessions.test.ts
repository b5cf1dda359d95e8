import { describe, expect, it } from 'vitest'
import { createFakeClock } from '../../clock/fake-clock.js'
import { createSessions, type SessionsOptions, TRANSACTION_FLOW_METHODS } from './sessions.js'

function sessionsOf(options: Partial<Omit<SessionsOptions, 'clock' | 'newId'>> = {}) {
  const clock = createFakeClock()
  let next = 0
  const sessions = createSessions({
    idleTtlMs: 1_000,
    maxSessions: 100,
    maxPerClient: 50,
    transactionFlow: { idleTtlMs: 200, methods: TRANSACTION_FLOW_METHODS },
    ...options,
    clock,
    newId: () => `id${++next}`,
  })
  /** One call of a session: planned on `first`, answered by `answeredBy`. */
  const call = (
    key: string | undefined,
    first: string,
    answeredBy: string | undefined,
    clientId = 'alice',
  ) => {
    const session = sessions.open('ethereum', 'eth_call', clientId, key)
    session?.start(session.providerId ?? first)
    return { on: session?.providerId, note: session?.settle(answeredBy) }
  }
  return { clock, sessions, call }
}

describe('createSessions', () => {
  it('starts a session where its first call is planned and keeps it there', () => {
    const { call } = sessionsOf()
    expect(call('k', 'a', 'a')).toEqual({ on: undefined, note: { session: 'id1' } })
    expect(call('k', 'b', 'a')).toEqual({ on: 'a', note: { session: 'id1' } })
  })

  it('places a new session on the provider that answered its first call, without a move', () => {
    const { call } = sessionsOf()
    expect(call('k', 'a', 'b').note).toEqual({ session: 'id1' })
    expect(call('k', 'a', 'b').on).toBe('b')
  })

  it('moves the session to the provider that answered, once, and says from where', () => {
    const { call } = sessionsOf()
    call('k', 'a', 'a')
    expect(call('k', 'a', 'b').note).toEqual({ session: 'id1', movedFrom: 'a' })
    expect(call('k', 'a', 'b')).toEqual({ on: 'b', note: { session: 'id1' } })
  })

  it('stays put when nothing answered', () => {
    const { call } = sessionsOf()
    call('k', 'a', 'a')
    expect(call('k', 'a', undefined).note).toEqual({ session: 'id1' })
    expect(call('k', 'b', 'a').on).toBe('a')
  })

  it('stays put when a call made a detour of its own, answered elsewhere', () => {
    const { sessions, call } = sessionsOf()
    call('k', 'a', 'a')
    const detoured = sessions.open('ethereum', 'eth_getBlockByNumber', 'alice', 'k')!
    detoured.detour()
    expect(detoured.settle('b')).toEqual({ session: 'id1' })
    expect(call('k', 'b', 'a').on).toBe('a')
  })

  it('moves a session once when calls in flight together fail over', () => {
    const { sessions } = sessionsOf()
    const first = sessions.open('ethereum', 'eth_call', 'alice', 'k')!
    first.start('a')
    first.settle('a')
    // Three calls planned on a, answered elsewhere after a failed: the first answer moves the session;
    // the others came from the same out-of-date choice, and a later failover target does not move it on.
    const inFlight = [1, 2, 3].map(() => sessions.open('ethereum', 'eth_call', 'alice', 'k')!)
    expect(inFlight.map((session) => session.providerId)).toEqual(['a', 'a', 'a'])
    expect(inFlight.map((session, index) => session.settle(index === 2 ? 'c' : 'b'))).toEqual([
      { session: 'id1', movedFrom: 'a' },
      { session: 'id1' },
      { session: 'id1' },
    ])
    expect(sessions.open('ethereum', 'eth_call', 'alice', 'k')!.providerId).toBe('b')
  })

  it('lets calls of a new session made before its first answer join it', () => {
    const { sessions } = sessionsOf()
    const one = sessions.open('ethereum', 'eth_call', 'alice', 'k')!
    one.start('a')
    const two = sessions.open('ethereum', 'eth_call', 'alice', 'k')!
    expect(two.providerId).toBe('a')
    expect(two.settle('a')).toEqual({ session: 'id1' })
    expect(one.settle('a')).toEqual({ session: 'id1' })
  })

  it('keeps sessions apart per client and per chain, however the client id reads', () => {
    const { sessions, call } = sessionsOf()
    call('k', 'a', 'a', 'alice')
    expect(call('k', 'b', 'b', 'bob')).toEqual({ on: undefined, note: { session: 'id2' } })
    // Client "1:a" with key "k" and client "1" with key ":ak" must not meet.
    call('k', 'a', 'a', '1:a')
    expect(call(':ak', 'c', 'c', '1').on).toBeUndefined()
    const polygon = sessions.open('polygon', 'eth_call', 'alice', 'k')
    expect(polygon?.providerId).toBeUndefined()
  })

  it('forgets a session idle for its TTL, and counts every call as activity', () => {
    const { clock, call } = sessionsOf()
    call('k', 'a', 'a')
    clock.advance(999)
    expect(call('k', 'b', 'a').on).toBe('a')
    clock.advance(999)
    expect(call('k', 'b', 'a').on).toBe('a')
    clock.advance(1_000)
    expect(call('k', 'b', 'b')).toEqual({ on: undefined, note: { session: 'id2' } })
  })

  it('holds at most maxSessions, forgetting the least recently used', () => {
    const { sessions, call } = sessionsOf({ maxSessions: 3 })
    for (const key of ['k1', 'k2', 'k3']) call(key, 'a', 'a')
    call('k1', 'a', 'a') // k2 is now the least recently used
    call('k4', 'b', 'b')
    expect(sessions.size()).toBe(3)
    expect(call('k1', 'x', 'a').on).toBe('a')
    expect(call('k3', 'x', 'a').on).toBe('a')
    expect(call('k4', 'x', 'b').on).toBe('b')
    expect(sessions.open('ethereum', 'eth_call', 'alice', 'k2')?.providerId).toBeUndefined()
  })

  it("holds at most maxPerClient per client: a client minting keys pushes out its own sessions, not another's", () => {
    const { sessions, call } = sessionsOf({ maxSessions: 10, maxPerClient: 3 })
    call('k', 'a', 'a', 'bob')
    for (let index = 0; index < 20; index++) call(`k${index}`, 'b', 'b', 'mallory')
    expect(sessions.size()).toBe(4)
    expect(call('k', 'x', 'a', 'bob').on).toBe('a')
    // Mallory keeps her three most recent.
    expect(call('k19', 'x', 'b', 'mallory').on).toBe('b')
    expect(call('k17', 'x', 'b', 'mallory').on).toBe('b')
    expect(sessions.open('ethereum', 'eth_call', 'mallory', 'k16')?.providerId).toBeUndefined()
  })

  it('drops expired sessions first when a new one needs room', () => {
    const { clock, sessions, call } = sessionsOf({ maxSessions: 1_000, maxPerClient: 1_000 })
    for (let index = 0; index < 500; index++) call(`k${index}`, 'a', 'a')
    clock.advance(1_000)
    call('fresh', 'a', 'a')
    expect(sessions.size()).toBe(1)
  })

  it("gives a client's transaction-flow calls one session of their own, with its own TTL", () => {
    const { clock, sessions } = sessionsOf()
    const flow = (method: string, answeredBy: string, clientId = 'alice') => {
      const session = sessions.open('ethereum', method, clientId, undefined)
      session?.start(session.providerId ?? answeredBy)
      return { on: session?.providerId, note: session?.settle(answeredBy) }
    }
    expect(flow('eth_getTransactionCount', 'a')).toEqual({ on: undefined, note: { session: 'id1' } })
    expect(flow('eth_estimateGas', 'a').on).toBe('a')
    expect(flow('eth_sendRawTransaction', 'a').on).toBe('a')
    expect(flow('eth_getTransactionReceipt', 'a', 'bob').on).toBeUndefined()
    // Other methods are outside it, and an explicit key is a session of its own.
    expect(sessions.open('ethereum', 'eth_blockNumber', 'alice', undefined)).toBeUndefined()
    expect(sessions.open('ethereum', 'eth_getTransactionCount', 'alice', 'k')?.providerId).toBeUndefined()
    clock.advance(200)
    expect(flow('eth_getTransactionReceipt', 'b').on).toBeUndefined()
  })

  it('has no implicit session with transactionFlow off', () => {
    const { sessions } = sessionsOf({ transactionFlow: false })
    expect(sessions.open('ethereum', 'eth_sendRawTransaction', 'alice', undefined)).toBeUndefined()
  })
})
