import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DevnetOptions, ProviderStats } from '@chainpulse/devnet'
import { type DevnetProcess, spawnDevnet } from '@chainpulse/devnet/testing'

/**
 * Starts a devnet in its own process (through the CLI's `--config`): its simulated providers and anvil
 * get their own event loop, as a real network would, so the server and the load under test do not
 * delay the providers' timers. Every provider is a separate node as far as filters go (the devnet's
 * default).
 *
 * @example
 * const devnet = await spawnChaosDevnet({ chains: [{ name: 'ethereum', providers: 3 }] })
 */
export async function spawnChaosDevnet(options: DevnetOptions): Promise<DevnetProcess> {
  const folder = await mkdtemp(join(tmpdir(), 'chainpulse-chaos-'))
  try {
    const file = join(folder, 'devnet.json')
    await writeFile(file, JSON.stringify(options))
    return await spawnDevnet(['--config', file], { timeoutMs: 60_000 })
  } finally {
    await rm(folder, { recursive: true, force: true })
  }
}

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
