/**
 * Keccak-256 (the pre-standard SHA-3 Ethereum uses for transaction hashes), written from FIPS 202 for
 * size rather than speed: the pool hashes only when a resubmitted transaction comes back "already
 * known", and a general hashing library weighed ~2 KB gzipped in every browser bundle. Lanes are
 * BigInts; `keccak256.test.ts` holds it to the published vectors and to @noble/hashes.
 */

const MASK = (1n << 64n) - 1n
/** Bytes absorbed per permutation: 1088 bits of rate (capacity 512 for a 256-bit digest). */
const RATE = 136

/** Rotation offset of each lane, by lane index `x + 5y`, and the 24 round constants (FIPS 202, 3.2). */
const ROTATIONS: number[] = new Array(25).fill(0)
const ROUND_CONSTANTS: bigint[] = []
{
  for (let t = 0, x = 1, y = 0; t < 24; t++) {
    ROTATIONS[x + 5 * y] = (((t + 1) * (t + 2)) / 2) % 64
    ;[x, y] = [y, (2 * x + 3 * y) % 5]
  }
  // rc(t): an 8-bit LFSR with feedback x^8 + x^6 + x^5 + x^4 + 1, read at bit 0.
  let lfsr = 1
  for (let round = 0; round < 24; round++) {
    let constant = 0n
    for (let j = 0; j < 7; j++) {
      if (lfsr & 1) constant |= 1n << BigInt((1 << j) - 1)
      lfsr <<= 1
      if (lfsr & 0x100) lfsr ^= 0x171
    }
    ROUND_CONSTANTS.push(constant)
  }
}

const rotate = (lane: bigint, by: number) =>
  by === 0 ? lane : ((lane << BigInt(by)) | (lane >> BigInt(64 - by))) & MASK

/** Keccak-f[1600] on 25 lanes, in place. */
function permute(state: bigint[]): void {
  const column: bigint[] = new Array(5)
  const moved: bigint[] = new Array(25)
  for (const constant of ROUND_CONSTANTS) {
    // θ: each lane takes the parity of two neighbouring columns.
    for (let x = 0; x < 5; x++)
      column[x] = state[x]! ^ state[x + 5]! ^ state[x + 10]! ^ state[x + 15]! ^ state[x + 20]!
    for (let x = 0; x < 5; x++) {
      const parity = column[(x + 4) % 5]! ^ rotate(column[(x + 1) % 5]!, 1)
      for (let y = 0; y < 25; y += 5) state[x + y]! ^= parity
    }
    // ρ and π: rotate each lane and move it from (x, y) to (y, 2x + 3y).
    for (let x = 0; x < 5; x++)
      for (let y = 0; y < 5; y++)
        moved[y + 5 * ((2 * x + 3 * y) % 5)] = rotate(state[x + 5 * y]!, ROTATIONS[x + 5 * y]!)
    // χ: the only non-linear step, along each row.
    for (let y = 0; y < 25; y += 5)
      for (let x = 0; x < 5; x++)
        state[x + y] = moved[x + y]! ^ (~moved[((x + 1) % 5) + y]! & MASK & moved[((x + 2) % 5) + y]!)
    // ι
    state[0] = state[0]! ^ constant
  }
}

/**
 * The Keccak-256 digest of `bytes`.
 *
 * @example
 * keccak256(new Uint8Array()) // c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470 (as bytes)
 */
export function keccak256(bytes: Uint8Array): Uint8Array {
  // Keccak's padding (pad10*1 with the 0x01 domain bit), to a whole number of blocks.
  const padded = new Uint8Array((Math.floor(bytes.length / RATE) + 1) * RATE)
  padded.set(bytes)
  padded[bytes.length]! ^= 0x01
  padded[padded.length - 1]! ^= 0x80
  const state: bigint[] = new Array(25).fill(0n)
  for (let block = 0; block < padded.length; block += RATE) {
    for (let lane = 0; lane < RATE / 8; lane++) {
      let value = 0n
      for (let byte = 7; byte >= 0; byte--) value = (value << 8n) | BigInt(padded[block + lane * 8 + byte]!)
      state[lane] = state[lane]! ^ value
    }
    permute(state)
  }
  const digest = new Uint8Array(32)
  for (let index = 0; index < 32; index++)
    digest[index] = Number((state[index >> 3]! >> BigInt((index & 7) * 8)) & 0xffn)
  return digest
}
