import type { ClientEvent } from '../record/history.js'
import { type Verdict, verdict } from './verdict.js'

const describe = (event: ClientEvent) =>
  `${event.method} id ${event.id} at ${Math.round(event.sentAt)} ms (${event.phase}): ${event.outcome}` +
  `${event.errorCode === undefined ? '' : ` ${event.errorCode} ${event.errorMessage}`}` +
  `${event.detail ? ` ${event.detail}` : ''}`

/** Every request got a JSON-RPC `result` on HTTP 200: zero client-visible errors. */
export function everyRequestSucceeded(events: readonly ClientEvent[]): Verdict {
  const failed = events.filter((event) => event.outcome !== 'result')
  return verdict(
    'zero client-visible errors',
    `${failed.length} of ${events.length} failed`,
    failed.map(describe),
  )
}

/** Every answer carries exactly the id its request was sent with (the same value and type). */
export function exactIds(events: readonly ClientEvent[]): Verdict {
  const answered = events.filter((event) => event.outcome === 'result' || event.outcome === 'rpc-error')
  const wrong = answered.filter((event) => event.answerId !== event.id)
  return verdict(
    'every answer carries its request id exactly',
    `${wrong.length} of ${answered.length} answers with a wrong id`,
    wrong.map((event) => `${describe(event)}; answer id ${JSON.stringify(event.answerId)}`),
  )
}

/** No request hung: each was answered (whatever the answer) within `maxMs`. */
export function noneHangs(events: readonly ClientEvent[], maxMs: number): Verdict {
  const slow = events.filter((event) => event.outcome === 'timeout' || event.durationMs > maxMs)
  // A fold, not Math.max(...spread): a 30-minute soak records more events than a call has room for arguments.
  const slowest = events.reduce((max, event) => Math.max(max, event.durationMs), 0)
  return verdict(
    `every request answered within ${maxMs} ms`,
    `slowest ${Math.round(slowest)} ms`,
    slow.map((event) => `${describe(event)} after ${Math.round(event.durationMs)} ms`),
  )
}

/**
 * Every failure is a typed JSON-RPC error: an error object with a numeric code and ChainPulse's own
 * `error.data.code`, never a dropped connection, an empty body or an HTML page.
 */
export function failuresAreTyped(events: readonly ClientEvent[]): Verdict {
  const failures = events.filter((event) => event.outcome !== 'result')
  const untyped = failures.filter((event) => event.outcome !== 'rpc-error' || !event.chainpulseCode)
  const codes = [...new Set(failures.map((event) => event.chainpulseCode ?? event.outcome))].sort()
  return verdict(
    'every failure is a typed JSON-RPC error',
    `${failures.length - untyped.length} of ${failures.length} typed (${codes.join(', ') || 'none'})`,
    untyped.map(describe),
  )
}

/**
 * Full service is back within `boundMs` of `since`: every request sent from some moment no later than
 * `since + boundMs` to the end succeeded. Measures that moment (the recovery time).
 */
export function recoveredWithin(events: readonly ClientEvent[], since: number, boundMs: number): Verdict {
  const after = events.filter((event) => event.sentAt >= since).sort((a, b) => a.sentAt - b.sentAt)
  const lastFailure = after.findLast((event) => event.outcome !== 'result')
  const firstGood = lastFailure ? after.find((event) => event.sentAt > lastFailure.sentAt) : after[0]
  const recoveryMs = firstGood ? firstGood.sentAt - since : Number.POSITIVE_INFINITY
  const violations =
    firstGood === undefined
      ? [
          `no request succeeded after ${Math.round(since)} ms${lastFailure ? `; last: ${describe(lastFailure)}` : ''}`,
        ]
      : recoveryMs > boundMs
        ? [`last failure ${describe(lastFailure!)}`]
        : []
  return verdict(
    `full service within ${Math.round(boundMs)} ms of the return`,
    Number.isFinite(recoveryMs) ? `recovered after ${Math.round(recoveryMs)} ms` : 'never recovered',
    violations,
  )
}
