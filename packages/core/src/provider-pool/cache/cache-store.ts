/**
 * One cached answer as a store keeps it: plain data, so a store in another process (Redis) can hold it.
 * `json` is the result's exact JSON text; `block` and `head` say what it is valid for (see
 * `cachePolicy`): without either it never changes.
 */
export interface CacheEntry {
  json: string
  /** Valid while the canonical block at this height has this hash (dropped once it is orphaned). */
  block?: [number: number, hash: string]
  /** Valid while this block is the canonical head (dropped on the next head). */
  head?: [number: number, hash: string]
}

/**
 * Where a response cache keeps its entries. Every method may answer synchronously or with a promise,
 * so a store shared by a cluster (Redis) can implement it; the cache never trusts an entry without
 * checking it against its own view of the chain, so a shared store cannot make an answer stale.
 */
export interface CacheStore {
  get(key: string): CacheEntry | undefined | Promise<CacheEntry | undefined>
  set(key: string, entry: CacheEntry): void | Promise<void>
  delete(key: string): void | Promise<void>
}

/** Options of {@link createMemoryCacheStore}. */
export interface MemoryCacheStoreOptions {
  /** Most bytes held (keys and JSON text, counted in UTF-16 code units); past it the least recently used go. */
  maxBytes: number
}

/** An in-memory {@link CacheStore}; `bytes` and `size` say what it holds now. */
export interface MemoryCacheStore extends CacheStore {
  readonly bytes: number
  readonly size: number
}

/** What one entry costs: its key, its text and a fixed overhead for the bookkeeping around them. */
const sizeOf = (key: string, entry: CacheEntry) => key.length + entry.json.length + 64

/**
 * Creates an in-memory store bounded by bytes, evicting the least recently used entries first. An entry
 * larger than the whole budget is not kept at all.
 *
 * @example
 * const store = createMemoryCacheStore({ maxBytes: 64 * 1024 * 1024 })
 */
export function createMemoryCacheStore(options: MemoryCacheStoreOptions): MemoryCacheStore {
  // A Map iterates in insertion order: re-inserting on every read keeps the least recent first.
  const entries = new Map<string, CacheEntry>()
  let bytes = 0
  const remove = (key: string) => {
    const entry = entries.get(key)
    if (entry === undefined) return
    entries.delete(key)
    bytes -= sizeOf(key, entry)
  }
  return {
    get bytes() {
      return bytes
    },
    get size() {
      return entries.size
    },
    get(key) {
      const entry = entries.get(key)
      if (entry !== undefined) {
        entries.delete(key)
        entries.set(key, entry)
      }
      return entry
    },
    set(key, entry) {
      remove(key)
      const size = sizeOf(key, entry)
      if (size > options.maxBytes) return
      entries.set(key, entry)
      bytes += size
      for (const oldest of entries.keys()) {
        if (bytes <= options.maxBytes) break
        remove(oldest)
      }
    },
    delete: remove,
  }
}
