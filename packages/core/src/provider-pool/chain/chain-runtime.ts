import type { Clock, TimerHandle } from '../../clock/clock.js'
import { newHeadsKey } from '../../message-aggregator/event-keys.js'
import type { MessageAggregator } from '../../message-aggregator/message-aggregator.js'
import type { PubSub } from '../../pubsub/pubsub.js'
import type { ChainPulseTopics } from '../../pubsub/topics.js'
import { type BlockHeader, hexToNumber, isBlockHeader, toHeader } from '../../subscriptions/block-header.js'
import { type CanonicalChain, createCanonicalChain } from '../../subscriptions/canonical-chain.js'
import { type Log, type LogFilter, matchesLogFilter } from '../../subscriptions/log-filter.js'
import type { ProviderRuntime } from '../provider/provider-runtime.js'
import type { UpstreamSubscription } from '../provider/upstream.js'
import { createHeadTracker, type HeadTracker } from './head-tracker.js'
import { createHealthProber } from './health-prober.js'

/** Routes a call through the pool (used for back-fills, logs and head polling). */
export type ChainRequest = (method: string, params: unknown[]) => Promise<unknown>

interface LogSubscriber {
  filter: LogFilter
  listener: (log: Log) => void
}

/** Options of {@link createChainRuntime}. */
export interface ChainRuntimeOptions {
  name: string
  chainId: number
  /** Expected time between blocks (ms). */
  blockTimeMs: number
  strategy: string
  clock: Clock
  wallClock: () => number
  pubsub: PubSub<ChainPulseTopics>
  aggregator: MessageAggregator<BlockHeader>
  maxLagBlocks: number
  /** How often user subscriptions check that blocks still arrive when every stream is quiet (ms). */
  headPollIntervalMs: number
  /** Background health probes; `false`: only heads of providers without a stream are polled. */
  healthCheck: { intervalMs: number; timeoutMs: number } | false
  /** Cooldown after a throttle that did not say how long to wait. */
  defaultCooldownMs: number
  /** Least time between two probes of one provider prompted by peers' observations (ms). */
  peerProbeIntervalMs?: number
  /** Keep upstream `newHeads` subscribed without user demand. */
  racing: boolean
  request: ChainRequest
  onListenerError(error: unknown): void
}

/** One chain of the pool: its providers, heads, races and user subscriptions. */
export interface ChainRuntime {
  readonly name: string
  readonly chainId: number
  readonly blockTimeMs: number
  strategy: string
  readonly providers: ProviderRuntime[]
  readonly byId: Map<string, ProviderRuntime>
  readonly heads: HeadTracker
  addProvider(provider: ProviderRuntime): void
  removeProvider(provider: ProviderRuntime): void
  /**
   * A client call to `provider` got no answer (refused, unreachable, timed out): have the health probes
   * judge it now rather than at their next round, so a dead provider leaves rotation within a round trip.
   */
  suspectUnreachable(provider: ProviderRuntime): void
  /**
   * Another instance saw `provider` go down or come back: have this instance's own probe judge it now
   * (bounded: see `HealthProber.probeForPeer`).
   */
  probeForPeer(provider: ProviderRuntime): void
  /**
   * Makes sure the canonical chain follows from now: when it has no block yet, the latest one is fetched
   * and becomes its first, so later blocks are delivered (and gaps back-filled) from here on. That block
   * itself is not delivered: it is not new, and a subscriber (one resubscribing after a restart, say)
   * gets only heads that come after it subscribed, as from a node. What a filter created now must see
   * starts after this. Resolves with the chain's first block (`undefined` when none could be fetched).
   */
  anchor(): Promise<BlockHeader | undefined>
  /** Resolves once some provider's head reaches `blockNumber`, or after `timeoutMs` (whichever first). */
  waitForHead(blockNumber: number, timeoutMs: number): Promise<void>
  subscribeHeads(listener: (block: BlockHeader) => void): () => void
  subscribeLogs(filter: LogFilter, listener: (log: Log) => void): () => void
  upstreamSubscriptionCount(): number
  close(): Promise<void>
}

