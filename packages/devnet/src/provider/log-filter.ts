import type { LogFilter } from '@chainpulse/core'

// Matching a log against a filter is core's `matchesLogFilter` (one matcher for the pool, the mock and
// the devnet); what stays here is reading the filter out of an untrusted `eth_subscribe` request.
export type { LogFilter }

/** Reads a subscription filter from untrusted `eth_subscribe` params; returns undefined when malformed. */
export function parseLogFilter(value: unknown): LogFilter | undefined {
  if (value === undefined || value === null) return {}
  if (typeof value !== 'object' || Array.isArray(value)) return undefined
  const { address, topics } = value as { address?: unknown; topics?: unknown }
  const isString = (v: unknown): v is string => typeof v === 'string'
  if (address !== undefined && address !== null && !isString(address)) {
    if (!Array.isArray(address) || !address.every(isString)) return undefined
  }
  if (topics !== undefined && topics !== null) {
    if (!Array.isArray(topics)) return undefined
    const ok = topics.every((t) => t === null || isString(t) || (Array.isArray(t) && t.every(isString)))
    if (!ok) return undefined
  }
  return {
    ...(address !== undefined && address !== null ? { address: address as string | string[] } : {}),
    ...(topics !== undefined && topics !== null ? { topics: topics as LogFilter['topics'] } : {}),
  }
}
