import { describe, expect, it } from 'vitest'
import type { LeaderboardEntry, RoutingDecision } from '../../api/types.js'
import { createDashboardStore } from '../../stream/dashboard-store.js'
import { createRequestLog, leaderShare, requestLogOf } from './request-log.js'

let ts = 1_000
const decision = (providerId: string, chain = 'ethereum'): RoutingDecision => ({
  ts: ts++,
  chain,
  method: 'eth_blockNumber',
  strategy: 'round-robin',
  providerId,
  durationMs: 3,
  result: 'ok',
  failoverCount: 0,
  attempts: 1,
})
const board = (leader: string): LeaderboardEntry[] => [
  { providerId: 'other', rank: 2 } as LeaderboardEntry,
  { providerId: leader, rank: 1 } as LeaderboardEntry,
]

describe('createRequestLog', () => {
  it('marks requests that did not go to the leader of their moment', () => {
    const log = createRequestLog()
    log.record(decision('alpha'), 'alpha')
    log.record(decision('beta'), 'alpha')
    log.record(decision('beta'), null)
    log.record(decision('beta'), undefined)
    expect(log.entries('ethereum').map((entry) => [entry.decision.providerId, entry.offLeader])).toEqual([
      ['beta', false],
      ['beta', false],
      ['beta', true],
      ['alpha', false],
    ])
  })

  it('keeps the latest per chain and merges chains newest first', () => {
    const log = createRequestLog({ perChain: 2 })
    log.record(decision('a1'), 'a1')
    log.record(decision('p1', 'polygon'), 'p1')
    log.record(decision('a2'), 'a1')
    log.record(decision('a3'), 'a1')
    expect(log.entries('ethereum').map((entry) => entry.decision.providerId)).toEqual(['a3', 'a2'])
    expect(log.entries().map((entry) => entry.decision.providerId)).toEqual(['a3', 'a2'])
    expect(log.entries('polygon')).toHaveLength(1)
  })

  it('forgets the chain seen least recently past maxChains', () => {
    const log = createRequestLog({ maxChains: 2 })
    log.record(decision('a', 'ethereum'), null)
    log.record(decision('b', 'polygon'), null)
    log.record(decision('c', 'arbitrum'), null)
    expect(log.entries('ethereum')).toEqual([])
    expect(log.entries('arbitrum')).toHaveLength(1)
  })

  it('does not log the same decision twice (a replay after reconnect)', () => {
    const log = createRequestLog()
    const once = decision('a')
    log.record(once, 'a')
    log.record({ ...once }, undefined)
    expect(log.entries()).toHaveLength(1)
  })
})

describe('leaderShare', () => {
  it('counts only requests whose leader was known', () => {
    const log = createRequestLog()
    log.record(decision('a'), 'a')
    log.record(decision('b'), 'a')
    log.record(decision('b'), undefined)
    log.record(decision('b'), null)
    expect(leaderShare(log.entries())).toEqual({ known: 2, onLeader: 1 })
  })
})

describe('requestLogOf', () => {
  it('annotates each arriving decision with the leaderboard the page holds at that moment', () => {
    const store = createDashboardStore()
    store.apply([{ topic: 'routing:decisions', payload: decision('early') }])
    const tracker = requestLogOf(store)
    expect(requestLogOf(store)).toBe(tracker)
    store.apply([
      { topic: 'leaderboard', payload: { ethereum: board('alpha') } },
      { topic: 'routing:decisions', payload: decision('alpha') },
    ])
    store.apply([
      { topic: 'leaderboard', payload: { ethereum: board('beta') } },
      { topic: 'routing:decisions', payload: decision('alpha') },
      { topic: 'routing:decisions', payload: decision('gamma', 'polygon') },
    ])
    expect(
      tracker.log.entries().map((entry) => [entry.decision.providerId, entry.leader, entry.offLeader]),
    ).toEqual([
      ['gamma', null, false],
      ['alpha', 'beta', true],
      ['alpha', 'alpha', false],
      ['early', undefined, false],
    ])
    expect(tracker.revision.value).toBe(3)
  })
})
