import { keccak_256 } from '@noble/hashes/sha3'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils'

/** Methods that change chain state: never hedged (one copy at a time), and never served from a cache. */
const WRITE_METHODS = new Set([
  'eth_sendRawTransaction',
  'eth_sendTransaction',
  'eth_sendRawTransactionConditional',
])

/** Whether `method` submits a transaction. */
export function isWriteMethod(method: string): boolean {
  return WRITE_METHODS.has(method)
}

const DUPLICATE_SUBMISSION =
  /already known|known transaction|already imported|nonce too low|transaction already exists/i

/**
 * Whether an error answer to a resubmitted raw transaction means "I already have it": after a failover,
 * the provider tried second may have received the transaction through the first one's network.
 */
export function isDuplicateSubmission(message: string): boolean {
  return DUPLICATE_SUBMISSION.test(message)
}

/** The transaction hash of a signed raw transaction: keccak-256 of its bytes. */
export function rawTransactionHash(rawTransaction: string): string {
  const hex = rawTransaction.startsWith('0x') ? rawTransaction.slice(2) : rawTransaction
  return `0x${bytesToHex(keccak_256(hexToBytes(hex)))}`
}
