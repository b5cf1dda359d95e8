import { handleCount, type ResourceSample } from '../record/memory.js'
import { quantile } from './latency.js'
import { type Verdict, verdict } from './verdict.js'

const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`
const signedMb = (bytes: number) => `${bytes >= 0 ? '+' : ''}${mb(bytes)}`

/**
 * Memory returns to its baseline: the live heap after the disturbance is within `toleranceBytes` of
 * the live heap before it (both measured after a full collection).
 */
export function memoryReturned(baselineBytes: number, afterBytes: number, toleranceBytes: number): Verdict {
  const grown = afterBytes - baselineBytes
  return verdict(
    `live heap back within ${mb(toleranceBytes)} of its baseline`,
    `${mb(baselineBytes)} → ${mb(afterBytes)} (${signedMb(grown)})`,
    grown > toleranceBytes ? [`grew by ${mb(grown)}`] : [],
  )
}

/** How much a memory figure may grow between the second and the last quarter of a run. */
export interface FlatnessBound {
  /** The figure sampled: RSS, or the live heap (after a full collection). */
  metric: 'rssBytes' | 'heapUsedBytes'
  /** The last quarter's median may be at most `factor` × the second quarter's, plus `allowanceBytes`. */
  factor: number
  allowanceBytes: number
}

/** Least-squares slope of `metric` over `samples`, in bytes per hour. */
export function slopePerHour(samples: readonly ResourceSample[], metric: FlatnessBound['metric']): number {
  if (samples.length < 2) return 0
  const xs = samples.map((sample) => sample.at / 3_600_000)
  const ys = samples.map((sample) => sample[metric])
  const meanX = xs.reduce((a, b) => a + b, 0) / xs.length
  const meanY = ys.reduce((a, b) => a + b, 0) / ys.length
  let num = 0
  let den = 0
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i]! - meanX) * (ys[i]! - meanY)
    den += (xs[i]! - meanX) ** 2
  }
  return den === 0 ? 0 : num / den
}

/**
 * Memory is flat after warm-up: with the samples taken under steady load split into quarters by time,
 * the first is warm-up (code compiled, pools and bounded caches filling) and left out; the median of
 * the last quarter is within `factor` × the median of the second, plus `allowanceBytes`. Medians, so a
 * sample taken mid-burst moves nothing; quarters apart, so a leak has half the run to show. The slope
 * over the last three quarters is reported with it.
 */
export function memoryFlat(samples: readonly ResourceSample[], bound: FlatnessBound): Verdict {
  const what = bound.metric === 'rssBytes' ? 'RSS' : 'live heap'
  const invariant = `${what} flat after warm-up: last quarter's median ≤ ${bound.factor} × the second's + ${mb(bound.allowanceBytes)}`
  if (samples.length < 8) return verdict(invariant, `${samples.length} samples`, ['fewer than 8 samples'])
  const from = samples[0]!.at
  const span = samples[samples.length - 1]!.at - from
  const quarter = (k: number) =>
    samples.filter((sample) => {
      const t = (sample.at - from) / span
      return k === 3 ? t >= 0.75 : t >= k / 4 && t < (k + 1) / 4
    })
  const median = (of: readonly ResourceSample[]) =>
    quantile(
      of.map((sample) => sample[bound.metric]),
      0.5,
    )
  const second = median(quarter(1))
  const last = median(quarter(3))
  const limit = second * bound.factor + bound.allowanceBytes
  const slope = slopePerHour(
    samples.filter((sample) => sample.at - from >= span / 4),
    bound.metric,
  )
  return verdict(
    invariant,
    `${mb(second)} → ${mb(last)} (${signedMb(last - second)}; limit ${mb(limit)}); slope after warm-up ${signedMb(slope)}/h over ${samples.length} samples`,
    last > limit ? [`last quarter's median ${mb(last)} over ${mb(limit)}`] : [],
  )
}

/** Handle types whose count differs between two samples, as `type a→b`. */
function handleDiff(before: ResourceSample, after: ResourceSample): string {
  const types = [...new Set([...Object.keys(before.handles), ...Object.keys(after.handles)])].sort()
  const changed = types.filter((type) => (before.handles[type] ?? 0) !== (after.handles[type] ?? 0))
  return (
    changed.map((type) => `${type} ${before.handles[type] ?? 0}→${after.handles[type] ?? 0}`).join(', ') ||
    'none'
  )
}

/**
 * Active handles and requests are back to the baseline once the load has stopped: `after` (the first
 * sample within the settle time that reached the baseline, or the last one) has at most `tolerance`
 * more than `baseline`, which leaves room for a health probe in flight at the moment of the sample.
 */
export function handlesReturned(baseline: ResourceSample, after: ResourceSample, tolerance: number): Verdict {
  const grown = handleCount(after) - handleCount(baseline)
  return verdict(
    `active handles back to baseline (± ${tolerance}) after the load`,
    `${handleCount(baseline)} → ${handleCount(after)} (changed: ${handleDiff(baseline, after)})`,
    grown > tolerance ? [`${grown} more than the baseline: ${handleDiff(baseline, after)}`] : [],
  )
}

/**
 * No listener is left behind on the server's shared emitters: after the load, each emitter has at most
 * as many listeners as at `baseline`; `peak` (the most seen under load) is reported.
 */
export function listenersReturned(
  baseline: ResourceSample,
  after: ResourceSample,
  peak: Readonly<Record<string, number>>,
): Verdict {
  const names = Object.keys(baseline.listeners)
  const grown = names.filter((name) => (after.listeners[name] ?? 0) > baseline.listeners[name]!)
  return verdict(
    'listeners on shared emitters back to baseline after the load',
    names
      .map(
        (name) =>
          `${name} ${baseline.listeners[name]} → ${after.listeners[name] ?? 0} (peak ${peak[name] ?? 0})`,
      )
      .join(', '),
    grown.map((name) => `${name}: ${baseline.listeners[name]} → ${after.listeners[name]}`),
  )
}
