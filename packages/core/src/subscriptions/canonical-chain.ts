import { type BlockHeader, hexToNumber } from './block-header.js'

/** Options of {@link createCanonicalChain}. */
export interface CanonicalChainOptions {
  /** Fetches a block by hash (over HTTP, through the pool); resolves `null` when no provider has it yet. */
  fetchBlockByHash(hash: string): Promise<BlockHeader | null>
  /** Receives each canonical block exactly once, in order, parent-linked. */
  onBlock(header: BlockHeader): void
  /** Receives blocks that a reorg took off the canonical chain, newest first, before the new branch. */
  onRemoved?(header: BlockHeader): void
  /** Receives fetch failures; the head stays pending and is retried on the next `push`. */
  onError?(error: unknown): void
  /** Delivered blocks remembered for linking and reorg detection. @default 128 */
  historySize?: number
  /** Most blocks back-filled for one gap; a longer gap restarts the chain at the new head. @default 256 */
  maxBackfill?: number
}

/** Follows the canonical chain from a stream of first-seen heads. */
export interface CanonicalChain {
  /** Offers a head; resolves once it (and any back-filled ancestors) has been delivered or skipped. */
  push(header: BlockHeader): Promise<void>
  /**
   * Starts an empty chain at `header` without delivering it: later heads link to it. For following from
   * an existing block (the chain's current head) that nobody saw arrive; a no-op once there is a head.
   */
  seed(header: BlockHeader): Promise<void>
  /** The newest delivered block, if any. */
  head(): BlockHeader | undefined
}

/**
 * Turns heads from racing providers — which may skip blocks when an upstream drops, or switch branch
 * on a reorg — into a gap-free, duplicate-free, parent-linked sequence. Missing ancestors are fetched
 * by hash (so the back-filled branch is exactly the one the new head builds on) and delivered before
 * the head; blocks a reorg replaces are reported through `onRemoved` first. Heads are processed one at
 * a time, in arrival order.
 *
 * @example
 * const chain = createCanonicalChain({ fetchBlockByHash, onBlock: (block) => console.log(block.number) })
 * await chain.push(header)
 */
export function createCanonicalChain(options: CanonicalChainOptions): CanonicalChain {
  const historySize = options.historySize ?? 128
  const maxBackfill = options.maxBackfill ?? 256
  /** Delivered blocks by number, oldest first; numbers are contiguous. */
  const history: BlockHeader[] = []
  const delivered = new Set<string>()
  let queue: Promise<void> = Promise.resolve()

  const last = () => history[history.length - 1]
  const hashAt = (number: number): string | undefined => {
    const first = history[0]
    if (!first) return undefined
    return history[number - hexToNumber(first.number)]?.hash
  }

  function remember(header: BlockHeader): void {
    history.push(header)
    delivered.add(header.hash)
    while (history.length > historySize) delivered.delete(history.shift()!.hash)
  }

  function deliver(header: BlockHeader): void {
    remember(header)
    options.onBlock(header)
  }

  function removeAbove(number: number): void {
    while (history.length && hexToNumber(last()!.number) > number) {
      const removed = history.pop()!
      delivered.delete(removed.hash)
      options.onRemoved?.(removed)
    }
  }

  async function process(header: BlockHeader): Promise<void> {
    if (delivered.has(header.hash)) return
    const tip = last()
    if (!tip) return deliver(header)

    // Walk back from the new head until its ancestor links into what we delivered.
    const oldest = hexToNumber(history[0]!.number)
    // Older than anything we remember: a straggler from a lagging provider, not a new head.
    if (hexToNumber(header.number) < oldest) return
    const branch: BlockHeader[] = [header]
    let cursor = header
    while (hashAt(hexToNumber(cursor.number) - 1) !== cursor.parentHash) {
      const parentNumber = hexToNumber(cursor.number) - 1
      if (branch.length > maxBackfill || parentNumber < oldest) {
        // Too far to link (a long outage, or a reorg deeper than our history): restart here. Blocks
        // we delivered at or above the new head's height are not canonical any more: report them.
        removeAbove(hexToNumber(header.number) - 1)
        history.length = 0
        delivered.clear()
        return deliver(header)
      }
      const parent = await options.fetchBlockByHash(cursor.parentHash)
      if (!parent) throw new Error(`block ${cursor.parentHash} is not available yet`)
      branch.push(parent)
      cursor = parent
    }
    removeAbove(hexToNumber(cursor.number) - 1)
    for (let index = branch.length - 1; index >= 0; index--) deliver(branch[index]!)
  }

  return {
    push(header) {
      queue = queue.then(() => process(header)).catch((error: unknown) => options.onError?.(error))
      return queue
    },
    seed(header) {
      queue = queue.then(() => {
        if (!last()) remember(header)
      })
      return queue
    },
    head: last,
  }
}
