/** A fixed-capacity FIFO that overwrites its oldest item when full: O(1) push, no shifting. */
export interface RingBuffer<T> {
  /** Appends `item`, dropping the oldest one when full. A capacity-0 buffer keeps nothing. */
  push(item: T): void
  /** Up to `n` of the newest items, oldest first, as a new array. `n` is clamped to `[0, size]`. */
  latest(n: number): T[]
  /** Items currently held. */
  readonly size: number
  readonly capacity: number
  /** Drops every item. */
  clear(): void
}

/**
 * Creates a {@link RingBuffer}. Storage grows with the first `capacity` pushes, then is reused, so an
 * idle topic costs nothing and a busy one never more than `capacity` slots.
 *
 * @example
 * const buffer = createRingBuffer<number>(2)
 * buffer.push(1); buffer.push(2); buffer.push(3)
 * buffer.latest(5) // [2, 3]
 */
export function createRingBuffer<T>(capacity: number): RingBuffer<T> {
  let items: T[] = []
  // Index the next push writes to once the buffer is full; also the index of the oldest item then.
  let next = 0

  return {
    push(item) {
      if (capacity === 0) return
      if (items.length < capacity) {
        items.push(item)
        return
      }
      items[next] = item
      next = next + 1 === capacity ? 0 : next + 1
    },
    latest(n) {
      const size = items.length
      const count = n >= size ? size : n > 0 ? Math.floor(n) : 0
      const result = new Array<T>(count)
      // The oldest item sits at `next` when full and at 0 before (next stays 0 until then).
      let index = (next + size - count) % (size || 1)
      for (let i = 0; i < count; i++) {
        result[i] = items[index] as T
        index = index + 1 === size ? 0 : index + 1
      }
      return result
    },
    get size() {
      return items.length
    },
    capacity,
    clear() {
      items = []
      next = 0
    },
  }
}
