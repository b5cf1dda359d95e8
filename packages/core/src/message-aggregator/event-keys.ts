import { InvalidEventKeyError } from '../errors/errors.js'

/** The part of a block (or `newHeads` notification) its dedupe key is built from. */
export interface KeyableBlock {
  readonly hash?: string | null
}

/** The part of a log (or `logs` notification) its dedupe key is built from. */
export interface KeyableLog {
  readonly blockHash?: string | null
  /** Hex quantity (`'0x1a'`), decimal string, number or bigint: providers and client libraries differ. */
  readonly logIndex?: string | number | bigint | null
  /** `true` on the copy a node sends when a reorg drops the log. */
  readonly removed?: boolean
}

const HEX_DATA = /^(0x)?[0-9a-f]+$/i
const HEX_QUANTITY = /^0x[0-9a-f]+$/i
const DECIMAL = /^[0-9]+$/

/**
 * Dedupe key of a `newHeads` event: the block hash, lower-cased with a `0x` prefix, so providers that
 * differ only in hex case agree. A reorged block (same number, new hash) gets a new key and is
 * therefore emitted again.
 *
 * @throws {InvalidEventKeyError} when `hash` is missing or not hex.
 * @example
 * newHeadsKey({ hash: '0xAB12…' }) // '0xab12…'
 */
export function newHeadsKey(block: KeyableBlock): string {
  return normaliseHash(block.hash, 'hash')
}

/**
 * Dedupe key of a `logs` event: `blockHash:logIndex`, with the hash lower-cased and the index in
 * canonical hex quantity form (`0x0`, `0x1a`), whatever shape the provider or client library gave it.
 * Removal notices (`removed: true`, sent when a reorg drops the log) get a `:removed` suffix so they
 * are not swallowed as duplicates of the log they retract.
 *
 * @throws {InvalidEventKeyError} when `blockHash` or `logIndex` is missing or malformed — e.g. a
 * pending log, which has no block yet.
 * @example
 * logKey({ blockHash: '0xAB12…', logIndex: '0x0A' }) // '0xab12…:0xa'
 * logKey({ blockHash: '0xab12…', logIndex: 10, removed: true }) // '0xab12…:0xa:removed'
 */
export function logKey(log: KeyableLog): string {
  const key = `${normaliseHash(log.blockHash, 'blockHash')}:0x${normaliseIndex(log.logIndex)}`
  return log.removed === true ? `${key}:removed` : key
}

function normaliseHash(value: unknown, field: string): string {
  if (typeof value !== 'string' || !HEX_DATA.test(value)) {
    throw new InvalidEventKeyError(field, value, 'expected a hex block hash; pending events cannot be raced')
  }
  const lower = value.toLowerCase()
  return lower.startsWith('0x') ? lower : `0x${lower}`
}

/** Returns the index as lower-case hex digits without leading zeros (`'0'` for zero). */
function normaliseIndex(value: unknown): string {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value.toString(16)
  if (typeof value === 'bigint' && value >= 0n) return value.toString(16)
  if (typeof value === 'string') {
    if (HEX_QUANTITY.test(value))
      return value
        .slice(2)
        .toLowerCase()
        .replace(/^0+(?=.)/, '')
    // Some client libraries stringify quantities in decimal; JSON-RPC itself always prefixes hex with 0x.
    if (DECIMAL.test(value)) return BigInt(value).toString(16)
  }
  throw new InvalidEventKeyError('logIndex', value, 'expected a non-negative integer or hex quantity')
}
