import { createMapping, LogHistogram, quantileOf } from './log-histogram.js'
import type { RecentProviderStats, RecentStatsSnapshot } from './types.js'

/** Coarser than the all-history sketches (1 %): fewer buckets to walk when the recent p95 is dirty. */
export const recentMapping = createMapping(0.02)

/**
 * Calls the recent median covers: few enough that it follows a change within a handful of calls, enough
 * that up to three stalls among them cannot move it (it sits between the 4th and 5th fastest).
 */
export const MEDIAN_CALLS = 8

/** Scratch space for sorting the last calls; `read` is synchronous, so one buffer serves every state. */
const scratch = new Float64Array(MEDIAN_CALLS)

/** Timing parameters shared by every recent state of a store. */
export interface RecentConfig {
  /** ln 2 / half-life: decay = exp(-elapsed · decayRate). */
  decayRate: number
  windowMs: number
  /** After this long without a call, `read` returns undefined. */
  horizonMs: number
}

/** JSON form of a {@link RecentStats} (timestamps are clock times, rebased on restore). */
export type RecentSnapshot = Omit<RecentStatsSnapshot, 'provider' | 'method'>

/**
 * Recent behaviour of one provider (or one provider × method), read by routing strategies on every
 * request, so reads are O(1):
 *
 * - latency and error rate are time-decayed averages: every call adds weight 1, and all weight decays
 *   by half every `halfLifeMs` of clock time. Keeping decayed *sums* (not an EWMA with a fixed alpha)
 *   makes bursts at the same instant count fully and long gaps forget fully;
 * - p95 comes from two small histograms (2 % accuracy): the current window and the previous one,
 *   rotated every `windowMs`, so it covers the last one to two windows. It is cached and recomputed
 *   only after a new call or a rotation;
 * - the median is that of the last {@link MEDIAN_CALLS} calls, whenever they were made: a figure that a
 *   stall-heavy tail cannot drag (unlike the mean and the p95) and that follows a change within a few
 *   calls (unlike anything decayed over the half-life).
 *
 * Internal to the benchmark store: not exported from the package.
 */
export class RecentStats {
  private lastAt: number
  /** Decayed number of calls, failed calls, and sum of their durations, as of `lastAt`. */
  private calls = 0
  private errors = 0
  private latencySum = 0
  private windowStart: number
  private current = new LogHistogram(recentMapping)
  private previous = new LogHistogram(recentMapping)
  private p95 = 0
  private dirty = false
  /** The last calls' durations, a ring: `lastCalls[(lastCallsNext - 1) mod MEDIAN_CALLS]` is the newest. */
  private readonly lastCalls = new Float64Array(MEDIAN_CALLS)
  private lastCallsNext = 0
  private lastCallsCount = 0
  private median = Number.NaN

  constructor(
    private readonly config: RecentConfig,
    now: number,
  ) {
    this.lastAt = now
    this.windowStart = now
  }

  record(now: number, durationMs: number, ok: boolean): void {
    const decay = this.decayTo(now)
    this.calls = this.calls * decay + 1
    this.errors = this.errors * decay + (ok ? 0 : 1)
    this.latencySum = this.latencySum * decay + Math.max(durationMs, 0)
    if (now > this.lastAt) this.lastAt = now
    this.rotate(now)
    this.current.record(durationMs)
    this.pushLastCall(durationMs)
    this.dirty = true
  }

  private pushLastCall(durationMs: number): void {
    this.lastCalls[this.lastCallsNext] = Math.max(durationMs, 0)
    this.lastCallsNext = (this.lastCallsNext + 1) % MEDIAN_CALLS
    if (this.lastCallsCount < MEDIAN_CALLS) this.lastCallsCount++
    this.median = Number.NaN
  }

