/** Tracks each provider's latest block number on one chain and how far each lags the best. */
export interface HeadTracker {
  /** Records a head seen from a provider; older numbers than already seen are ignored. */
  update(providerId: string, blockNumber: number): void
  /** Forgets a removed provider. */
  remove(providerId: string): void
  /** The highest block number any provider has reported, or `undefined` before the first head. */
  best(): number | undefined
  /** The provider's latest block number, if known. */
  head(providerId: string): number | undefined
  /** Blocks behind the best head; 0 when unknown (a provider is not presumed to lag). */
  lag(providerId: string): number
}

/** Creates a {@link HeadTracker}. */
export function createHeadTracker(): HeadTracker {
  const heads = new Map<string, number>()
  let best: number | undefined
  return {
    update(providerId, blockNumber) {
      const previous = heads.get(providerId)
      if (previous !== undefined && previous >= blockNumber) return
      heads.set(providerId, blockNumber)
      if (best === undefined || blockNumber > best) best = blockNumber
    },
    remove(providerId) {
      heads.delete(providerId)
      best = heads.size ? Math.max(...heads.values()) : undefined
    },
    best: () => best,
    head: (providerId) => heads.get(providerId),
    lag(providerId) {
      const head = heads.get(providerId)
      return head === undefined || best === undefined ? 0 : best - head
    },
  }
}
