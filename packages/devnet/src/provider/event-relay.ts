import type { ChainEvent, ChainFeed, ReorgEvent } from '../chain/chain-feed.js'
import type { ProviderContext } from './provider-context.js'

/** Orders events of one block as a node publishes them: the head first, then its logs in arrival order. */
function byBlockThenHeadFirst(a: ChainEvent, b: ChainEvent): number {
  if (a.block !== b.block) return a.block - b.block
  return a.type === b.type ? 0 : a.type === 'newHeads' ? -1 : 1
}

/** The stream of one provider's subscription events, after head lag and delivery delay. */
export interface EventRelay {
  /** Re-evaluates held events now (after `lagBlocks` shrank, say). */
  flush(): void
  close(): void
}

/**
 * Turns the chain feed into what one provider publishes. An event of block B is held until the feed's
 * head reaches B + lagBlocks (so with lag 0 a block's logs never precede its head), then delayed by a
 * seeded draw around `wsDelayMs`. Delivery keeps the provider's order: an event never overtakes an
 * earlier one, as on one TCP stream. Events released while the provider is not `up` are lost. On a reorg,
 * what the provider still held of the replaced blocks is dropped (a lagging node never saw them), and
 * the logs it had published of them are published again with `removed: true`, newest first, before the
 * new branch — as geth does.
 */
export function createEventRelay(
  context: ProviderContext,
  feed: ChainFeed,
  deliver: (event: ChainEvent) => void,
): EventRelay {
  let held: ChainEvent[] = []
  let head = feed.head
  let lastDeliveryAt = 0
  const timers = new Set<PreciseTimer>()

  /** Delivers `event` a seeded delay after `releasedAt`, never before an earlier one. */
  const schedule = (event: ChainEvent, releasedAt: number) => {
    const personality = context.personality()
    if (personality.mode !== 'up') return
    const { delayMs } = context.plan.nextEvent(personality)
    const now = performance.now()
    const at = Math.max(releasedAt + delayMs, lastDeliveryAt)
    lastDeliveryAt = at
    if (at <= now && timers.size === 0) {
      deliver(event)
      return
    }
    const timer = preciseTimeout(() => {
      timers.delete(timer)
      if (context.personality().mode === 'up') deliver(event)
    }, at)
    timers.add(timer)
  }

  /** Releases what the head now makes visible, each event `wsDelayMs` after `releasedAt`. */
  const release = (releasedAt = performance.now()) => {
    const visible = head - context.personality().lagBlocks
    const ready = held.filter((event) => event.block <= visible).sort(byBlockThenHeadFirst)
    if (ready.length === 0) return
    held = held.filter((event) => event.block > visible)
    for (const event of ready) schedule(event, releasedAt)
  }

  const retract = (reorg: ReorgEvent) => {
    const replaced = new Set(reorg.replaced.map((block) => block.hash))
    const unseen = new Set(held.filter((event) => replaced.has(blockHashOf(event))).map(blockHashOf))
    held = held.filter((event) => !replaced.has(blockHashOf(event)))
    for (const block of [...reorg.replaced].reverse()) {
      if (unseen.has(block.hash)) continue
      for (const log of [...block.logs].reverse()) {
        const removed = { ...log, removed: true }
        schedule(
          { type: 'logs', block: block.number, payload: removed, receivedAt: reorg.receivedAt },
          reorg.receivedAt,
        )
      }
    }
  }

  const unsubscribe = feed.subscribe((event) => {
    if (event.type === 'reorg') return retract(event)
    if (event.type === 'newHeads') head = Math.max(head, event.block)
    held.push(event)
    // Timed from the feed's receipt, not from now: other providers of the chain may have been served
    // first in this turn, and their sending time must not add to this provider's delay.
    release(event.receivedAt)
  })

  return {
    flush: () => release(),
    close() {
      unsubscribe()
      for (const timer of timers) timer.cancel()
      timers.clear()
      held = []
    },
  }
}

function blockHashOf(event: ChainEvent): string {
  return event.type === 'newHeads' ? event.payload.hash : event.payload.blockHash
}

/** A cancellable timer that fires at a `performance.now()` instant with sub-millisecond accuracy. */
interface PreciseTimer {
  cancel(): void
}

/** How early the coarse timer wakes up before the target, to absorb setTimeout's millisecond rounding. */
const PRECISION_MARGIN_MS = 3

/**
 * Calls `callback` at `at` (performance.now() time). setTimeout alone rounds to whole milliseconds and
 * fires late, which would blur the delivery delays that races measure; so a coarse timeout wakes up
 * shortly before, and setImmediate turns of the event loop finish the wait.
 */
function preciseTimeout(callback: () => void, at: number): PreciseTimer {
  let cancelled = false
  let coarse: NodeJS.Timeout | undefined
  let fine: NodeJS.Immediate | undefined
  const spin = () => {
    if (cancelled) return
    if (performance.now() >= at) return callback()
    fine = setImmediate(spin)
  }
  coarse = setTimeout(spin, Math.max(0, at - performance.now() - PRECISION_MARGIN_MS))
  return {
    cancel() {
      cancelled = true
      if (coarse) clearTimeout(coarse)
      if (fine) clearImmediate(fine)
      coarse = undefined
    },
  }
}
