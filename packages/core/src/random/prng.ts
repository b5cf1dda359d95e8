/**
 * The one seeded randomness of ChainPulse's simulations: the mock provider, the strategy conformance
 * suite and the devnet's simulated providers all draw from here, so a seed means the same thing in
 * each. `draws(seed, stream, index)` is counter-based: the Nth decision of a stream depends only on the
 * seed, the stream name and N — never on timing or on how many numbers earlier decisions used.
 */

/** FNV-1a over UTF-16 code units, then a murmur3 finaliser: a well-spread 32-bit hash of a string. */
export function hashString(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return fmix32(h)
}

function fmix32(input: number): number {
  let h = input >>> 0
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/**
 * mulberry32: a tiny 32-bit PRNG, plenty for fault injection (not for anything secret).
 *
 * @example
 * const next = mulberry32(42)
 * next() // 0 <= x < 1, same sequence for the same seed
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * A generator of uniform numbers in [0, 1) for decision number `index` of a named stream.
 *
 * @example
 * const next = draws(1, 'ethereum-alpha:http', 7)
 * next() // the first number of the 8th decision; identical on every run with seed 1
 */
export function draws(seed: number | string, stream: string, index: number): () => number {
  const base = hashString(`${seed}\u0000${stream}`)
  return mulberry32(fmix32(base ^ Math.imul(index + 1, 0x9e3779b1)))
}

/**
 * A standard normal variate (Box–Muller) from two uniforms; scale it for a latency with a standard
 * deviation.
 *
 * @example
 * const latency = Math.max(0, medianMs + jitterMs * standardNormal(mulberry32(1)))
 */
export function standardNormal(next: () => number): number {
  const u1 = 1 - next() // (0, 1]: keeps log finite
  const u2 = next()
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)
}
