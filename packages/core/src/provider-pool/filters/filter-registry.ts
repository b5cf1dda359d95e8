import type { Clock, TimerHandle } from '../../clock/clock.js'
import { FilterError } from '../../errors/errors.js'
import type { BlockHeader } from '../../subscriptions/block-header.js'
import { hexToNumber } from '../../subscriptions/block-header.js'
import type { Log, LogFilter } from '../../subscriptions/log-filter.js'

/** The JSON-RPC filter methods ChainPulse answers itself. */
export const FILTER_METHODS: ReadonlySet<string> = new Set([
  'eth_newFilter',
  'eth_newBlockFilter',
  'eth_newPendingTransactionFilter',
  'eth_getFilterChanges',
  'eth_getFilterLogs',
  'eth_uninstallFilter',
])

/** What a filter call needs from the pool, for one chain. */
export interface FilterChain {
  /** Makes the canonical follower start from the current head, if it has not started yet. */
  anchor(): Promise<unknown>
  /** An exactly-once subscription on the chain's canonical follower; returns its release. */
  subscribeHeads(listener: (block: BlockHeader) => void): () => void
  subscribeLogs(filter: LogFilter, listener: (log: Log) => void): () => void
  /**
   * A call through the pool; `providerId` pins it to one provider with no failover. Resolves with the
   * result and the provider that answered.
   */
  request(
    method: string,
    params: unknown[],
    providerId?: string,
  ): Promise<{ result: unknown; providerId: string }>
}

/** Limits and timings of {@link createFilterRegistry}. */
export interface FilterLimits {
  /** A filter not polled for this long is removed (ms). @default 300_000 */
  idleTimeoutMs: number
  /** Filters one client may hold at once. */
  maxPerClient: number
  /** Filters the chain holds at once, every client together. */
  maxTotal: number
  /** Changes (logs or block hashes) one filter may pile up between two polls. */
  maxPendingChanges: number
}

/** Options of {@link createFilterRegistry}. */
export interface FilterRegistryOptions extends FilterLimits {
  chain: FilterChain
  clock: Clock
  /** A fresh random filter id (`0x` + hex). */
  newId(): string
}

/** The filters of one chain, answered by ChainPulse from its canonical follower. */
export interface FilterRegistry {
  /**
   * Runs one filter call for `clientId` and resolves with its JSON-RPC result, plus the provider that
   * answered when one did (`eth_getFilterLogs`, pending-transaction filters).
   * @throws {FilterError} unknown or expired id (`filter not found`, as nodes say), limits, a pending
   *   transaction filter whose provider is gone.
   */
  call(method: string, params: unknown[], clientId: string): Promise<{ result: unknown; providerId?: string }>
  /** Filters currently held. */
  size(): number
  close(): void
}

interface FilterBase {
  id: string
  clientId: string
  lastPolledAt: number
}

interface LocalFilter extends FilterBase {
  kind: 'logs' | 'blocks'
  criteria: LogCriteria | undefined
  changes: unknown[]
  overflowed: boolean
  release(): void
}

interface PendingTransactionFilter extends FilterBase {
  kind: 'pending-transactions'
  providerId: string
  upstreamId: string
}

type Filter = LocalFilter | PendingTransactionFilter

/** `eth_newFilter`'s object: what the follower matches, plus the block range it keeps. */
interface LogCriteria {
  filter: LogFilter
  /** Numeric bounds only; tags mean "from now on" (`fromBlock`) or "no end" (`toBlock`). */
  fromBlock: number | undefined
  toBlock: number | undefined
  /** As given, for `eth_getFilterLogs`. */
  raw: Record<string, unknown>
}

/**
 * Creates the filter registry of one chain. Filter ids belong to ChainPulse, not to a node, so they
 * survive failover: a log filter is an exactly-once subscription on the pool's canonical follower
 * whose matches are kept until polled, so `eth_getFilterChanges` returns each log (and each
 * `removed: true` copy after a reorg) exactly once, whatever provider fails meanwhile; a block filter
 * keeps the hashes of new canonical blocks. `eth_getFilterLogs` runs the filter's query as an
 * `eth_getLogs` through the pool. A pending-transaction filter (mempool state ChainPulse does not
 * follow) lives on the provider that created it: its polls go there and nowhere else, and say so
 * when that provider is gone.
 */
