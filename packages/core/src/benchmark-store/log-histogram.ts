import type { HistogramSnapshot } from './types.js'

/** Values at or below this (ms, i.e. 1 µs) are counted in the zero bucket and reported as `min`. */
export const MIN_VALUE = 1e-3
/** Values above this (ms, ≈ 2.8 hours) are clamped to it, so the bucket range is bounded. */
export const MAX_VALUE = 1e7

/** Clamps a duration into what the sketches track; NaN and negatives become 0. */
export function clampMs(value: number): number {
  return value > 0 ? Math.min(value, MAX_VALUE) : 0
}

/** Where values fall; shared by every histogram of the same accuracy so merging is index-aligned. */
export interface HistogramMapping {
  readonly relativeAccuracy: number
  readonly gamma: number
  readonly invLogGamma: number
  readonly minIndex: number
  readonly maxIndex: number
}

/** Builds the mapping for a relative accuracy `α` (0.01 = quantiles within 1 %). */
export function createMapping(relativeAccuracy: number): HistogramMapping {
  const gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy)
  const invLogGamma = 1 / Math.log(gamma)
  return {
    relativeAccuracy,
    gamma,
    invLogGamma,
    minIndex: Math.ceil(Math.log(MIN_VALUE) * invLogGamma),
    maxIndex: Math.ceil(Math.log(MAX_VALUE) * invLogGamma) + 1,
  }
}

/** All-history sketches: 1 % relative accuracy. */
export const historyMapping = createMapping(0.01)

/** Buckets added around the first value and on each growth, so growth is rare. */
const GROWTH_PADDING = 32

/**
 * A log-bucketed latency sketch (the DDSketch mapping with a dense, growable store): bucket `i` holds
 * values in `(γ^(i-1), γ^i]` with `γ = (1 + α) / (1 - α)`, and reports them as `2γ^i / (γ + 1)`, so
 * every quantile it returns is within relative error `α` of the exact nearest-rank quantile. Memory is
 * one float per bucket between the lowest and highest bucket seen, and at most
 * `ln(MAX_VALUE / MIN_VALUE) / ln(γ)` buckets (≈ 1,150 at α = 1 %) whatever is recorded.
 *
 * Internal to the benchmark store: not exported from the package.
 */
export class LogHistogram {
  /** Number of recorded values (zero bucket included). */
  count = 0
  /** Exact sum of the recorded (clamped) values. */
  sum = 0
  /** Exact min and max of the recorded values; 0 while empty. */
  min = 0
  max = 0
  /** Values in the zero bucket. Read-only outside this file, like `offset` and `counts`. */
  zero = 0
  /** Bucket index of `counts[0]`. */
  offset = 0
  /** Dense bucket counts, allocated on the first non-zero value. */
  counts: Float64Array | undefined

  constructor(readonly mapping: HistogramMapping) {}

  /** Adds one value (ms). Negative and NaN count as 0, values above {@link MAX_VALUE} as MAX_VALUE. */
  record(value: number): void {
    const v = clampMs(value)
    if (this.count === 0) {
      this.min = v
      this.max = v
    } else if (v < this.min) this.min = v
    else if (v > this.max) this.max = v
    this.count++
    this.sum += v
    if (v <= MIN_VALUE) {
      this.zero++
      return
    }
    const index = Math.ceil(Math.log(v) * this.mapping.invLogGamma)
    let counts = this.counts
    let slot = index - this.offset
    if (counts === undefined || slot < 0 || slot >= counts.length) {
      counts = this.grow(index, index)
      slot = index - this.offset
    }
    counts[slot]!++
  }

  /**
   * The nearest-rank `q`-quantile (0..1): the value of rank `ceil(q·n)` among the recorded values,
   * within the mapping's relative accuracy; 0 when empty.
   */
  quantile(q: number): number {
    return quantileOf(this, undefined, q)
  }

  /** Adds every value of `other` (same mapping) into this histogram. */
  merge(other: LogHistogram): void {
    if (other.count === 0) return
    if (this.count === 0) {
      this.min = other.min
      this.max = other.max
    } else {
      if (other.min < this.min) this.min = other.min
      if (other.max > this.max) this.max = other.max
    }
    this.count += other.count
    this.sum += other.sum
    this.zero += other.zero
    const source = other.counts
    if (source === undefined) return
    const from = other.offset
    const counts = this.grow(from, from + source.length - 1)
    const shift = from - this.offset
    for (let k = 0; k < source.length; k++) counts[k + shift]! += source[k]!
  }

  /** Forgets every value but keeps the allocated buckets, so a rotating window allocates nothing. */
  reset(): void {
    this.count = 0
    this.sum = 0
    this.min = 0
    this.max = 0
    this.zero = 0
    this.counts?.fill(0)
  }

  toJSON(): HistogramSnapshot {
    const counts = this.counts
    let first = 0
    let last = -1
    if (counts !== undefined) {
      while (first < counts.length && counts[first] === 0) first++
      last = counts.length - 1
      while (last >= first && counts[last] === 0) last--
    }
    return {
      count: this.count,
      sum: this.sum,
      min: this.min,
      max: this.max,
      zero: this.zero,
      offset: this.offset + first,
      counts: counts === undefined || last < first ? [] : copyRange(counts, first, last + 1),
    }
  }

  /** Rebuilds a histogram from {@link LogHistogram.toJSON} output (already validated by the caller). */
  static fromJSON(mapping: HistogramMapping, snapshot: HistogramSnapshot): LogHistogram {
    const histogram = new LogHistogram(mapping)
    histogram.count = snapshot.count
    histogram.sum = snapshot.sum
    histogram.min = snapshot.min
    histogram.max = snapshot.max
    histogram.zero = snapshot.zero
    if (snapshot.counts.length > 0) {
      histogram.offset = snapshot.offset
      histogram.counts = Float64Array.from(snapshot.counts)
    }
    return histogram
  }

