/**
 * A block header as JSON-RPC returns it (`newHeads` notification or `eth_getBlockBy*` result): hex
 * quantities, lower-case hashes. Other fields pass through untouched.
 */
export interface BlockHeader {
  number: string
  hash: string
  parentHash: string
  timestamp?: string
  [field: string]: unknown
}

/** Parses a hex quantity (`0x1a`) to a number; block numbers are far below 2^53. */
export function hexToNumber(hex: string): number {
  return Number.parseInt(hex, 16)
}

/** Checks that a JSON-RPC value has the fields of a block header. */
export function isBlockHeader(value: unknown): value is BlockHeader {
  if (typeof value !== 'object' || value === null) return false
  const header = value as Record<string, unknown>
  return (
    typeof header.number === 'string' &&
    typeof header.hash === 'string' &&
    typeof header.parentHash === 'string'
  )
}

/** Turns an `eth_getBlockBy*` result into the shape of a `newHeads` notification (no body fields). */
export function toHeader(block: BlockHeader): BlockHeader {
  const { transactions: _transactions, uncles: _uncles, size: _size, ...header } = block
  return header as BlockHeader
}
