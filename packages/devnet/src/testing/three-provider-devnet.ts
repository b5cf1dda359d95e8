import type { Devnet } from '../devnet.js'
import type { DevnetOptions } from '../devnet-options.js'
import { neutralPersonality } from '../provider/personality.js'
import type { DevnetProcess } from './spawn-devnet.js'

/**
 * One chain (ethereum, a block every 200 ms, no background traffic) behind three providers,
 * `ethereum-alpha`, `ethereum-bravo` and `ethereum-charlie`, seed 7: the devnet on which the pool and
 * cluster tests (and the cluster-dead-provider benchmark) kill a provider under traffic.
 *
 * @example
 * const devnet = await startDevnet(threeProviderDevnet)
 */
export const threeProviderDevnet: DevnetOptions = {
  seed: 7,
  chains: [{ name: 'ethereum', blockTimeMs: 200, providers: 3, traffic: false }],
}

/**
 * Revives every provider and gives it the neutral personality (the presets' latency, errors, hangs and
 * lag off), so each test or round starts from the same well-behaved providers whatever the last one did
 * to them. Works on a devnet in this process and on one in its own.
 *
 * @example
 * beforeEach(() => resetProviders(devnet))
 */
export async function resetProviders(devnet: Devnet | DevnetProcess): Promise<void> {
  for (const { id } of devnet.manifest.providers) {
    if ('provider' in devnet) {
      await devnet.provider(id).revive()
      await devnet.provider(id).set(neutralPersonality)
    } else {
      await devnet.revive(id)
      await devnet.set(id, neutralPersonality)
    }
  }
}
