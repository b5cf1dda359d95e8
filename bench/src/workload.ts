/** The simulated network every suite drives: chain, provider and method names, and a seeded PRNG. */

/** Chains of the simulated network, in the order suites index them. */
export const CHAINS = ['ethereum', 'polygon', 'arbitrum'] as const

/** Providers serving every chain; suites give them stable personalities by index. */
export const PROVIDERS = ['alchemy', 'infura', 'quicknode', 'ankr'] as const

/** JSON-RPC methods of the simulated traffic. */
export const METHODS = [
  'eth_blockNumber',
  'eth_call',
  'eth_getBalance',
  'eth_getLogs',
  'eth_getBlockByNumber',
] as const

/** Deterministic PRNG (mulberry32) so every run simulates the same traffic. */
export function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
