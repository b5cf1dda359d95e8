import type { DevnetManifest } from '../manifest.js'

/** The `chains` and `providers` of a provider pool over one devnet chain. */
export interface PoolOverDevnet {
  chains: { name: string; chainId: number }[]
  providers: { id: string; chain: string; httpUrl: string; wsUrl?: string }[]
}

/**
 * The `chains` and `providers` of a provider pool (or a server's `pool` config) over every provider of
 * one devnet chain, by HTTP URL, and WebSocket URL too with `ws: true`.
 *
 * @throws {Error} when the devnet has no such chain
 * @example
 * const pool = createProviderPool({ ...poolOverDevnet(devnet.manifest), strategy: 'round-robin' })
 */
export function poolOverDevnet(
  manifest: DevnetManifest,
  { chain = 'ethereum', ws = false }: { chain?: string; ws?: boolean } = {},
): PoolOverDevnet {
  const found = manifest.chains.find((candidate) => candidate.name === chain)
  if (!found) throw new Error(`devnet has no chain ${chain}`)
  return {
    chains: [{ name: chain, chainId: found.chainId }],
    providers: manifest.providers
      .filter((provider) => provider.chain === chain)
      .map((provider) => ({
        id: provider.id,
        chain,
        httpUrl: provider.httpUrl,
        ...(ws ? { wsUrl: provider.wsUrl } : {}),
      })),
  }
}
