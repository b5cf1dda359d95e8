import type { LogEntry } from '../chain/chain-feed.js'

/** The filter of a `logs` subscription: address(es) and topic positions (null = any, array = any of). */
export interface LogFilter {
  address?: string | string[]
  topics?: (string | string[] | null)[]
}

/**
 * Whether a log matches a subscription filter, with the node's semantics: addresses and topics compare
 * case-insensitively, a `null` topic position matches anything, an array matches any of its entries.
 *
 * @example
 * matchesLogFilter(log, { address: emitter, topics: [PING_TOPIC] })
 */
export function matchesLogFilter(log: LogEntry, filter: LogFilter): boolean {
  if (filter.address !== undefined) {
    const addresses = (Array.isArray(filter.address) ? filter.address : [filter.address]).map(lower)
    if (addresses.length > 0 && !addresses.includes(lower(log.address))) return false
  }
  const topics = filter.topics ?? []
  for (let i = 0; i < topics.length; i++) {
    const wanted = topics[i]
    if (wanted === null || wanted === undefined) continue
    const actual = log.topics[i]
    if (actual === undefined) return false
    const options = (Array.isArray(wanted) ? wanted : [wanted]).map(lower)
    if (options.length > 0 && !options.includes(lower(actual))) return false
  }
  return true
}

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

function lower(value: string): string {
  return value.toLowerCase()
}