export function createFilterRegistry(options: FilterRegistryOptions): FilterRegistry {
  const { clock, chain } = options
  const filters = new Map<string, Filter>()
  const perClient = new Map<string, number>()
  let sweepTimer: TimerHandle | undefined
  let closed = false

  function scheduleSweep(): void {
    if (sweepTimer !== undefined || closed || filters.size === 0) return
    sweepTimer = clock.setTimeout(sweep, Math.max(1_000, options.idleTimeoutMs / 4))
  }

  function sweep(): void {
    sweepTimer = undefined
    const expired = clock.now() - options.idleTimeoutMs
    for (const filter of filters.values()) if (filter.lastPolledAt < expired) remove(filter)
    scheduleSweep()
  }

  function admit(clientId: string): void {
    if (filters.size >= options.maxTotal)
      throw new FilterError(
        'limit',
        `this chain holds ${options.maxTotal} filters, the most it keeps; uninstall some first`,
      )
    if ((perClient.get(clientId) ?? 0) >= options.maxPerClient)
      throw new FilterError(
        'limit',
        `a client may hold ${options.maxPerClient} filters at once; uninstall some first`,
      )
  }

  function add(filter: Filter): string {
    filters.set(filter.id, filter)
    perClient.set(filter.clientId, (perClient.get(filter.clientId) ?? 0) + 1)
    scheduleSweep()
    return filter.id
  }

  function remove(filter: Filter): void {
    if (!filters.delete(filter.id)) return
    const count = (perClient.get(filter.clientId) ?? 1) - 1
    if (count > 0) perClient.set(filter.clientId, count)
    else perClient.delete(filter.clientId)
    if (filter.kind !== 'pending-transactions') filter.release()
    else void chain.request('eth_uninstallFilter', [filter.upstreamId], filter.providerId).catch(() => {})
  }

  function pushChange(filter: LocalFilter, change: unknown): void {
    if (filter.overflowed) return
    if (filter.changes.length >= options.maxPendingChanges) {
      // Dropping changes silently would break "each change exactly once": say so at the next poll.
      filter.overflowed = true
      filter.changes = []
      return
    }
    filter.changes.push(change)
  }

  function localFilter(kind: 'logs' | 'blocks', clientId: string, criteria?: LogCriteria): LocalFilter {
    const filter: LocalFilter = {
      id: options.newId(),
      clientId,
      lastPolledAt: clock.now(),
      kind,
      criteria,
      changes: [],
      overflowed: false,
      release: () => {},
    }
    filter.release =
      kind === 'blocks'
        ? chain.subscribeHeads((block) => pushChange(filter, block.hash))
        : chain.subscribeLogs(criteria!.filter, (log) => {
            if (inRange(hexToNumber(log.blockNumber), criteria!)) pushChange(filter, log)
          })
    return filter
  }

  function find(params: unknown[], clientId: string): Filter {
    const id = params[0]
    const filter = typeof id === 'string' ? filters.get(id.toLowerCase()) : undefined
    // Another client's id is as unknown as a made-up one: ids are not capabilities to share.
    if (!filter || filter.clientId !== clientId) throw new FilterError('not-found')
    filter.lastPolledAt = clock.now()
    return filter
  }

  async function call(
    method: string,
    params: unknown[],
    clientId: string,
  ): Promise<{ result: unknown; providerId?: string }> {
    if (closed) throw new FilterError('not-found')
    switch (method) {
      case 'eth_newBlockFilter':
        admit(clientId)
        // Changes are what comes after now: the follower must know where now is.
        await chain.anchor()
        return { result: add(localFilter('blocks', clientId)) }
      case 'eth_newFilter': {
        const criteria = parseCriteria(params[0])
        admit(clientId)
        await chain.anchor()
        return { result: add(localFilter('logs', clientId, criteria)) }
      }
      case 'eth_newPendingTransactionFilter': {
        admit(clientId)
        const created = await chain.request('eth_newPendingTransactionFilter', [])
        if (typeof created.result !== 'string') throw new FilterError('not-found')
        const filter: PendingTransactionFilter = {
          id: options.newId(),
          clientId,
          lastPolledAt: clock.now(),
          kind: 'pending-transactions',
          providerId: created.providerId,
          upstreamId: created.result,
        }
        return { result: add(filter), providerId: created.providerId }
      }
      case 'eth_getFilterChanges': {
        const filter = find(params, clientId)
        if (filter.kind === 'pending-transactions') return pendingChanges(filter)
        if (filter.overflowed) {
          remove(filter)
          throw new FilterError(
            'limit',
            `more than ${options.maxPendingChanges} changes piled up since the last poll, so the filter was removed; create a new one and poll it more often`,
          )
        }
        const changes = filter.changes
        filter.changes = []
        return { result: changes }
      }
      case 'eth_getFilterLogs': {
        const filter = find(params, clientId)
        if (filter.kind !== 'logs') throw new FilterError('not-found')
        const answer = await chain.request('eth_getLogs', [filter.criteria!.raw])
        return answer
      }
      case 'eth_uninstallFilter': {
        const id = params[0]
        const filter = typeof id === 'string' ? filters.get(id.toLowerCase()) : undefined
        if (!filter || filter.clientId !== clientId) return { result: false }
        remove(filter)
        return { result: true }
      }
      default:
        throw new Error(`not a filter method: ${method}`)
    }
  }

  /** Polls the provider holding a pending-transaction filter, and only it. */
  async function pendingChanges(
    filter: PendingTransactionFilter,
  ): Promise<{ result: unknown; providerId: string }> {
    try {
      return await chain.request('eth_getFilterChanges', [filter.upstreamId], filter.providerId)
    } catch (error) {
      const code = (error as { code?: unknown }).code
      if (code === 'UPSTREAM_RPC_ERROR') throw error
      // Its provider is gone, down or failing: the filter lived there, and nowhere else.
      remove(filter)
      throw new FilterError(
        'not-found',
        `the provider holding this pending-transaction filter (${filter.providerId}) is unavailable; create a new filter`,
      )
    }
  }

  return {
    call,
    size: () => filters.size,
    close() {
      closed = true
      if (sweepTimer !== undefined) clock.clearTimeout(sweepTimer)
      for (const filter of [...filters.values()]) remove(filter)
    },
  }
}

