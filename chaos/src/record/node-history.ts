/**
 * The node's own history, the ground truth streaming clients are checked against: what the anvil node
 * announced as it went (a bare socket on it, no simulated provider between), and its canonical chain
 * read once the run settled.
 */

import { connectWs, nodeCall } from '@chainpulse/devnet/testing'
import {
  type CanonicalHistory,
  type Delivery,
  type Head,
  type Log,
  logKey,
  toNumber,
} from '../invariants/chain-delivery.js'
import type { RunClock } from './clock.js'
import { recordWs } from './ws-recording.js'

/**
 * A bare `newHeads` subscription on the node itself: every block the node announced (those a reorg later
 * replaced and the new branch alike), by hash, with when it was announced. Block filters
 * deliver hashes only; this is where their heights and parents come from, and every delivery is timed
 * from here.
 */
export async function observeNode(
  nodeWsUrl: string,
  clock: RunClock,
): Promise<{ announced(): Map<string, Delivery<Head>>; close(): Promise<void> }> {
  const client = await connectWs(nodeWsUrl)
  const recording = recordWs(client, clock)
  const id = await client.subscribe(['newHeads'])
  return {
    announced() {
      const byHash = new Map<string, Delivery<Head>>()
      for (const delivery of (recording.notifications.get(id) ?? []) as Delivery<Head>[])
        if (!byHash.has(delivery.value.hash)) byHash.set(delivery.value.hash, delivery)
      return byHash
    },
    close: () => client.close(),
  }
}

/** The node's canonical blocks of `from`..`to` and the emitter's logs in them. */
export async function canonicalHistory(
  nodeUrl: string,
  address: string,
  from: number,
  to: number,
): Promise<CanonicalHistory> {
  const hashes = new Map<number, string>()
  for (let number = from; number <= to; number++) {
    const block = await nodeCall<Head>(nodeUrl, 'eth_getBlockByNumber', [`0x${number.toString(16)}`, false])
    hashes.set(number, block.hash)
  }
  const logs = await nodeCall<Log[]>(nodeUrl, 'eth_getLogs', [
    { address, fromBlock: `0x${from.toString(16)}`, toBlock: `0x${to.toString(16)}` },
  ])
  return { from, to, hashes, logs: new Map(logs.map((log) => [logKey(log), toNumber(log.blockNumber)])) }
}

/**
 * A block filter's hashes as headers, from the node's own announcements (a hash the node never announced
 * is looked up on the node; one it does not know either is a violation).
 */
export async function headsOfHashes(
  hashes: readonly Delivery<string>[],
  announced: ReadonlyMap<string, Delivery<Head>>,
  nodeUrl: string,
): Promise<{ heads: Delivery<Head>[]; unknown: string[] }> {
  const heads: Delivery<Head>[] = []
  const unknown: string[] = []
  for (const { at, value: hash } of hashes) {
    const head =
      announced.get(hash)?.value ??
      (await nodeCall<Head | null>(nodeUrl, 'eth_getBlockByHash', [hash, false]))
    if (head) heads.push({ at, value: head })
    else unknown.push(`block ${hash}, delivered at ${(at / 1_000).toFixed(1)} s, is unknown to the node`)
  }
  return { heads, unknown }
}