  /** Figures as of `now`, or undefined after `horizonMs` without calls. Allocates only the result. */
  read(now: number): RecentProviderStats | undefined {
    if (this.calls === 0 || now - this.lastAt > this.config.horizonMs) return undefined
    this.rotate(now)
    const latencyMs = this.latencySum / this.calls
    if (this.dirty) {
      this.p95 =
        this.current.count + this.previous.count > 0 ? quantileOf(this.current, this.previous, 0.95) : 0
      this.dirty = false
    }
    if (Number.isNaN(this.median) && this.lastCallsCount > 0) this.median = this.medianOfLastCalls()
    const stats: RecentProviderStats = {
      samples: this.calls * this.decayTo(now),
      latencyMs,
      // Both windows empty: the call(s) are older than two windows; the decayed mean is the best guess.
      p95Ms: this.current.count + this.previous.count > 0 ? this.p95 : latencyMs,
      errorRate: this.errors / this.calls,
    }
    if (this.lastCallsCount > 0) stats.medianMs = this.median
    return stats
  }

  /** When the last call was recorded (clock time). */
  get lastCallAt(): number {
    return this.lastAt
  }

  toJSON(): RecentSnapshot {
    return {
      lastAt: this.lastAt,
      calls: this.calls,
      errors: this.errors,
      latencySum: this.latencySum,
      windowStart: this.windowStart,
      current: this.current.toJSON(),
      previous: this.previous.toJSON(),
      lastCalls: this.lastCallsInOrder(),
    }
  }

  /** The last calls' durations, oldest first. */
  private lastCallsInOrder(): number[] {
    const n = this.lastCallsCount
    const out: number[] = new Array(n)
    for (let i = 0; i < n; i++)
      out[i] = this.lastCalls[(this.lastCallsNext - n + i + MEDIAN_CALLS) % MEDIAN_CALLS]!
    return out
  }

  /** Rebuilds a state from {@link RecentStats.toJSON}, shifting its timestamps by `shift` ms. */
  static fromJSON(config: RecentConfig, snapshot: RecentSnapshot, shift: number): RecentStats {
    const state = new RecentStats(config, snapshot.lastAt + shift)
    state.calls = snapshot.calls
    state.errors = snapshot.errors
    state.latencySum = snapshot.latencySum
    state.windowStart = snapshot.windowStart + shift
    state.current = LogHistogram.fromJSON(recentMapping, snapshot.current)
    state.previous = LogHistogram.fromJSON(recentMapping, snapshot.previous)
    state.dirty = true
    // Newest last; a longer list (a future store keeping more) keeps its newest.
    const lastCalls = snapshot.lastCalls ?? []
    for (const duration of lastCalls.slice(-MEDIAN_CALLS)) state.pushLastCall(duration)
    return state
  }

  /** Median of the last calls (the mean of the middle two when their number is even); insertion sort of at most 8. */
  private medianOfLastCalls(): number {
    const n = this.lastCallsCount
    for (let i = 0; i < n; i++) {
      const value = this.lastCalls[i]!
      let j = i - 1
      while (j >= 0 && scratch[j]! > value) {
        scratch[j + 1] = scratch[j]!
        j--
      }
      scratch[j + 1] = value
    }
    const middle = n >> 1
    return n % 2 === 1 ? scratch[middle]! : (scratch[middle - 1]! + scratch[middle]!) / 2
  }

  private decayTo(now: number): number {
    const elapsed = now - this.lastAt
    return elapsed > 0 ? Math.exp(-elapsed * this.config.decayRate) : 1
  }

  private rotate(now: number): void {
    const elapsed = now - this.windowStart
    const { windowMs } = this.config
    if (elapsed < windowMs) return
    const windows = Math.floor(elapsed / windowMs)
    if (windows === 1) {
      const previous = this.previous
      this.previous = this.current
      this.current = previous
      this.current.reset()
    } else {
      this.current.reset()
      this.previous.reset()
    }
    this.windowStart += windows * windowMs
    this.dirty = true
  }
}
