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

/** Deterministic PRNG (core's mulberry32, the one every simulation uses) so every run simulates the same traffic. */
export { mulberry32 as random } from '@chainpulse/core/testing'
