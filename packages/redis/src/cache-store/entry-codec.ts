import type { CacheEntry } from '@chainpulse/core'

/** A `[number, hash]` pair as the cache writes it. */
function isBlockRef(value: unknown): value is [number, string] {
  return (
    Array.isArray(value) &&
    value.length === 2 &&
    Number.isSafeInteger(value[0]) &&
    typeof value[1] === 'string'
  )
}

/** One entry as compact JSON: only the fields a {@link CacheEntry} has, nothing a caller added. */
export function encodeEntry(entry: CacheEntry): string {
  const stored: CacheEntry = { json: entry.json }
  if (entry.block) stored.block = entry.block
  if (entry.head) stored.head = entry.head
  return JSON.stringify(stored)
}

/**
 * Parses a stored entry, or returns `undefined` for text that is not one (written by another version,
 * or by something else under the same prefix): the cache then treats it as a miss.
 */
export function decodeEntry(text: string): CacheEntry | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  const { json, block, head } = value as Record<string, unknown>
  if (typeof json !== 'string') return undefined
  if (block !== undefined && !isBlockRef(block)) return undefined
  if (head !== undefined && !isBlockRef(head)) return undefined
  const entry: CacheEntry = { json }
  if (block) entry.block = block
  if (head) entry.head = head
  return entry
}
