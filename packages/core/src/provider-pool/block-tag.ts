/** Position of the block parameter for methods that take one (default `latest` when omitted). */
const BLOCK_PARAM_INDEX: Readonly<Record<string, number>> = {
  eth_getBalance: 1,
  eth_getCode: 1,
  eth_getTransactionCount: 1,
  eth_getStorageAt: 2,
  eth_call: 1,
  eth_estimateGas: 1,
  eth_getBlockByNumber: 0,
  eth_getBlockTransactionCountByNumber: 0,
  eth_getUncleCountByBlockNumber: 0,
  eth_getTransactionByBlockNumberAndIndex: 0,
  eth_getProof: 2,
  eth_feeHistory: 1,
}

/** Methods whose answer is always about the chain's tip. */
const TIP_METHODS = new Set([
  'eth_blockNumber',
  'eth_gasPrice',
  'eth_maxPriorityFeePerGas',
  'eth_blobBaseFee',
])

const TIP_TAGS = new Set(['latest', 'pending', 'safe', 'finalized'])

/**
 * Whether a call's answer depends on the provider being at the chain's tip, so a lagging provider
 * would give a stale answer. Calls pinned to a block number or hash do not.
 */
export function dependsOnLatest(method: string, params: unknown): boolean {
  if (TIP_METHODS.has(method)) return true
  if (method === 'eth_getLogs') {
    const filter = Array.isArray(params) ? params[0] : undefined
    if (typeof filter !== 'object' || filter === null) return true
    const { blockHash, toBlock } = filter as { blockHash?: unknown; toBlock?: unknown }
    return blockHash === undefined && (toBlock === undefined || TIP_TAGS.has(String(toBlock)))
  }
  const index = BLOCK_PARAM_INDEX[method]
  if (index === undefined) return false
  const tag = Array.isArray(params) ? params[index] : undefined
  if (tag === undefined || tag === null) return true
  if (typeof tag === 'string') return TIP_TAGS.has(tag)
  return false // an EIP-1898 object names a block by number or hash
}
