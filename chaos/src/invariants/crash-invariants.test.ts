import { describe, expect, it } from 'vitest'
import type { ClientEvent, SubscriptionEvent } from '../record/history.js'
import { answeredWhileUp, crashClass, historyRestored } from './restart-invariants.js'
import { noBlockTwice, parentLinked, resumedForward, resumes } from './subscription-invariants.js'

// Hand-made histories of one crash (killed at 1 000 ms, ready again at 3 000 ms): for each invariant, one
// that holds and one that breaks it.

const outage = { killedAt: 1_000, readyAt: 3_000 }

function request(sentAt: number, durationMs: number, outcome: ClientEvent['outcome']): ClientEvent {
  return {
    client: 0,
    id: sentAt,
    method: 'eth_blockNumber',
    phase: 'p',
    sentAt,
    durationMs,
    status: outcome === 'result' ? 200 : 0,
    outcome,
    ...(outcome === 'result' ? { answerId: sentAt } : { detail: 'SocketError: other side closed' }),
  }
}

/** Block `n` of a chain whose hashes are `0x<n>` (or `0x<n>b` on branch b), parent-linked. */
function head(at: number, client: number, connection: number, n: number, parent = n - 1): SubscriptionEvent {
  return {
    at,
    client,
    connection,
    kind: 'head',
    head: { number: n, hash: `0x${n}`, parentHash: `0x${parent}` },
  }
}

describe('restart invariants', () => {
  it('classifies requests by the outage: in flight at the kill, sent while down, or up', () => {
    expect(crashClass(request(900, 50, 'result'), [outage])).toBe('up')
    expect(crashClass(request(990, 50, 'transport-error'), [outage])).toBe('in flight at the kill')
    expect(crashClass(request(2_000, 1, 'transport-error'), [outage])).toBe('while down')
    expect(crashClass(request(3_000, 10, 'result'), [outage])).toBe('up')
  })

  it('answered while up: excuses crash casualties, breaks on a failure before the kill or after readiness', () => {
    const crashed = [
      request(500, 10, 'result'),
      request(990, 50, 'transport-error'),
      request(2_000, 1, 'transport-error'),
      request(3_100, 10, 'result'),
    ]
    expect(answeredWhileUp(crashed, [outage])).toMatchObject({
      holds: true,
      measured: '0 of 2 failed while up; during crashes: 1 in flight at the kill, 1 sent while down',
    })
    expect(answeredWhileUp([...crashed, request(3_200, 1, 'transport-error')], [outage]).holds).toBe(false)
    expect(answeredWhileUp([request(500, 10, 'timeout')], [outage]).holds).toBe(false)
    // In flight at the kill, the only excuse is the connection dying with the process.
    expect(answeredWhileUp([{ ...request(990, 50, 'rpc-error') }], [outage]).holds).toBe(false)
  })

  it('history restored: a superset of the snapshot holds; a lost provider or fewer races breaks it', () => {
    const snapshot = {
      leaderboard: [
        { providerId: 'alpha', wins: 5, totalRaces: 6 },
        { providerId: 'bravo', wins: 1, totalRaces: 6 },
      ],
      rpc: [{ providerId: 'alpha', count: 100 }],
    }
    const grown = {
      leaderboard: [
        { providerId: 'alpha', wins: 6, totalRaces: 7 },
        { providerId: 'bravo', wins: 1, totalRaces: 7 },
      ],
      rpc: [{ providerId: 'alpha', count: 120 }],
    }
    expect(historyRestored(snapshot, grown).holds).toBe(true)
    expect(historyRestored(snapshot, { ...grown, leaderboard: grown.leaderboard.slice(0, 1) }).holds).toBe(
      false,
    )
    expect(historyRestored(snapshot, { ...grown, rpc: [{ providerId: 'alpha', count: 99 }] }).holds).toBe(
      false,
    )
    expect(historyRestored({ leaderboard: [], rpc: [] }, grown).holds).toBe(false)
  })
})

describe('subscription invariants', () => {
  const resumed = [head(100, 0, 0, 1), head(900, 0, 0, 2), head(3_500, 0, 1, 5), head(4_300, 0, 1, 6)]

  it('no block twice: a block already delivered on an earlier connection breaks it', () => {
    expect(noBlockTwice(resumed).holds).toBe(true)
    expect(noBlockTwice([...resumed.slice(0, 2), head(3_500, 0, 1, 2)]).holds).toBe(false)
    // Another client seeing the same block is not a repeat.
    expect(noBlockTwice([head(100, 0, 0, 1), head(100, 1, 0, 1)]).holds).toBe(true)
  })

  it('parent linked: checked within each connection, a gap across a reconnect is allowed', () => {
    expect(parentLinked(resumed)).toMatchObject({ holds: true, measured: '2 links checked, 0 broken' })
    expect(parentLinked([...resumed, head(5_100, 0, 1, 8)]).holds).toBe(false)
  })

  it('resumed forward: breaks when a client gets nothing after the restart or goes back', () => {
    expect(resumedForward(resumes(resumed, [1_000]), 1, 1)).toMatchObject({
      holds: true,
      measured: '1 of 1 resumed; blocks skipped across the outage 2–2',
    })
    expect(resumedForward(resumes(resumed.slice(0, 2), [1_000]), 1, 1).holds).toBe(false)
    expect(
      resumedForward(resumes([...resumed.slice(0, 2), head(3_500, 0, 1, 2, 0)], [1_000]), 1, 1).holds,
    ).toBe(false)
    // A client that never received a block is missing from the resumes, and counted.
    expect(resumedForward(resumes(resumed, [1_000]), 2, 1).holds).toBe(false)
  })
})
