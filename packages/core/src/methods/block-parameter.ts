/**
 * Which JSON-RPC methods take a block parameter, and where: the one table the pool (lag-aware routing)
 * and the devnet (simulated head lag) both read, so a method added here is handled by both.
 */
export const BLOCK_PARAMETER_INDEX: Readonly<Record<string, number>> = Object.freeze({
  eth_getBalance: 1,
  eth_getCode: 1,
  eth_getTransactionCount: 1,
  eth_getStorageAt: 2,
  eth_call: 1,
  eth_estimateGas: 1,
  eth_createAccessList: 1,
  eth_simulateV1: 1,
  eth_getProof: 2,
  eth_getBlockByNumber: 0,
  eth_getBlockTransactionCountByNumber: 0,
  eth_getBlockReceipts: 0,
  eth_getUncleCountByBlockNumber: 0,
  eth_getTransactionByBlockNumberAndIndex: 0,
  eth_getUncleByBlockNumberAndIndex: 0,
  eth_feeHistory: 1,
})

/**
 * Methods that read the world state at their block: a node that prunes old state (a geth "full" node
 * keeps the newest 128 blocks') answers them only for recent blocks, and with "missing trie node" for
 * older ones. Block lookups, receipts and logs are not state: a pruning node keeps those.
 */
const STATE_METHODS = new Set([
  'eth_getBalance',
  'eth_getCode',
  'eth_getTransactionCount',
  'eth_getStorageAt',
  'eth_call',
  'eth_estimateGas',
  'eth_createAccessList',
  'eth_simulateV1',
  'eth_getProof',
])

/** Methods whose answer is always about the chain's tip, whatever their params. */
const TIP_METHODS = new Set([
  'eth_blockNumber',
  'eth_gasPrice',
  'eth_maxPriorityFeePerGas',
  'eth_blobBaseFee',
])

/** Block tags that move with the head. */
const TIP_TAGS = new Set(['latest', 'pending', 'safe', 'finalized'])

/** Where `method` takes its block parameter, or `undefined` when it takes none. */
export function blockParameterIndex(method: string): number | undefined {
  return BLOCK_PARAMETER_INDEX[method]
}

/**
 * Whether a call's answer depends on the provider being at the chain's tip, so a lagging provider
 * would give a stale answer. Calls pinned to a block number or hash do not.
 *
 * @example
 * dependsOnLatest('eth_getBalance', ['0xabc', 'latest']) // true
 * dependsOnLatest('eth_getBalance', ['0xabc', '0x10']) // false
 */
export function dependsOnLatest(method: string, params: unknown): boolean {
  if (TIP_METHODS.has(method)) return true
  if (method === 'eth_getLogs') {
    const filter = Array.isArray(params) ? params[0] : undefined
    if (typeof filter !== 'object' || filter === null) return true
    const { blockHash, toBlock } = filter as { blockHash?: unknown; toBlock?: unknown }
    return blockHash === undefined && (toBlock === undefined || TIP_TAGS.has(String(toBlock)))
  }
  const index = BLOCK_PARAMETER_INDEX[method]
  if (index === undefined) return false
  const tag = Array.isArray(params) ? params[index] : undefined
  if (tag === undefined || tag === null) return true
  if (typeof tag === 'string') return TIP_TAGS.has(tag)
  return false // an EIP-1898 object names a block by number or hash
}

/**
 * The highest block number a call names explicitly (a hex quantity, an EIP-1898 `{ blockNumber }`, or
 * an `eth_getLogs` range's bounds), or `undefined` when it names none (tags, hashes, no block at all). A
 * provider whose head is below it cannot answer yet: the pool routes such a call to one that can.
 *
 * @example
 * referencedBlockNumber('eth_call', [{ to: '0x1' }, '0x10']) // 16
 * referencedBlockNumber('eth_getLogs', [{ fromBlock: '0x1', toBlock: '0x20' }]) // 32
 */
export function referencedBlockNumber(method: string, params: unknown): number | undefined {
  if (!Array.isArray(params)) return undefined
  if (method === 'eth_getLogs') {
    const filter = params[0]
    if (typeof filter !== 'object' || filter === null) return undefined
    const { fromBlock, toBlock } = filter as { fromBlock?: unknown; toBlock?: unknown }
    const bounds = [quantity(fromBlock), quantity(toBlock)].filter((bound) => bound !== undefined)
    return bounds.length ? Math.max(...bounds) : undefined
  }
  const index = BLOCK_PARAMETER_INDEX[method]
  if (index === undefined) return undefined
  const block = params[index]
  if (typeof block === 'object' && block !== null)
    return quantity((block as { blockNumber?: unknown }).blockNumber)
  return quantity(block)
}

/**
 * Whether `method` reads the world state at the block its block parameter names (`eth_getBalance`,
 * `eth_call`, `eth_getStorageAt`, ...): what a node that prunes old state cannot answer for old blocks.
 *
 * @example
 * isStateRead('eth_getBalance') // true
 * isStateRead('eth_getBlockByNumber') // false
 */
export function isStateRead(method: string): boolean {
  return STATE_METHODS.has(method)
}

/**
 * The block number whose state a state read ({@link isStateRead}) needs, when the call names one: a hex
 * quantity, an EIP-1898 `{ blockNumber }`, or `earliest` (0). `undefined` for other methods, for moving
 * tags (`latest`, `safe`, ...) and for block hashes, whose number is not known without asking.
 *
 * @example
 * stateBlockNumber('eth_getBalance', ['0xabc', '0x10']) // 16
 * stateBlockNumber('eth_getBalance', ['0xabc', 'latest']) // undefined
 */
export function stateBlockNumber(method: string, params: unknown): number | undefined {
  if (!STATE_METHODS.has(method) || !Array.isArray(params)) return undefined
  const block = params[BLOCK_PARAMETER_INDEX[method]!]
  if (block === 'earliest') return 0
  if (typeof block === 'object' && block !== null)
    return quantity((block as { blockNumber?: unknown }).blockNumber)
  return quantity(block)
}

function quantity(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{1,13}$/.test(value)) return undefined
  return Number.parseInt(value.slice(2), 16)
}
