import { writeFile } from 'node:fs/promises'
import type { BlockTime } from './anvil/spawn-anvil.js'
import type { Personality } from './provider/personality.js'

/** A chain as the manifest lists it. */
export interface ManifestChain {
  name: string
  chainId: number
  /** The anvil node itself: no personality, no faults. */
  nodeUrl: string
  nodeWsUrl: string
  /** Process id of the anvil node. */
  nodePid: number
  /** Block interval in ms, or `'manual'` / `'auto'`. */
  blockTime: BlockTime
  /** Address of the log emitter contract (see docs/devnet.md). */
  emitterAddress: string
}

/** A provider as the manifest lists it. */
export interface ManifestProvider {
  id: string
  chain: string
  chainId: number
  httpUrl: string
  wsUrl: string
  /** Preset the personality started from. */
  profile: string | null
  personality: Personality
}

/** Everything a tool or test needs to find the devnet's endpoints. */
export interface DevnetManifest {
  /** Manifest format version. */
  version: 1
  seed: number | string
  /** Base URL of the HTTP control API, or null when it is off. */
  controlUrl: string | null
  chains: ManifestChain[]
  providers: ManifestProvider[]
}

/**
 * Writes a manifest as pretty JSON (the CLI's `--manifest <file>`).
 *
 * @example
 * await writeManifest('devnet.json', devnet.manifest)
 */
export async function writeManifest(path: string, manifest: DevnetManifest): Promise<void> {
  await writeFile(path, `${JSON.stringify(manifest, null, 2)}\n`, 'utf8')
}
