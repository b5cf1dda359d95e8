import { AnvilError, DevnetConfigError } from '../errors.js'
import { hexToNumber, type JsonRpcResponse, rpcCall } from '../rpc/json-rpc.js'

/** What a reorg does with the transactions of the blocks it replaces. */
export type ReorgTransactions = 'keep' | 'drop'

/** Options of {@link DevnetChain.reorg}. */
export interface ReorgOptions {
  /**
   * `keep`: each replaced block's transactions go into the new block at the same height (same
   * transaction hashes; their logs come back under the new block's hash), as most real reorgs re-include
   * them. `drop`: the new blocks are empty; the replaced transactions and their logs are gone for good and
   * their senders' nonces go back (pending transactions built on them are dropped by the node when mined).
   * @default 'keep'
   */
  transactions?: ReorgTransactions
}

/** A block by height and hash. */
export interface ReorgBlock {
  number: number
  hash: string
}

/** What {@link DevnetChain.reorg} did. */
export interface ReorgResult {
  depth: number
  /** The blocks taken off the chain, oldest first. */
  replaced: ReorgBlock[]
  /** The blocks now at the same heights, oldest first (the head's height does not change). */
  blocks: ReorgBlock[]
  /** Hashes of the replaced blocks' transactions that are in the new blocks. */
  reincluded: string[]
  /** Hashes of the replaced blocks' transactions that are not (all of them with `transactions: 'drop'`). */
  dropped: string[]
}

/** Deepest reorg the devnet makes; core remembers 128 blocks, and real reorgs are a few blocks deep. */
export const MAX_REORG_DEPTH = 64

/** Attempts to read the replaced blocks while no new block arrives before giving up. */
const READ_ATTEMPTS = 5

interface Block {
  number: string
  hash: string
  transactions: string[]
}

/**
 * Replaces the newest `depth` blocks of an anvil node's chain with new ones at the same heights, through
 * `anvil_reorg(depth, [[rawTx, blockOffset], …])`. The node then sends `newHeads` (and logs) for the new
 * blocks, as after a real reorg. anvil reorganises from whatever its head is when the call runs; so the
 * blocks are read again until no block arrived meanwhile, and afterwards the result is checked: the block
 * below the replaced ones must be unchanged and every replaced height must have a new hash.
 *
 * @throws {DevnetConfigError} when `depth` is not an integer from 1 to 64, is deeper than the chain, or
 *   with `drop` would remove the block at `keepBlock` (the log emitter's deployment)
 * @throws {AnvilError} when blocks kept arriving while reading, or a block arrived during the reorg itself
 * @example
 * const { replaced, blocks } = await reorgChain(node.url, 3)
 */
export async function reorgChain(
  nodeUrl: string,
  depth: number,
  options: ReorgOptions & { keepBlock?: number } = {},
): Promise<ReorgResult> {
  const transactions = options.transactions ?? 'keep'
  if (!Number.isInteger(depth) || depth < 1 || depth > MAX_REORG_DEPTH)
    throw new DevnetConfigError(`reorg: depth: must be an integer from 1 to ${MAX_REORG_DEPTH}`, ['depth'])
  if (transactions !== 'keep' && transactions !== 'drop')
    throw new DevnetConfigError('reorg: transactions: must be "keep" or "drop"', ['transactions'])

  for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
    const head = await blockNumber(nodeUrl)
    if (depth > head)
      throw new DevnetConfigError(`reorg: depth: ${depth} is deeper than the chain (head ${head})`, ['depth'])
    const first = head - depth + 1
    if (transactions === 'drop' && options.keepBlock !== undefined && first <= options.keepBlock)
      throw new DevnetConfigError(
        `reorg: depth: dropping the transactions of block ${options.keepBlock} would remove the log emitter; use a depth below ${head - options.keepBlock + 1} or transactions "keep"`,
        ['depth'],
      )
    // the block below the replaced ones too: it must survive, which is how a misplaced reorg shows
    const before = await blocks(nodeUrl, first - 1, head)
    const replacedTxs = before
      .slice(1)
      .flatMap((block, offset) => block.transactions.map((hash) => ({ hash, offset })))
    const pairs =
      transactions === 'keep'
        ? (
            await batch<string>(
              nodeUrl,
              replacedTxs.map(({ hash }) => ['eth_getRawTransactionByHash', [hash]]),
            )
          ).map((raw, index) => [raw, replacedTxs[index]?.offset])
        : []
    if ((await blockNumber(nodeUrl)) !== head) continue
    // The check is sent again with the reorg, in one batch: a block mined between the two (anvil mines
    // on its own timer) is then a matter of microseconds, not of a round trip. The check after the
    // reorg catches what is left.
    const [atReorg] = await batch<string>(nodeUrl, [
      ['eth_blockNumber', []],
      ['anvil_reorg', [depth, pairs]],
    ])
    if (atReorg !== undefined && hexToNumber(atReorg) !== head)
      throw new AnvilError(
        `reorg: block ${head + 1} arrived just as the chain was being reorganised, so anvil reorganised from a newer head`,
      )

    const after = await blocks(nodeUrl, first - 1, head)
    const [base, ...added] = after
    const kept = added.find((block, index) => block.hash === before[index + 1]?.hash)
    if (base?.hash !== before[0]?.hash || kept)
      throw new AnvilError(
        `reorg: block ${kept ? hexToNumber(kept.number) : first - 1} kept its hash: a block arrived while the chain was being reorganised, so anvil reorganised from a newer head`,
      )
    const included = new Set(added.flatMap((block) => block.transactions))
    return {
      depth,
      replaced: before.slice(1).map(toReorgBlock),
      blocks: added.map(toReorgBlock),
      reincluded: replacedTxs.filter(({ hash }) => included.has(hash)).map(({ hash }) => hash),
      dropped: replacedTxs.filter(({ hash }) => !included.has(hash)).map(({ hash }) => hash),
    }
  }
  throw new AnvilError(
    `reorg: blocks kept arriving while reading the newest ${depth}; nothing was reorganised`,
  )
}

const toReorgBlock = (block: Block): ReorgBlock => ({ number: hexToNumber(block.number), hash: block.hash })

async function blockNumber(nodeUrl: string): Promise<number> {
  return hexToNumber(await rpcCall(nodeUrl, 'eth_blockNumber'))
}

/** Blocks `from`..`to` (hashes of their transactions only), in one batch. */
async function blocks(nodeUrl: string, from: number, to: number): Promise<Block[]> {
  const heights = Array.from({ length: to - from + 1 }, (_, index) => from + index)
  const found = await batch<Block | null>(
    nodeUrl,
    heights.map((height) => ['eth_getBlockByNumber', [`0x${height.toString(16)}`, false]]),
  )
  return found.map((block, index) => {
    if (!block) throw new AnvilError(`reorg: block ${heights[index]} is missing`)
    return block
  })
}

/** Calls several methods in one JSON-RPC batch and returns their results in order. */
async function batch<T>(nodeUrl: string, calls: [method: string, params: unknown[]][]): Promise<T[]> {
  if (calls.length === 0) return []
  const response = await fetch(nodeUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(calls.map(([method, params], id) => ({ jsonrpc: '2.0', id, method, params }))),
  })
  const answers = (await response.json()) as JsonRpcResponse[]
  const byId = new Map(answers.map((answer) => [Number(answer.id), answer]))
  return calls.map(([method], id) => {
    const answer = byId.get(id)
    if (!answer || answer.error)
      throw new AnvilError(`reorg: ${method}: ${answer?.error?.message ?? 'no answer'}`)
    return answer.result as T
  })
}
