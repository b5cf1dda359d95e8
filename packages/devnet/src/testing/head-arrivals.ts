import WebSocket from 'ws'

/** When each provider's copy of each block reached this process, by block hash then provider id. */
export type HeadArrivals = Map<string, Map<string, number>>

/** Plain `newHeads` subscriptions that note each copy's arrival time. */
export interface HeadArrivalObserver {
  readonly arrivals: HeadArrivals
  close(): void
}

/** Options of {@link observeHeadArrivals}. */
export interface ObserveHeadArrivalsOptions {
  /**
   * Runs after the last provider's copy of a block arrived (e.g. to collect garbage between blocks, so a
   * pause never lands between two copies of one block).
   */
  onBlockComplete?: () => void
}

/**
 * Subscribes to `newHeads` on every given provider with a bare WebSocket and records, with
 * `performance.now()`, when each copy of each block arrives: the ground truth that race margins measured
 * by a pool in the same process can be checked against.
 *
 * @example
 * const observer = observeHeadArrivals(devnet.manifest.providers)
 * // ... later: observer.arrivals.get(hash)?.get('ethereum-alpha')
 * observer.close()
 */
export function observeHeadArrivals(
  providers: readonly { id: string; wsUrl: string }[],
  options: ObserveHeadArrivalsOptions = {},
): HeadArrivalObserver {
  const arrivals: HeadArrivals = new Map()
  const sockets = providers.map(({ id, wsUrl }) => {
    const socket = new WebSocket(wsUrl)
    socket.on('error', () => {})
    socket.on('open', () =>
      socket.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] })),
    )
    socket.on('message', (data) => {
      const receivedAt = performance.now()
      const message = JSON.parse(String(data)) as { params?: { result?: { hash?: string } } }
      const hash = message.params?.result?.hash
      if (!hash) return
      const byProvider = arrivals.get(hash) ?? new Map<string, number>()
      byProvider.set(id, receivedAt)
      arrivals.set(hash, byProvider)
      if (byProvider.size === providers.length) options.onBlockComplete?.()
    })
    return socket
  })
  return {
    arrivals,
    close() {
      for (const socket of sockets) socket.close()
    },
  }
}
