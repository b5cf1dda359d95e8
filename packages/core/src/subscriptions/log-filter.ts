/** A log as JSON-RPC returns it. */
export interface Log {
  address: string
  topics: string[]
  data: string
  blockNumber: string
  blockHash: string
  transactionHash: string
  transactionIndex: string
  logIndex: string
  removed?: boolean
  [field: string]: unknown
}

/** The filter of a `logs` subscription: addresses and per-position topic alternatives. */
export interface LogFilter {
  address?: string | string[]
  topics?: (string | string[] | null)[]
}

/**
 * Whether `log` matches `filter` with the node's `eth_subscribe('logs')` / `eth_getLogs` semantics: any
 * listed address; each topic position is a wildcard (`null`/absent), one topic, or any of several;
 * case-insensitive. The one matcher of ChainPulse: the pool, the mock chain and the devnet's simulated
 * providers all use it.
 *
 * @example
 * matchesLogFilter(log, { address: emitter, topics: [null, [from, to]] })
 */
export function matchesLogFilter(log: Pick<Log, 'address' | 'topics'>, filter: LogFilter): boolean {
  if (filter.address !== undefined) {
    const addresses = Array.isArray(filter.address) ? filter.address : [filter.address]
    const address = log.address.toLowerCase()
    if (addresses.length && !addresses.some((candidate) => candidate.toLowerCase() === address)) return false
  }
  const topics = filter.topics ?? []
  for (let position = 0; position < topics.length; position++) {
    const wanted = topics[position]
    if (wanted === null || wanted === undefined) continue
    const actual = log.topics[position]?.toLowerCase()
    if (actual === undefined) return false
    const alternatives = Array.isArray(wanted) ? wanted : [wanted]
    if (alternatives.length && !alternatives.some((topic) => topic.toLowerCase() === actual)) return false
  }
  return true
}