  /**
   * Calls `visit(value, count)` for every non-empty bucket in ascending order, `value` being the
   * bucket's estimate clamped to `[min, max]` (the zero bucket reports `min`).
   */
  forEachBucket(visit: (value: number, count: number) => void): void {
    if (this.zero > 0) visit(this.min, this.zero)
    const counts = this.counts
    if (counts === undefined) return
    const { gamma } = this.mapping
    for (let k = 0; k < counts.length; k++) {
      const count = counts[k]!
      if (count === 0) continue
      visit(estimateAt(gamma, this.offset + k, this.min, this.max), count)
    }
  }

  /** Makes the dense store cover `[low, high]` (padded, clamped to the mapping) and returns it. */
  private grow(low: number, high: number): Float64Array {
    const old = this.counts
    if (old !== undefined && low >= this.offset && high < this.offset + old.length) return old
    const { minIndex, maxIndex } = this.mapping
    const oldLow = old === undefined ? low : this.offset
    const oldHigh = old === undefined ? high : this.offset + old.length - 1
    const newLow = Math.max(minIndex, Math.min(low, oldLow) - (low < oldLow ? GROWTH_PADDING : 0))
    const newHigh = Math.min(maxIndex, Math.max(high, oldHigh) + (high > oldHigh ? GROWTH_PADDING : 0))
    const counts = new Float64Array(newHigh - newLow + 1)
    if (old !== undefined) counts.set(old, this.offset - newLow)
    this.counts = counts
    this.offset = newLow
    return counts
  }
}

/** `counts[from..to)` as a plain array: a loop is ~4× faster than `Array.from` on a typed array, and a busy store snapshots thousands of sketches. */
function copyRange(counts: Float64Array, from: number, to: number): number[] {
  const out: number[] = new Array(to - from)
  for (let k = from; k < to; k++) out[k - from] = counts[k]!
  return out
}

/** The value reported for bucket `index`, clamped to the exact `[min, max]`. */
function estimateAt(gamma: number, index: number, min: number, max: number): number {
  const estimate = (2 * gamma ** index) / (gamma + 1)
  return estimate < min ? min : Math.min(estimate, max)
}

/**
 * The nearest-rank `q`-quantile of the union of `a` and `b` (same mapping) without merging them into a
 * new allocation: the recent p95 over the current and the previous window. Runs on the request path
 * whenever that p95 is stale, hence the hand-written loops.
 */
export function quantileOf(a: LogHistogram, b: LogHistogram | undefined, q: number): number {
  const bCount = b === undefined ? 0 : b.count
  const count = a.count + bCount
  if (count === 0) return 0
  const min = a.count === 0 ? b!.min : bCount === 0 ? a.min : Math.min(a.min, b!.min)
  const max = a.count === 0 ? b!.max : bCount === 0 ? a.max : Math.max(a.max, b!.max)
  const aCounts = a.counts
  const bCounts = b?.counts
  const aOffset = a.offset
  const bOffset = b === undefined ? 0 : b.offset
  const aLength = aCounts === undefined ? 0 : aCounts.length
  const bLength = bCounts === undefined ? 0 : bCounts.length
  let low = Number.POSITIVE_INFINITY
  let high = Number.NEGATIVE_INFINITY
  if (aLength > 0) {
    low = aOffset
    high = aOffset + aLength - 1
  }
  if (bLength > 0) {
    low = Math.min(low, bOffset)
    high = Math.max(high, bOffset + bLength - 1)
  }
  const { gamma } = a.mapping
  const clampedQ = q > 0 ? Math.min(q, 1) : 0
  // Nearest rank: the ceil(q·n)-th smallest value, 0-based here.
  const rank = Math.max(0, Math.ceil(clampedQ * count) - 1)
  if (rank >= count / 2) {
    // High quantiles (the p95 routing reads): walk down from the top, visiting only the tail buckets.
    const fromTop = count - 1 - rank
    let seen = 0
    for (let index = high; index >= low; index--) {
      const ka = index - aOffset
      if (ka >= 0 && ka < aLength) seen += aCounts![ka]!
      const kb = index - bOffset
      if (kb >= 0 && kb < bLength) seen += bCounts![kb]!
      if (seen > fromTop) return estimateAt(gamma, index, min, max)
    }
    return min
  }
  let seen = a.zero + (b === undefined ? 0 : b.zero)
  if (rank < seen) return min
  for (let index = low; index <= high; index++) {
    const ka = index - aOffset
    if (ka >= 0 && ka < aLength) seen += aCounts![ka]!
    const kb = index - bOffset
    if (kb >= 0 && kb < bLength) seen += bCounts![kb]!
    if (seen > rank) return estimateAt(gamma, index, min, max)
  }
  return max
}

/**
 * Why `snapshot` cannot be a histogram of `mapping`, or undefined when it can: counts must be
 * non-negative integers adding up to `count`, and buckets must lie in the mapping's range.
 */
export function histogramIssue(snapshot: HistogramSnapshot, mapping: HistogramMapping): string | undefined {
  const { counts } = snapshot
  if (counts.length > 0) {
    if (snapshot.offset < mapping.minIndex || snapshot.offset + counts.length - 1 > mapping.maxIndex) {
      return 'buckets out of range'
    }
  }
  let total = snapshot.zero
  for (const count of counts) {
    if (!Number.isInteger(count) || count < 0) return 'bucket counts must be non-negative integers'
    total += count
  }
  if (total !== snapshot.count) return `bucket counts add up to ${total}, not count ${snapshot.count}`
  if (snapshot.count > 0 && !(snapshot.min <= snapshot.max)) return 'min is above max'
  return undefined
}
