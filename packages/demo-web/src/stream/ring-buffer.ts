/** A fixed-capacity buffer that keeps the latest items: pushing past capacity drops the oldest. */
export interface RingBuffer<T> {
  readonly capacity: number
  readonly size: number
  push(item: T): void
  /** The items, oldest first (a new array). */
  toArray(): T[]
  clear(): void
}

/**
 * Creates a {@link RingBuffer}. Memory stays at `capacity` items however fast items arrive, which is what
 * lets a 1,000 events/s feed run for hours.
 *
 * @throws {RangeError} when `capacity` is not a positive integer.
 * @example
 * const latest = createRingBuffer<number>(3)
 * for (const n of [1, 2, 3, 4]) latest.push(n)
 * latest.toArray() // [2, 3, 4]
 */
export function createRingBuffer<T>(capacity: number): RingBuffer<T> {
  if (!Number.isInteger(capacity) || capacity < 1)
    throw new RangeError(`capacity must be ≥ 1, got ${capacity}`)
  const items: (T | undefined)[] = new Array(capacity)
  let start = 0
  let size = 0
  return {
    capacity,
    get size() {
      return size
    },
    push(item) {
      items[(start + size) % capacity] = item
      if (size < capacity) size++
      else start = (start + 1) % capacity
    },
    toArray() {
      const out: T[] = new Array(size)
      for (let index = 0; index < size; index++) out[index] = items[(start + index) % capacity] as T
      return out
    },
    clear() {
      items.fill(undefined)
      start = 0
      size = 0
    },
  }
}
