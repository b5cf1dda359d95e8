import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DevnetOptions } from '../devnet-options.js'
import { type DevnetProcess, spawnDevnet } from './spawn-devnet.js'

/**
 * Starts a devnet from full `startDevnet` options in its own process (through the CLI's `--config`), so
 * its simulated providers and anvil do not share the caller's event loop, as a real network would not.
 *
 * @example
 * const devnet = await spawnDevnetWith({ chains: [{ name: 'ethereum', blockTimeMs: 'manual', providers: 3 }] })
 */
export async function spawnDevnetWith(options: DevnetOptions): Promise<DevnetProcess> {
  const folder = await mkdtemp(join(tmpdir(), 'chainpulse-devnet-'))
  try {
    const file = join(folder, 'devnet.json')
    await writeFile(file, JSON.stringify(options))
    return await spawnDevnet(['--config', file], { timeoutMs: 60_000 })
  } finally {
    await rm(folder, { recursive: true, force: true })
  }
}
