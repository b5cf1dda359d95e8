/**
 * Checks of what a subscriber or a filter poller was delivered (blocks and logs, in arrival order)
 * against the node's own canonical history, read from the node once the run has settled.
 */

/** A block header as `newHeads` delivers it (the fields the checks read). */
export interface Head {
  number: string
  hash: string
  parentHash: string
}

/** A log as `logs` subscriptions and log filters deliver it (the fields the checks read). */
export interface Log {
  blockHash: string
  blockNumber: string
  logIndex: string
  removed?: boolean
}

/** One delivery, stamped with its arrival (ms on the run clock). */
export interface Delivery<T> {
  at: number
  value: T
}

/** The node's canonical chain over the checked block range, read after the run settled. */
export interface CanonicalHistory {
  /** First and last block checked (inclusive). */
  from: number
  to: number
  /** Block hash by height, for every height in the range. */
  hashes: ReadonlyMap<number, string>
  /** The canonical logs of the range that the clients asked for: their heights by {@link logKey}. */
  logs: ReadonlyMap<string, number>
}

/** What one check found. */
export interface StreamCheck {
  violations: string[]
  /** Reorgs the stream showed: a block at or below the previous one; or logs delivered with `removed: true`. */
  reorgs: number
}

export const toNumber = (hex: string) => Number.parseInt(hex, 16)

/** A log's identity: its block hash and index (a re-included log under a new block is a new log). */
export const logKey = (log: { blockHash: string; logIndex: string }) =>
  `${log.blockHash.toLowerCase()}:${toNumber(log.logIndex)}`

/**
 * Words that place a violation in the run, for the report: when a delivery arrived, or around which
 * block (e.g. which fault came just before).
 */
export interface DeliveryContext {
  at(ms: number): string
  block(number: number): string
}

const plainContext: DeliveryContext = { at: (ms) => `at ${(ms / 1_000).toFixed(1)} s`, block: () => '' }

/**
 * Checks a stream of blocks: each hash once; each block the child of the one delivered before it as
 * the client knew it (a reorg shows as a block at or below the previous height whose parent is the
 * block below it as delivered), never a height skipped; and, at the end, the client's view of the
 * range (each height's last delivered hash) is exactly the node's canonical chain.
 */
export function checkHeads(
  heads: readonly Delivery<Head>[],
  canonical: CanonicalHistory,
  context: DeliveryContext = plainContext,
): StreamCheck {
  const when = context.at
  const violations: string[] = []
  const seen = new Set<string>()
  const view = new Map<number, string>()
  let tip: number | undefined
  let reorgs = 0
  for (const { at, value } of heads) {
    const number = toNumber(value.number)
    if (seen.has(value.hash)) violations.push(`block ${number} (${value.hash}) delivered twice, ${when(at)}`)
    seen.add(value.hash)
    if (tip !== undefined) {
      if (number > tip + 1) violations.push(`gap: block ${number} after ${tip}, ${when(at)}`)
      if (number <= tip) {
        reorgs++
        for (let above = number; above <= tip; above++) view.delete(above)
      }
      const parent = view.get(number - 1)
      if (parent === undefined && number <= tip)
        violations.push(`reorg to block ${number} deeper than what was delivered, ${when(at)}`)
      if (parent !== undefined && parent !== value.parentHash)
        violations.push(
          `block ${number}: parent ${value.parentHash}, but block ${number - 1} was ${parent}, ${when(at)}`,
        )
    }
    view.set(number, value.hash)
    tip = number
  }
  for (let number = canonical.from; number <= canonical.to; number++) {
    const delivered = view.get(number)
    const expected = canonical.hashes.get(number)
    if (delivered !== expected)
      violations.push(
        `block ${number}: ended with ${delivered ?? 'nothing'}, the node has ${expected}${context.block(number)}`,
      )
  }
  return { violations, reorgs }
}

/**
 * Checks a stream of logs: each added once and in chain order after the newest live one; a removal only
 * of the newest log still live (removals come newest first, before the new branch); and, at the end,
 * the live logs of the range (added and not removed since) are exactly the node's canonical logs, so each
 * canonical log was delivered once as not removed after its last removal.
 */
export function checkLogs(
  logs: readonly Delivery<Log>[],
  canonical: CanonicalHistory,
  context: DeliveryContext = plainContext,
): StreamCheck {
  const when = context.at
  const violations: string[] = []
  const added = new Set<string>()
  const live: { key: string; block: number; index: number }[] = []
  let reorgs = 0
  let removing = false
  for (const { at, value } of logs) {
    const key = logKey(value)
    const block = toNumber(value.blockNumber)
    const index = toNumber(value.logIndex)
    const newest = live[live.length - 1]
    if (value.removed) {
      if (!removing) reorgs++
      removing = true
      if (newest?.key === key) live.pop()
      else
        violations.push(
          `log ${key} removed, but the newest live log is ${newest?.key ?? 'none'}, ${when(at)}`,
        )
      continue
    }
    removing = false
    if (added.has(key)) violations.push(`log ${key} (block ${block}) delivered twice, ${when(at)}`)
    if (newest && (block < newest.block || (block === newest.block && index <= newest.index)))
      violations.push(`log ${key} (block ${block}) out of order after block ${newest.block}, ${when(at)}`)
    added.add(key)
    live.push({ key, block, index })
  }
  const inRange = live.filter(({ block }) => block >= canonical.from && block <= canonical.to)
  const kept = new Set(inRange.map(({ key }) => key))
  for (const { key, block } of inRange)
    if (!canonical.logs.has(key))
      violations.push(`log ${key} (block ${block}) kept but not canonical${context.block(block)}`)
  for (const [key, block] of canonical.logs)
    if (!kept.has(key))
      violations.push(`canonical log ${key} (block ${block}) missing${context.block(block)}`)
  return { violations, reorgs }
}

/** Keys of the logs a client holds once removals are applied. */
export function liveLogKeys(logs: readonly Delivery<Log>[]): Set<string> {
  const live = new Set<string>()
  for (const { value } of logs) {
    if (value.removed) live.delete(logKey(value))
    else live.add(logKey(value))
  }
  return live
}
