import type { RecentProviderStats } from '../../benchmark-store/types.js'

/** Bounds of an adaptive hedge delay: the pool's `hedge.minDelayMs` and `hedge.maxDelayMs`. */
export interface HedgeDelayBounds {
  minDelayMs: number
  maxDelayMs: number
}

/**
 * An attempt still unanswered after this many times the provider's median is taken for a stall. Healthy
 * request latency is rarely that far above its median (a log-normal spread with σ 0.6, wide for one
 * provider and one method, passes 3× its median 3 % of the time), while a stall, an answer held back by
 * a sick node, a GC pause or a queue, usually is.
 */
export const STALL_MEDIAN_MULTIPLE = 3

/** The delay when nothing is known of the provider yet (ms). */
export const UNMEASURED_HEDGE_DELAY_MS = 250

/**
 * How long an attempt on a provider may stay unanswered before the same read also goes to the next
 * provider: its recent p95 for the method, kept between its median over its last calls and
 * {@link STALL_MEDIAN_MULTIPLE} times that median, then between the bounds.
 *
 * The p95 alone is right while fewer than 5 % of the provider's answers stall: it then sits in the
 * healthy answers and about 5 % of reads are hedged. Once stalls pass 5 % (a degrading provider) the p95
 * lands inside the stalls, and the hedge fires so late that a rescued read costs most of a stall. The
 * median stays among the healthy answers until half of them stall, so `3 × median` keeps the hedge just
 * beyond the healthy answers; the extra copies then follow the stall rate (each stalled attempt is
 * hedged once), which is the least any hedge that rescues every stall can send. The p95 still decides
 * when it is the lower figure (a provider with a spread-out but stall-free tail is hedged no more often
 * than 5 % of the time). The other way round, the p95 covers one to two 30 s windows while the median
 * covers the last 8 calls: right after a provider slows down its p95 can be below its new median, and a
 * hedge then would copy most reads; so the delay is never below the median.
 *
 * @example
 * hedgeDelayMs({ samples: 40, latencyMs: 38, p95Ms: 420, medianMs: 24, errorRate: 0 }, { minDelayMs: 50, maxDelayMs: 2_000 }) // 72
 */
export function hedgeDelayMs(stats: RecentProviderStats | undefined, bounds: HedgeDelayBounds): number {
  const p95 = stats?.p95Ms ?? UNMEASURED_HEDGE_DELAY_MS
  const median = stats?.medianMs
  // A missing or NaN median leaves the p95 alone: `median >= 0` is false for NaN.
  const delay =
    median !== undefined && median >= 0
      ? Math.min(Math.max(p95, median), STALL_MEDIAN_MULTIPLE * median)
      : p95
  return Math.min(bounds.maxDelayMs, Math.max(bounds.minDelayMs, delay))
}
