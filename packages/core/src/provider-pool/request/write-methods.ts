import { keccak256 } from './keccak256.js'

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
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new TypeError('expected hex bytes')
  const bytes = new Uint8Array(hex.length / 2)
  for (let index = 0; index < bytes.length; index++)
    bytes[index] = Number.parseInt(hex.slice(index * 2, index * 2 + 2), 16)
  return `0x${Array.from(keccak256(bytes), (byte) => byte.toString(16).padStart(2, '0')).join('')}`
}