/** Blocks whose delivered logs are kept, to re-deliver them as removed on a reorg. */
const LOG_HISTORY_BLOCKS = 128

/** First delay before retrying a failed catch-up (ms); it doubles up to the head poll interval. */
const CATCH_UP_RETRY_MIN_MS = 250

/**
 * Creates the runtime of one chain. Racing: every provider that can push is subscribed to `newHeads`
 * (always with `racing`, else only while users subscribe); each copy updates that provider's head and
 * goes through the shared MessageAggregator. First-seen heads feed a canonical chain that back-fills
 * gaps over HTTP and reports reorgs; its blocks are published on `blocks:new` and delivered to user
 * subscriptions. Providers without a live stream are polled for their head.
 */
export function createChainRuntime(options: ChainRuntimeOptions): ChainRuntime {
  const { clock, pubsub, aggregator, name } = options
  const providers: ProviderRuntime[] = []
  const byId = new Map<string, ProviderRuntime>()
  const heads = createHeadTracker()
  const headListeners = new Set<(block: BlockHeader) => void>()
  const logSubscribers = new Set<LogSubscriber>()
  const upstreamSubscriptions = new Map<string, Promise<UpstreamSubscription | undefined>>()
  /** Each provider's connection listener, removed with the provider. */
  const connectionWatchers = new Map<ProviderRuntime, () => void>()
  /** Winners of recent races by block hash, for `blocks:new`; entries are removed once published. */
  const firstProviders = new Map<string, string>()
  /** Logs delivered per block hash (newest last), for removal notices on a reorg. */
  const deliveredLogs = new Map<string, Log[]>()
  /** Recently orphaned block hashes, so a log fetch for one of them stops retrying. */
  const orphaned = new Set<string>()
  let logQueue: Promise<void> = Promise.resolve()
  const headWaiters = new Set<{ blockNumber: number; resolve(): void }>()
  let pollTimer: TimerHandle | undefined
  let lastBlockAt = clock.now()
  let closed = false
  /** Catch-up state: one runs at a time; a trigger during it asks for one more run after it. */
  let catchingUp = false
  let catchUpAgain = false
  let catchUpRetryTimer: TimerHandle | undefined
  let catchUpRetryMs = CATCH_UP_RETRY_MIN_MS

  const canonical: CanonicalChain = createCanonicalChain({
    fetchBlockByHash: async (hash) => {
      const block = await options.request('eth_getBlockByHash', [hash, false])
      return isBlockHeader(block) ? toHeader(block) : null
    },
    onBlock: (block) => {
      lastBlockAt = clock.now()
      catchUpRetryMs = CATCH_UP_RETRY_MIN_MS
      orphaned.delete(block.hash)
      const firstProviderId = firstProviders.get(block.hash) ?? 'backfill'
      firstProviders.delete(block.hash)
      pubsub.publish('blocks:new', {
        chain: name,
        number: hexToNumber(block.number),
        hash: block.hash,
        parentHash: block.parentHash,
        timestamp: block.timestamp ? hexToNumber(block.timestamp) : 0,
        firstProviderId,
        receivedAt: options.wallClock(),
      })
      for (const listener of headListeners) safely(() => listener(block))
      if (logSubscribers.size) logQueue = logQueue.then(() => deliverLogs(block))
    },
    onRemoved: (block) => {
      // Marked now, not in queue order: the log fetch ahead of it in the queue may be retrying this very
      // block, which the node no longer serves logs for.
      orphaned.add(block.hash)
      while (orphaned.size > LOG_HISTORY_BLOCKS) orphaned.delete(orphaned.values().next().value!)
      if (logSubscribers.size) logQueue = logQueue.then(() => removeLogs(block))
    },
    onError: () => {
      // The head stays pending. Waiting for the next head could cost a whole block time, and the poll
      // longer: try again shortly from whichever provider answers.
      scheduleCatchUpRetry()
    },
  })

  const hasSubscribers = () => headListeners.size > 0 || logSubscribers.size > 0

  /**
   * Back-fills from the last delivered block to the current head now: fetches `latest` through the pool
   * (any reachable provider) and lets the canonical chain walk back to what it delivered. Called the
   * moment a provider's stream comes back and whenever a provider reports a head above the delivered
   * one, so blocks missed while streams were down arrive within a round trip of some provider being
   * reachable, not on the next head poll. Does nothing before the first delivered block (nothing to
   * back-fill from: a new subscriber starts with the next head) or without subscribers.
   */
  async function catchUp(): Promise<void> {
    if (closed || !hasSubscribers() || !canonical.head()) return
    if (catchingUp) {
      // The running fetch may predate what prompted this call: fetch once more after it.
      catchUpAgain = true
      return
    }
    catchingUp = true
    try {
      do {
        catchUpAgain = false
        try {
          const latest = await options.request('eth_getBlockByNumber', ['latest', false])
          if (isBlockHeader(latest)) await canonical.push(toHeader(latest))
        } catch {
          scheduleCatchUpRetry()
        }
      } while (catchUpAgain && !closed)
    } finally {
      catchingUp = false
    }
  }

  /** Retries a failed catch-up with a doubling delay, so a pool with no reachable provider is not spun. */
  function scheduleCatchUpRetry(): void {
    if (closed || catchUpRetryTimer !== undefined || !hasSubscribers()) return
    const delayMs = catchUpRetryMs
    catchUpRetryMs = Math.min(catchUpRetryMs * 2, options.headPollIntervalMs)
    catchUpRetryTimer = clock.setTimeout(() => {
      catchUpRetryTimer = undefined
      void catchUp()
    }, delayMs)
  }

  function safely(run: () => void): void {
    try {
      run()
    } catch (error) {
      options.onListenerError(error)
    }
  }

  /** Fetches the logs of one canonical block (once, for every subscriber) and delivers them in order. */
  async function deliverLogs(block: BlockHeader): Promise<void> {
    let logs: Log[] | undefined
    // Exactly-once means no skipping: retry until the logs come, every subscriber has left, or a reorg
    // took the block away (its logs were never delivered, so there is nothing to remove either).
    for (let attempt = 0; !logs && logSubscribers.size && !closed && !orphaned.has(block.hash); attempt++) {
      try {
        const result = await options.request('eth_getLogs', [{ blockHash: block.hash }])
        logs = Array.isArray(result) ? (result as Log[]) : []
      } catch {
        await new Promise<void>((resolve) => clock.setTimeout(resolve, Math.min(2_000, 100 * 2 ** attempt)))
      }
    }
    if (!logs) return
    logs.sort((a, b) => hexToNumber(a.logIndex) - hexToNumber(b.logIndex))
    deliveredLogs.set(block.hash, logs)
    while (deliveredLogs.size > LOG_HISTORY_BLOCKS) deliveredLogs.delete(deliveredLogs.keys().next().value!)
    for (const log of logs) {
      for (const subscriber of logSubscribers) {
        if (matchesLogFilter(log, subscriber.filter)) safely(() => subscriber.listener(log))
      }
    }
  }

  async function removeLogs(block: BlockHeader): Promise<void> {
    const logs = deliveredLogs.get(block.hash)
    deliveredLogs.delete(block.hash)
    if (!logs) return
    for (const log of [...logs].reverse()) {
      const removed = { ...log, removed: true }
      for (const subscriber of logSubscribers) {
        if (matchesLogFilter(removed, subscriber.filter)) safely(() => subscriber.listener(removed))
      }
    }
  }

  const hasDemand = () => options.racing || hasSubscribers()

  function onProviderHead(provider: ProviderRuntime, blockNumber: number): void {
    heads.update(provider.config.id, blockNumber)
    const best = heads.best() ?? blockNumber
    for (const each of providers) {
      const lag = best - (heads.head(each.config.id) ?? best)
      // A provider falling behind may have stalled (a hung node keeps its socket open): probe it now.
      if (lag > options.maxLagBlocks && !each.lagging) prober.probeSoon(each)
      each.setLagging(lag > options.maxLagBlocks, lag)
    }
    for (const waiter of headWaiters) if (best >= waiter.blockNumber) waiter.resolve()
  }

  const healthCheck = options.healthCheck
  const prober = createHealthProber({
    chainId: options.chainId,
    clock,
    providers: () => providers,
    intervalMs: healthCheck ? healthCheck.intervalMs : options.headPollIntervalMs,
    timeoutMs: healthCheck ? healthCheck.timeoutMs : options.headPollIntervalMs,
    defaultCooldownMs: options.defaultCooldownMs,
    ...(options.peerProbeIntervalMs === undefined
      ? {}
      : { peerProbeIntervalMs: options.peerProbeIntervalMs }),
    judge: healthCheck !== false,
    // A stream whose socket is down proves nothing about the provider being up.
    isStreaming: (provider) =>
      upstreamSubscriptions.has(provider.config.id) && provider.connection === 'connected',
    onHead: (provider, blockNumber) => {
      onProviderHead(provider, blockNumber)
      // A polled head above what we delivered: blocks are missing (its stream, if any, is behind or
      // down). Streamed heads need no trigger: they reach the canonical chain, which back-fills.
      const tip = canonical.head()
      if (tip && blockNumber > hexToNumber(tip.number)) void catchUp()
    },
  })

  /** A head no provider had announced before: remember who won it, and extend the canonical chain. */
  function onFirstHead(header: BlockHeader, providerId: string): void {
    firstProviders.set(header.hash, providerId)
    if (firstProviders.size > 1_024) firstProviders.delete(firstProviders.keys().next().value!)
    void canonical.push(header)
  }

  function startRacing(provider: ProviderRuntime): void {
    const { upstream } = provider
    if (!upstream.subscribe || upstreamSubscriptions.has(provider.config.id) || closed) return
    const subscription = upstream
      .subscribe(
        ['newHeads'],
        (result) => {
          if (!isBlockHeader(result) || !byId.has(provider.config.id)) return
          onProviderHead(provider, hexToNumber(result.number))
          const copy = aggregator.ingest({
            chain: name,
            providerId: provider.config.id,
            eventType: 'newHeads',
            key: newHeadsKey(result),
            payload: result,
          })
          // The race's winner is the copy the canonical chain takes; the aggregator records the race.
          if (copy === 'first') onFirstHead(result, provider.config.id)
        },
        {
          // Heads announced while the socket was down were missed, and the stream only brings new ones.
          onResubscribed: () => void catchUp(),
          onError: () => upstreamSubscriptions.delete(provider.config.id),
        },
      )
      .then(
        (established) => {
          // A stream that failed before and is up now (the poller retried it) may follow a gap too.
          void catchUp()
          return established
        },
        () => {
          // Not reachable now; the poller keeps its head fresh and retries the subscription.
          upstreamSubscriptions.delete(provider.config.id)
          return undefined
        },
      )
    upstreamSubscriptions.set(provider.config.id, subscription)
  }

  async function stopRacing(providerId: string): Promise<void> {
    const subscription = upstreamSubscriptions.get(providerId)
    upstreamSubscriptions.delete(providerId)
    await (await subscription)?.unsubscribe()
  }

  function ensureRacing(): void {
    if (hasDemand()) for (const provider of providers) startRacing(provider)
  }

  async function releaseRacingIfIdle(): Promise<void> {
    if (hasDemand()) return
    await Promise.all([...upstreamSubscriptions.keys()].map(stopRacing))
  }

  /** Whether some provider's `newHeads` stream is connected right now. */
  const streaming = () =>
    providers.some(
      (provider) => provider.connection === 'connected' && upstreamSubscriptions.has(provider.config.id),
    )

  /**
   * The poll's period: `headPollIntervalMs` while a stream is up (the poll is then only a safety net),
   * but no longer than a block time while none is, since polling is then the only way heads arrive.
   */
  const pollIntervalMs = () =>
    streaming() ? options.headPollIntervalMs : Math.min(options.blockTimeMs, options.headPollIntervalMs)

  /** Keeps racing subscribed, and user subscriptions moving when every stream is quiet. */
  async function poll(): Promise<void> {
    pollTimer = undefined
    if (closed) return
    ensureRacing()
    const intervalMs = pollIntervalMs()
    const stalled = clock.now() - lastBlockAt > intervalMs
    if (hasSubscribers() && stalled) {
      try {
        const latest = await options.request('eth_getBlockByNumber', ['latest', false])
        if (isBlockHeader(latest)) await canonical.push(toHeader(latest))
      } catch {
        // Try again on the next tick.
      }
    }
    if (!closed) pollTimer = clock.setTimeout(() => void poll(), intervalMs)
  }
  pollTimer = clock.setTimeout(() => void poll(), options.headPollIntervalMs)

  return {
    name,
    chainId: options.chainId,
    blockTimeMs: options.blockTimeMs,
    strategy: options.strategy,
    providers,
    byId,
    heads,
    addProvider(provider) {
      providers.push(provider)
      byId.set(provider.config.id, provider)
      // A dropped socket is the first sign of a dead provider: probe it now, not at the next round.
      const stopWatching = provider.upstream.onConnectionChange?.((state) => {
        if (state === 'disconnected') prober.probeSoon(provider)
      })
      if (stopWatching) connectionWatchers.set(provider, stopWatching)
      if (hasDemand()) startRacing(provider)
      if (healthCheck) void prober.probeNow()
    },
    removeProvider(provider) {
      providers.splice(providers.indexOf(provider), 1)
      connectionWatchers.get(provider)?.()
      connectionWatchers.delete(provider)
      byId.delete(provider.config.id)
      heads.remove(provider.config.id)
      void stopRacing(provider.config.id)
    },
    async anchor() {
      if (!canonical.head()) {
        const latest = await options.request('eth_getBlockByNumber', ['latest', false])
        if (isBlockHeader(latest)) await canonical.seed(toHeader(latest))
      }
      return canonical.head()
    },
    waitForHead(blockNumber, timeoutMs) {
      if ((heads.best() ?? -1) >= blockNumber || timeoutMs <= 0) return Promise.resolve()
      return new Promise<void>((resolve) => {
        const waiter = {
          blockNumber,
          resolve() {
            clock.clearTimeout(timer)
            headWaiters.delete(waiter)
            resolve()
          },
        }
        const timer = clock.setTimeout(() => waiter.resolve(), timeoutMs)
        headWaiters.add(waiter)
      })
    },
    subscribeHeads(listener) {
      headListeners.add(listener)
      ensureRacing()
      return () => {
        headListeners.delete(listener)
        void releaseRacingIfIdle()
      }
    },
    subscribeLogs(filter, listener) {
      const subscriber = { filter, listener }
      logSubscribers.add(subscriber)
      ensureRacing()
      return () => {
        logSubscribers.delete(subscriber)
        void releaseRacingIfIdle()
      }
    },
    suspectUnreachable: (provider) => prober.probeSoon(provider),
    probeForPeer: (provider) => prober.probeForPeer(provider),
    upstreamSubscriptionCount: () => upstreamSubscriptions.size,
    async close() {
      closed = true
      prober.stop()
      for (const stopWatching of connectionWatchers.values()) stopWatching()
      for (const waiter of headWaiters) waiter.resolve()
      if (pollTimer !== undefined) clock.clearTimeout(pollTimer)
      if (catchUpRetryTimer !== undefined) clock.clearTimeout(catchUpRetryTimer)
      headListeners.clear()
      logSubscribers.clear()
      // Sent, not awaited: the pool closes the upstreams next, which ends these calls; a hung provider
      // would otherwise hold close() for its whole request timeout.
      for (const providerId of [...upstreamSubscriptions.keys()]) stopRacing(providerId).catch(() => {})
    },
  }
}
