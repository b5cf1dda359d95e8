/**
 * Faults the devnet's providers cannot produce, injected by an {@link UpstreamFront} itself:
 * - `nonJson200`: HTTP 200 with an HTML error page (a CDN or captive portal in the way);
 * - `empty200`: HTTP 200 with an empty body;
 * - `redirect`: HTTP 302 to another path of the front, which a client must never follow;
 * - `wrongChainId`: `eth_chainId` answered with another chain's id (a misconfigured endpoint).
 */
export type HostileFault = 'nonJson200' | 'empty200' | 'redirect' | 'wrongChainId'

/** The chain id a `wrongChainId` front claims: anvil's default, never a chain the suite serves. */
export const WRONG_CHAIN_ID = '0x7a69'

/** What a front does now: forward everything, or inject `fault` into a share of requests. */
export interface FrontFault {
  fault: HostileFault
  /** Probability (0–1) that a request gets the fault. */
  rate: number
}

/** A small seeded PRNG (mulberry32), so a run's fault sequence is the same every time. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}
