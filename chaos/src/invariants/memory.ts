import { type Verdict, verdict } from './verdict.js'

const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`

/**
 * Memory returns to its baseline: the live heap after the disturbance is within `toleranceBytes` of
 * the live heap before it (both measured after a full collection).
 */
export function memoryReturned(baselineBytes: number, afterBytes: number, toleranceBytes: number): Verdict {
  const grown = afterBytes - baselineBytes
  return verdict(
    `live heap back within ${mb(toleranceBytes)} of its baseline`,
    `${mb(baselineBytes)} → ${mb(afterBytes)} (${grown >= 0 ? '+' : ''}${mb(grown)})`,
    grown > toleranceBytes ? [`grew by ${mb(grown)}`] : [],
  )
}
