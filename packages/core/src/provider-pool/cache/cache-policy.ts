import { BLOCK_PARAMETER_INDEX } from '../../methods/block-parameter.js'
import type { CacheEntry } from './cache-store.js'

/**
 * A per-method override of the cache's rules: `never` caches nothing of the method, `final-only` keeps
 * only answers that can no longer change (addressed by a final block, or by nature), `immutable` keeps
 * every non-null answer of the method until evicted — only for methods whose answer can never change
 * (a custom pure method), since the cache then trusts the configuration instead of the chain.
 */
export type CacheMethodPolicy = 'never' | 'final-only' | 'immutable'

/** What the cache knows of one chain when it judges an answer: the pool's canonical follower. */
export interface CacheChainView {
  /** The canonical head the follower last delivered, if any. */
  head: { number: number; hash: string } | undefined
  /** The highest block number that is final (the head less the chain's finality depth). */
  finalized: number | undefined
  /** The canonical hash at a height, for the heights the follower remembers. */
  hashAt(number: number): string | undefined
  /** The height of a canonical hash the follower remembers; `undefined` for any other hash. */
  numberOf(hash: string): number | undefined
}

/** How long an answer may be kept: its entry's `block` and `head` (neither: for good). */
export type CacheValidity = Omit<CacheEntry, 'json'>

const FOREVER: CacheValidity = {}
const IMMUTABLE_METHODS = new Set(['eth_chainId', 'net_version'])
/** Answers about the tip whatever their params: valid until the next head. */
const TIP_METHODS = new Set([
  'eth_blockNumber',
  'eth_gasPrice',
  'eth_maxPriorityFeePerGas',
  'eth_blobBaseFee',
])
/**
 * Methods that take a block parameter but whose answer depends on more than the block: gas estimates and
 * simulations are asked just before sending, against state pending transactions change. Never cached.
 */
const UNCACHED_BLOCK_METHODS = new Set(['eth_estimateGas', 'eth_createAccessList', 'eth_simulateV1'])
/** Methods addressed by a block hash in their first param. */
const BLOCK_HASH_METHODS = new Set([
  'eth_getBlockByHash',
  'eth_getHeaderByHash',
  'eth_getBlockTransactionCountByHash',
  'eth_getTransactionByBlockHashAndIndex',
  'eth_getUncleCountByBlockHash',
  'eth_getUncleByBlockHashAndIndex',
])
/** Methods whose answer is a block, naming itself by `hash`. */
const BLOCK_METHODS = new Set(['eth_getBlockByNumber', 'eth_getBlockByHash', 'eth_getHeaderByHash'])
/** Methods addressed by a transaction hash: their answer names the block that holds it, if any. */
const TRANSACTION_METHODS = new Set(['eth_getTransactionByHash', 'eth_getTransactionReceipt'])

const HEAD_TAGS = new Set(['latest', 'safe', 'finalized'])
const BLOCK_HASH = /^0x[0-9a-fA-F]{64}$/

/**
 * Whether answers of `method` may ever be cached (under the default rules or an override). A cheap
 * test for the request path: methods for which it is false never reach the store.
 */
export function isCacheable(method: string, override?: CacheMethodPolicy): boolean {
  if (override !== undefined) return override !== 'never'
  return (
    IMMUTABLE_METHODS.has(method) ||
    TIP_METHODS.has(method) ||
    BLOCK_HASH_METHODS.has(method) ||
    TRANSACTION_METHODS.has(method) ||
    method === 'eth_getLogs' ||
    (BLOCK_PARAMETER_INDEX[method] !== undefined && !UNCACHED_BLOCK_METHODS.has(method))
  )
}

/**
 * How long the answer `result` to `method(params)` stays true on the chain `view` describes, or
 * `undefined` when it must not be cached. Pure: the same inputs give the same verdict.
 *
 * - `null` (a pending transaction's receipt, a block above the head) is never cached: it may change.
 * - Addressed by a final block (number at or below `finalized`, or a remembered canonical hash at such a
 *   height), and `eth_chainId`/`net_version`: kept for good.
 * - Addressed by a block that is not final yet (number, hash, or the block a receipt names): tied to that
 *   block's canonical hash; a reorg orphaning it orphans every block above it too, so a range of blocks
 *   is tied to its highest one.
 * - `latest`, `safe`, `finalized` (or no block at all) and the tip methods: tied to the head.
 * - `pending`, blocks above the head, hashes the follower cannot place, and any other method: never.
 *
 * @example
 * cachePolicy('eth_getBalance', [address, 'latest'], '0x1', view) // { head: [100, '0xab…'] }
 * cachePolicy('eth_getTransactionReceipt', [txHash], null, view) // undefined
 */
export function cachePolicy(
  method: string,
  params: unknown,
  result: unknown,
  view: CacheChainView,
  override?: CacheMethodPolicy,
): CacheValidity | undefined {
  if (result === null || result === undefined || override === 'never') return undefined
  if (override === 'immutable') return FOREVER
  const validity = judge(method, Array.isArray(params) ? params : [], result, view)
  return override === 'final-only' && (validity?.block || validity?.head) ? undefined : validity
}

