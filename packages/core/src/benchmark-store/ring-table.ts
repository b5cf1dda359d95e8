/** Storage type of a column: timestamps and durations need doubles, name indices fit in 16 bits. */
export type ColumnKind = 'f64' | 'u16' | 'u8'

type Column = Float64Array | Uint16Array | Uint8Array

/** A table's columns by name, each with its storage type. */
export type ColumnKinds = Record<string, ColumnKind>

/** The values of every column, oldest row first: how a table is saved and restored. */
export type ColumnValues<K extends ColumnKinds> = { [Name in keyof K]: number[] }

const INITIAL_CAPACITY = 1024

function allocate(kind: ColumnKind, length: number): Column {
  if (kind === 'f64') return new Float64Array(length)
  if (kind === 'u16') return new Uint16Array(length)
  return new Uint8Array(length)
}

/**
 * A bounded, columnar table of numbers (one typed array per named column) used for the retained race and
 * RPC entries. Appending writes into preallocated slots; when the table is full the oldest 10 % of rows
 * are dropped in one step by moving the head index, so an append is O(1) and allocates nothing
 * (except the rare capacity doubling while the table is still filling up to `maxRows`).
 *
 * Internal to the benchmark store: not exported from the package.
 */
export class RingTable<K extends ColumnKinds> {
  /** Columns by name; index them with the slot returned by {@link RingTable.append}. */
  readonly columns: { [Name in keyof K]: Column }
  /** Rows dropped per eviction: 10 % of `maxRows`, at least one. */
  readonly evictCount: number
  private readonly names: (keyof K)[]
  private head = 0
  private rows = 0

  constructor(
    readonly kinds: K,
    readonly maxRows: number,
  ) {
    this.evictCount = Math.max(1, Math.ceil(maxRows / 10))
    const capacity = Math.min(maxRows, INITIAL_CAPACITY)
    this.names = Object.keys(kinds)
    this.columns = Object.fromEntries(this.names.map((name) => [name, allocate(kinds[name]!, capacity)])) as {
      [Name in keyof K]: Column
    }
  }

  /** Number of retained rows. */
  get size(): number {
    return this.rows
  }

  /** Reserves the slot of a new newest row and returns its physical index; the caller fills the columns. */
  append(): number {
    let capacity = this.capacity()
    if (this.rows === capacity) {
      if (capacity < this.maxRows) {
        // Still filling up: the table never wrapped (head is 0), so growing is a plain copy.
        capacity = Math.min(this.maxRows, capacity * 2)
        for (const name of this.names) {
          const grown = allocate(this.kinds[name]!, capacity)
          grown.set(this.columns[name])
          this.columns[name] = grown
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
    const capacity = this.capacity()
    return slot >= capacity ? slot - capacity : slot
  }

  /** Every column's values, oldest row first; only the newest `limit` rows when given. */
  toColumns(limit = this.rows): ColumnValues<K> {
    const values = Object.fromEntries(this.names.map((name) => [name, [] as number[]])) as ColumnValues<K>
    for (let k = Math.max(0, this.rows - limit); k < this.rows; k++) {
      const slot = this.slot(k)
      for (const name of this.names) values[name].push(this.columns[name][slot]!)
    }
    return values
  }

  /**
   * Appends saved rows (equal-length columns, oldest first), keeping the newest `maxRows` of them, with
   * `offsets` added to the named columns (a timestamp shift).
   */
  appendColumns(values: ColumnValues<K>, offsets: Partial<Record<keyof K, number>> = {}): void {
    const length = values[this.names[0]!].length
    for (let k = Math.max(0, length - this.maxRows); k < length; k++) {
      const slot = this.append()
      for (const name of this.names) this.columns[name][slot] = values[name][k]! + (offsets[name] ?? 0)
    }
  }

  private capacity(): number {
    return this.columns[this.names[0]!].length
  }
}
