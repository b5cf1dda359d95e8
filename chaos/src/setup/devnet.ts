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