function judge(method: string, params: unknown[], result: unknown, view: CacheChainView) {
  if (IMMUTABLE_METHODS.has(method)) return FOREVER
  if (TIP_METHODS.has(method))
    // A lagging provider's block number, kept for the whole block, would make its lag everyone's.
    return method !== 'eth_blockNumber' || result === hex(view.head?.number) ? atHead(view) : undefined
  if (BLOCK_HASH_METHODS.has(method))
    return typeof params[0] === 'string' ? atHash(params[0], view, result) : undefined
  if (TRANSACTION_METHODS.has(method)) {
    const { blockHash, blockNumber } = result as { blockHash?: unknown; blockNumber?: unknown }
    // No block yet: the transaction is pending, and its answer changes once it is mined.
    return typeof blockHash === 'string' ? atHash(blockHash, view, quantity(blockNumber)) : undefined
  }
  if (method === 'eth_getLogs') return logs(params[0], result, view)
  const index = BLOCK_PARAMETER_INDEX[method]
  if (index === undefined || UNCACHED_BLOCK_METHODS.has(method)) return undefined
  const ref = params[index]
  return consistent(
    method,
    atBlock(ref, view, result),
    result,
    ref === undefined || ref === null || ref === 'latest',
  )
}

/** The validity of an answer about block `ref` (a tag, a number, a hash or an EIP-1898 object). */
function atBlock(ref: unknown, view: CacheChainView, result: unknown): CacheValidity | undefined {
  if (ref === undefined || ref === null || HEAD_TAGS.has(ref as string)) return atHead(view)
  if (ref === 'earliest') return atNumber(0, view)
  if (typeof ref === 'object') {
    const { blockHash, blockNumber } = ref as { blockHash?: unknown; blockNumber?: unknown }
    if (typeof blockHash === 'string') return atHash(blockHash, view, result)
    return blockNumber === undefined ? undefined : atBlock(blockNumber, view, result)
  }
  if (typeof ref !== 'string') return undefined
  if (BLOCK_HASH.test(ref)) return atHash(ref, view, result)
  const number = quantity(ref)
  return number === undefined ? undefined : atNumber(number, view) // 'pending' and junk: never
}

function atHead(view: CacheChainView): CacheValidity | undefined {
  return view.head && { head: [view.head.number, view.head.hash] }
}

function atNumber(number: number, view: CacheChainView): CacheValidity | undefined {
  // Above the head: the node may not have the block yet, or be about to replace it.
  if (!view.head || number > view.head.number) return undefined
  if (view.finalized !== undefined && number <= view.finalized) return FOREVER
  const hash = view.hashAt(number)
  return hash === undefined ? undefined : { block: [number, hash] }
}

/**
 * An answer about the block with hash `hash`. `hint` is the height the answer itself gives (a number, or
 * an answer carrying `number`/`blockNumber`), used only for a hash the follower no longer remembers.
 */
function atHash(hash: string, view: CacheChainView, hint: unknown): CacheValidity | undefined {
  const lower = hash.toLowerCase()
  const number = view.numberOf(lower)
  if (number !== undefined)
    return view.finalized !== undefined && number <= view.finalized ? FOREVER : { block: [number, lower] }
  // Not a hash the follower remembers: final and older than its memory, or not canonical (then never).
  const height = typeof hint === 'number' ? hint : heightOf(hint)
  return height !== undefined &&
    view.finalized !== undefined &&
    height <= view.finalized &&
    view.hashAt(height) === undefined
    ? FOREVER
    : undefined
}

/** `eth_getLogs`: by block hash, or by a range tied to its highest block (or the head, for tags). */
function logs(filter: unknown, result: unknown, view: CacheChainView): CacheValidity | undefined {
  if (typeof filter !== 'object' || filter === null) return undefined
  const { blockHash, fromBlock, toBlock } = filter as Record<string, unknown>
  if (typeof blockHash === 'string') return atHash(blockHash, view, result)
  const bounds = [fromBlock, toBlock].map((bound) => (bound === 'earliest' ? 0 : quantity(bound)))
  if (fromBlock === 'pending' || toBlock === 'pending') return undefined
  // A bound given by a tag (or left out: `latest`) moves with the head.
  if (bounds.includes(undefined)) return atHead(view)
  return atNumber(Math.max(...(bounds as number[])), view)
}

/**
 * Refuses an answer that names another block than the one it is tied to (or, for `latest`, another block
 * than the head): the node that gave it was on another branch, or at another head, than the follower.
 */
function consistent(
  method: string,
  validity: CacheValidity | undefined,
  result: unknown,
  latest = false,
): CacheValidity | undefined {
  const expected = validity?.block?.[1] ?? (latest ? validity?.head?.[1] : undefined)
  if (expected === undefined || typeof result !== 'object' || result === null) return validity
  const first = (Array.isArray(result) ? result[0] : result) as { hash?: unknown; blockHash?: unknown }
  // A block names itself by `hash`; transactions and receipts name their block by `blockHash`.
  const named = BLOCK_METHODS.has(method) ? first?.hash : first?.blockHash
  return typeof named !== 'string' || named.toLowerCase() === expected ? validity : undefined
}

function heightOf(result: unknown): number | undefined {
  const first = (Array.isArray(result) ? result[0] : result) as
    | { number?: unknown; blockNumber?: unknown }
    | undefined
  return typeof first === 'object' && first !== null ? quantity(first.number ?? first.blockNumber) : undefined
}

function quantity(value: unknown): number | undefined {
  return typeof value === 'string' && /^0x[0-9a-fA-F]{1,13}$/.test(value)
    ? Number.parseInt(value, 16)
    : undefined
}

const hex = (value: number | undefined) => (value === undefined ? undefined : `0x${value.toString(16)}`)
