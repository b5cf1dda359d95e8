/** The shared bucket for names past a limit. */
export const OVERFLOW_NAME = 'other'
/** Longer names are bucketed as {@link OVERFLOW_NAME} too, so one huge name cannot pin memory. */
export const MAX_NAME_LENGTH = 200

/**
 * Name interning with a hard cap: the first `limit` distinct names get their own index, every later
 * one (and any name longer than {@link MAX_NAME_LENGTH}) shares the index of {@link OVERFLOW_NAME}.
 * This is what bounds memory when names come from untrusted input (RPC method names sent by clients).
 *
 * Internal to the benchmark store: not exported from the package.
 */
export class BoundedNames {
  /** Names by index, in first-seen order; at most `limit + 1` long (the overflow bucket). */
  readonly list: string[] = []
  private readonly index = new Map<string, number>()
  private overflowIndex = -1

  constructor(readonly limit: number) {}

  /** Index of `name`, adding it if there is room, else the overflow bucket's index. */
  intern(name: string): number {
    const found = this.index.get(name)
    if (found !== undefined) return found
    if (this.wouldOverflow(name)) {
      if (this.overflowIndex === -1) this.overflowIndex = this.add(OVERFLOW_NAME)
      return this.overflowIndex
    }
    return this.add(name)
  }

  /** Index `name` would have, without adding it; -1 when it is unknown (not seen, no bucket for it). */
  lookup(name: string): number {
    const found = this.index.get(name)
    if (found !== undefined) return found
    return this.wouldOverflow(name) ? this.overflowIndex : -1
  }

  private wouldOverflow(name: string): boolean {
    // The overflow bucket itself may take the slot past the limit: at most `limit + 1` entries.
    return this.list.length >= this.limit || name.length > MAX_NAME_LENGTH
  }

  private add(name: string): number {
    // A real name equal to OVERFLOW_NAME and the overflow bucket are one and the same entry.
    const existing = this.index.get(name)
    if (existing !== undefined) return existing
    const index = this.list.length
    this.list.push(name)
    this.index.set(name, index)
    return index
  }
}

/** Orders names by code unit, the same everywhere (no locale). */
export const compareNames = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