function parseCriteria(input: unknown): LogCriteria {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new FilterError('invalid', 'eth_newFilter takes one filter object')
  const raw = input as Record<string, unknown>
  if (raw.blockHash !== undefined)
    throw new FilterError('invalid', 'eth_newFilter does not take blockHash; use eth_getLogs for one block')
  const filter: LogFilter = {}
  if (raw.address !== undefined && raw.address !== null) {
    const addresses = Array.isArray(raw.address) ? raw.address : [raw.address]
    if (!addresses.every(isHexData))
      throw new FilterError('invalid', 'address must be an address or a list of addresses')
    filter.address = raw.address as LogFilter['address']
  }
  if (raw.topics !== undefined && raw.topics !== null) {
    const topics = raw.topics
    const topicOk = (topic: unknown) =>
      topic === null || isHexData(topic) || (Array.isArray(topic) && topic.every(isHexData))
    if (!Array.isArray(topics) || topics.length > 4 || !topics.every(topicOk))
      throw new FilterError(
        'invalid',
        'topics must be up to 4 entries, each null, a topic or a list of topics',
      )
    filter.topics = topics as LogFilter['topics']
  }
  return { filter, fromBlock: blockNumberOf(raw.fromBlock), toBlock: blockNumberOf(raw.toBlock), raw }
}

function isHexData(value: unknown): value is string {
  return typeof value === 'string' && /^0x[0-9a-fA-F]*$/.test(value)
}

function blockNumberOf(tag: unknown): number | undefined {
  return typeof tag === 'string' && /^0x[0-9a-fA-F]+$/.test(tag) ? Number.parseInt(tag, 16) : undefined
}

function inRange(blockNumber: number, criteria: LogCriteria): boolean {
  if (criteria.fromBlock !== undefined && blockNumber < criteria.fromBlock) return false
  if (criteria.toBlock !== undefined && blockNumber > criteria.toBlock) return false
  return true
}

/**
 * Filters served by ChainPulse, for `createProviderPool({ servedFilters: createServedFilters() })`:
 * `eth_newFilter`, `eth_newBlockFilter` and their polls are answered from each chain's canonical follower,
 * so their ids survive failover (docs/filters-and-sessions.md). An add-on, like the response cache: a
 * pool without it carries none of this code, and routes filter calls upstream like any other call.
 * `startChainPulse` (the CLI's server) always installs it. The limits are the pool's `filters` option.
 */
export interface ServedFilters {
  /** Makes one chain's registry (the pool's hook). */
  registry(options: FilterRegistryOptions): FilterRegistry
}

/**
 * Makes the {@link ServedFilters} add-on.
 *
 * @example
 * const pool = createProviderPool({ chains, providers, servedFilters: createServedFilters() })
 */
export function createServedFilters(): ServedFilters {
  return { registry: createFilterRegistry }
}
