/** Storage type of a column: timestamps and durations need doubles, name indices fit in 16 bits. */
export type ColumnKind = 'f64' | 'u16' | 'u8'

type Column = Float64Array | Uint16Array | Uint8Array

const INITIAL_CAPACITY = 1024

function allocate(kind: ColumnKind, length: number): Column {
  if (kind === 'f64') return new Float64Array(length)
  if (kind === 'u16') return new Uint16Array(length)
  return new Uint8Array(length)
}

/**
 * A bounded, columnar table of numbers (one typed array per column) used for the retained race and RPC
 * entries. Appending writes into preallocated slots; when the table is full the oldest 10 % of rows
 * are dropped in one step by moving the head index, so an append is O(1) and allocates nothing
 * (except the rare capacity doubling while the table is still filling up to `maxRows`).
 *
 * Internal to the benchmark store: not exported from the package.
 */
export class RingTable {
  /** Columns in the order of `kinds`; index them with the slot returned by {@link RingTable.append}. */
  readonly columns: Column[]
  /** Rows dropped per eviction: 10 % of `maxRows`, at least one. */
  readonly evictCount: number
  private head = 0
  private rows = 0

  constructor(
    readonly kinds: readonly ColumnKind[],
    readonly maxRows: number,
  ) {
    this.evictCount = Math.max(1, Math.ceil(maxRows / 10))
    const capacity = Math.min(maxRows, INITIAL_CAPACITY)
    this.columns = kinds.map((kind) => allocate(kind, capacity))
  }

  /** Number of retained rows. */
  get size(): number {
    return this.rows
  }

  /** Reserves the slot of a new newest row and returns its physical index; the caller fills the columns. */
  append(): number {
    let capacity = this.columns[0]!.length
    if (this.rows === capacity) {
      if (capacity < this.maxRows) {
        // Still filling up: the table never wrapped (head is 0), so growing is a plain copy.
        capacity = Math.min(this.maxRows, capacity * 2)
        for (let c = 0; c < this.columns.length; c++) {
          const grown = allocate(this.kinds[c]!, capacity)
          grown.set(this.columns[c]!)
          this.columns[c] = grown
        }
      } else {
        this.head += this.evictCount
        if (this.head >= capacity) this.head -= capacity
        this.rows -= this.evictCount
      }
    }
    let slot = this.head + this.rows
    if (slot >= capacity) slot -= capacity
    this.rows++
    return slot
  }

  /** Physical index of the `k`-th oldest retained row (0 = oldest). */
  slot(k: number): number {
    const slot = this.head + k
    const capacity = this.columns[0]!.length
    return slot >= capacity ? slot - capacity : slot
  }
}
