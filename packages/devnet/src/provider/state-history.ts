import { blockParameterIndex, isStateRead } from '@chainpulse/core'
import { missingStateError } from '@chainpulse/core/testing'
import type { JsonRpcErrorObject, JsonRpcRequest } from '../rpc/json-rpc.js'

// A provider that keeps only its newest `stateHistoryBlocks` blocks' state, as a pruning node does (geth's
// full node keeps 128), refuses a state read at an older block the way geth does: -32000 `missing trie
// node <state root> (path )`. Which methods read state, and where their block parameter is, is core's
// table: the pool's history-aware routing and this simulation must agree on it. Block lookups, receipts
// and logs are served at any block: a pruning node keeps its history, only old state goes.

/** The block a state read names: a number (`earliest` is 0), a block hash, or nothing (tags). */
export type StateBlock = { number: number } | { hash: string } | undefined

/** The block whose state `request` reads, or `undefined` for other methods and for moving tags. */
export function stateBlockOf(request: JsonRpcRequest): StateBlock {
  if (!isStateRead(request.method) || !Array.isArray(request.params)) return undefined
  const block: unknown = request.params[blockParameterIndex(request.method)!]
  if (block === 'earliest') return { number: 0 }
  if (typeof block === 'object' && block !== null) {
    const { blockNumber, blockHash } = block as { blockNumber?: unknown; blockHash?: unknown }
    if (typeof blockHash === 'string') return { hash: blockHash }
    return numbered(blockNumber)
  }
  if (typeof block === 'string' && /^0x[0-9a-fA-F]{64}$/.test(block)) return { hash: block }
  return numbered(block)
}

/** What the provider needs to know of a block to decide: its number and state root, if the node has it. */
export type BlockLookup = (
  block: { number: number } | { hash: string },
) => Promise<{ number: number; stateRoot: string } | undefined>

/**
 * The refusal of `request` by a provider whose head is `head` and that keeps the state of its newest
 * `historyBlocks` blocks (blocks `head - historyBlocks + 1` to `head`), or `undefined` when it serves it.
 * `lookup` is asked only for a block named by hash, or an old one (for the state root the error names).
 *
 * @example
 * await prunedStateRefusal(getBalanceAt('0x1'), 1_000, 128, lookup)
 * // { code: -32000, message: 'missing trie node 5c99… (path )' }
 */
export async function prunedStateRefusal(
  request: JsonRpcRequest,
  head: number,
  historyBlocks: number,
  lookup: BlockLookup,
): Promise<JsonRpcErrorObject | undefined> {
  const named = stateBlockOf(request)
  if (named === undefined) return undefined
  const earliest = head - historyBlocks + 1
  // Within the window (or above the head, for the node or the lag to answer): served.
  if ('number' in named && named.number >= earliest) return undefined
  const block = await lookup(named)
  if (block === undefined || block.number >= earliest) return undefined
  return missingStateError(block.stateRoot)
}

function numbered(value: unknown): StateBlock {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{1,13}$/.test(value)) return undefined
  return { number: Number.parseInt(value.slice(2), 16) }
}
