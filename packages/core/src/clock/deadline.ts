import type { Clock } from './clock.js'

/**
 * How late a deadline's timer may fire before this process is taken to have been too busy to listen.
 * Timers on a loaded machine run a few milliseconds late; a pause this long is a blocked event loop (a
 * long synchronous task, a garbage-collection pause, a starved CPU), not the wait itself.
 */
export const STALLED_LOOP_MS = 100

/**
 * How long a deadline slept through waits longer: enough to read an answer already in the socket, or
 * to send a call the loop held back and get a loopback-to-regional round trip, while a caller's own
 * deadline is overrun by at most this much beyond the time the process was blocked.
 */
export const GRACE_AFTER_STALL_MS = 1_000

/**
 * Schedules `onExpired` after `ms`, like {@link Clock.setTimeout}, for a deadline on an answer from
 * another process. When the timer fires more than {@link STALLED_LOOP_MS} late, this process could
 * not read its sockets for that long, and the answer may be waiting there unread: the deadline is
 * extended once, by `ms` or {@link GRACE_AFTER_STALL_MS} if shorter, instead of expiring. Otherwise one
 * busy moment would time out every call in flight, answered or not, and every health probe in flight
 * would call its provider down at once. A deadline slept through twice expires.
 *
 * @returns Cancels the deadline; calling it after expiry does nothing.
 *
 * @example
 * const cancel = startDeadline(clock, 5_000, () => controller.abort())
 * try { return await call() } finally { cancel() }
 */
export function startDeadline(clock: Clock, ms: number, onExpired: () => void): () => void {
  let dueAt = clock.now() + ms
  let restarted = false
  const expire = () => {
    const now = clock.now()
    if (!restarted && now - dueAt > STALLED_LOOP_MS) {
      restarted = true
      const grace = Math.min(ms, GRACE_AFTER_STALL_MS)
      dueAt = now + grace
      handle = clock.setTimeout(expire, grace)
      return
    }
    onExpired()
  }
  let handle = clock.setTimeout(expire, ms)
  return () => clock.clearTimeout(handle)
}
