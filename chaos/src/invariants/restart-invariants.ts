import type { LeaderboardEntry, RpcStatsRow } from '@chainpulse/core'
import type { ClientEvent } from '../record/history.js'
import { type Verdict, verdict } from './verdict.js'

/** One crash of the server: when it was killed and when its restarted process was ready again. */
export interface Outage {
  killedAt: number
  readyAt: number
}

/** How a request relates to the outages: sent while the server was up, or caught by a crash. */
export type CrashClass = 'up' | 'in flight at the kill' | 'while down'

/**
 * Classifies a request: `while down` when sent between a kill and the restarted server's readiness;
 * `in flight at the kill` when sent before a kill and still unanswered when it came; `up` otherwise.
 */
export function crashClass(event: ClientEvent, outages: readonly Outage[]): CrashClass {
  for (const { killedAt, readyAt } of outages) {
    if (event.sentAt >= killedAt && event.sentAt < readyAt) return 'while down'
    if (event.sentAt < killedAt && event.sentAt + event.durationMs >= killedAt) return 'in flight at the kill'
  }
  return 'up'
}

/**
 * Every request sent while the server was up got a JSON-RPC result: before each kill and from each
 * restart's readiness on. A request in flight at the kill may fail only with a transport error (the
 * connection died with the process); requests sent while it was down are counted, not judged.
 */
export function answeredWhileUp(events: readonly ClientEvent[], outages: readonly Outage[]): Verdict {
  const violations: string[] = []
  const counts = { up: 0, 'in flight at the kill': 0, 'while down': 0 }
  let upFailed = 0
  for (const event of events) {
    const kind = crashClass(event, outages)
    counts[kind]++
    const excused =
      kind === 'while down' || (kind === 'in flight at the kill' && event.outcome === 'transport-error')
    if (event.outcome === 'result' || excused) continue
    if (kind === 'up') upFailed++
    violations.push(
      `${event.method} id ${event.id} at ${Math.round(event.sentAt)} ms (${kind}): ${event.outcome}${event.errorMessage ? ` ${event.errorCode} ${event.errorMessage}` : ''}${event.detail ? ` ${event.detail}` : ''}`,
    )
  }
  return verdict(
    'every request sent while the server was up got a result',
    `${upFailed} of ${counts.up} failed while up; during crashes: ${counts['in flight at the kill']} in flight at the kill, ${counts['while down']} sent while down`,
    violations,
  )
}

/** Race and call figures per provider, as a snapshot file or the API shows them. */
export interface BenchmarkFigures {
  leaderboard: readonly Pick<LeaderboardEntry, 'providerId' | 'wins' | 'totalRaces'>[]
  rpc: readonly Pick<RpcStatsRow, 'providerId' | 'count'>[]
}

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0)

/**
 * The history the server restored is the snapshot's or more: the snapshot held races and calls, and
 * after the restart every provider's wins, races and call count are at least the snapshot's (new
 * traffic only adds).
 */
export function historyRestored(snapshot: BenchmarkFigures, restored: BenchmarkFigures): Verdict {
  const violations: string[] = []
  const races = (figures: BenchmarkFigures) => sum(figures.leaderboard.map((row) => row.totalRaces))
  const calls = (figures: BenchmarkFigures) => sum(figures.rpc.map((row) => row.count))
  if (races(snapshot) === 0) violations.push('the snapshot before the kill held no races')
  if (calls(snapshot) === 0) violations.push('the snapshot before the kill held no calls')
  for (const before of snapshot.leaderboard) {
    const after = restored.leaderboard.find((row) => row.providerId === before.providerId)
    if (!after || after.wins < before.wins || after.totalRaces < before.totalRaces)
      violations.push(
        `${before.providerId}: snapshot ${before.wins} wins of ${before.totalRaces} races, after the restart ${after ? `${after.wins} of ${after.totalRaces}` : 'absent'}`,
      )
  }
  for (const before of snapshot.rpc) {
    const after = restored.rpc.find((row) => row.providerId === before.providerId)
    if (!after || after.count < before.count)
      violations.push(
        `${before.providerId}: snapshot ${before.count} calls, after the restart ${after?.count ?? 'absent'}`,
      )
  }
  return verdict(
    'race and call history restored from the last snapshot',
    `snapshot ${races(snapshot)} races, ${calls(snapshot)} calls; API after the restart ${races(restored)} races, ${calls(restored)} calls`,
    violations,
  )
}
