import type { ReadonlySignal } from '@preact/signals'

/**
 * Calls `onNew` with the items of a newest-first feed signal it has not seen yet, oldest first.
 * The store's feeds are replaced whole on every frame; this turns them back into a stream of arrivals,
 * so a view can keep a longer or per-chain window than the store does. Items are recognised by
 * identity (a WeakSet: nothing is retained once the store drops an item). `initial` is true for what
 * the feed already held at the first call, and for the first items after the feed was emptied (the
 * store empties its feeds on reconnect, then the server replays recent items: history, not arrivals).
 * Returns the unsubscribe function.
 *
 * @example
 * const stop = watchFeed(store.races, (races) => races.forEach((race) => window.add(race)))
 */
export function watchFeed<T extends object>(
  feed: ReadonlySignal<readonly T[]>,
  onNew: (items: T[], initial: boolean) => void,
): () => void {
  const seen = new WeakSet<T>()
  let initial = true
  return feed.subscribe((items) => {
    if (items.length === 0) {
      initial = true
      return
    }
    const fresh: T[] = []
    // Newest first: everything after the first known item was handed over before.
    for (const item of items) {
      if (seen.has(item)) break
      seen.add(item)
      fresh.push(item)
    }
    const first = initial
    initial = false
    if (fresh.length > 0) onNew(fresh.reverse(), first)
  })
}

/**
 * Memoizes one value per key object (e.g. one tracker per dashboard store), held weakly.
 * @example const trackerOf = perKey((store: DashboardStore) => createTracker(store))
 */
export function perKey<K extends object, V>(create: (key: K) => V): (key: K) => V {
  const values = new WeakMap<K, V>()
  return (key) => {
    let value = values.get(key)
    if (value === undefined) {
      value = create(key)
      values.set(key, value)
    }
    return value
  }
}
