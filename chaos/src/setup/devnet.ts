import type { ProviderStats } from '@chainpulse/devnet'
import type { DevnetProcess } from '@chainpulse/devnet/testing'

// The chaos suite's devnet runs in its own process (`spawnDevnetWith` from @chainpulse/devnet/testing);
// these read and reorganise it through its control API.

/** A provider's counters from the devnet's control API (what it received and how it answered). */
export async function devnetStats(devnet: DevnetProcess, providerId: string): Promise<ProviderStats> {
  const response = await fetch(`${devnet.manifest.controlUrl}/providers/${providerId}`)
  if (!response.ok) throw new Error(`devnet control: ${response.status} ${await response.text()}`)
  return ((await response.json()) as { stats: ProviderStats }).stats
}

/** What a reorg through the control API replaced (see the devnet's `POST /chains/:name/reorg`). */
export interface DevnetReorg {
  depth: number
  replaced: { number: number; hash: string }[]
  blocks: { number: number; hash: string }[]
}

/**
 * Reorganises `chain` `depth` blocks deep through the devnet's control API (the replaced blocks'
 * transactions go into the new ones, so their logs come back under new block hashes).
 *
 * @throws {Error} when the devnet refuses, e.g. a block arrived while the chain was being reorganised
 */
export async function reorgDevnetChain(
  devnet: DevnetProcess,
  chain: string,
  depth: number,
): Promise<DevnetReorg> {
  const response = await fetch(`${devnet.manifest.controlUrl}/chains/${chain}/reorg`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ depth }),
  })
  if (!response.ok) throw new Error(`devnet reorg: ${response.status} ${await response.text()}`)
  return (await response.json()) as DevnetReorg
}
