import { createBenchmarkStore } from '../benchmark-store/benchmark-store.js'
import {
  AllProvidersFailedError,
  DuplicateProviderError,
  NoProviderAvailableError,
  PoolClosedError,
  type RoutingMetadata,
  UnknownChainError,
  UnknownProviderError,
} from '../errors/errors.js'
import { urlOrigin } from '../errors/redact.js'
import { createMessageAggregator } from '../message-aggregator/message-aggregator.js'
import { dependsOnLatest, referencedBlockNumber, stateBlockNumber } from '../methods/block-parameter.js'
import { createPubSub } from '../pubsub/pubsub.js'
import type { ChainPulseTopics, ProviderPoolEventType, RoutingDecisionEvent } from '../pubsub/topics.js'
import { createStrategyRegistry } from '../routing/registry.js'
import type { BlockHeader } from '../subscriptions/block-header.js'
import type { Log, LogFilter } from '../subscriptions/log-filter.js'
import { type ChainRuntime, createChainRuntime } from './chain/chain-runtime.js'
import { FILTER_METHODS, type FilterRegistry } from './filters/filter-registry.js'
import {
  type ProviderConfig,
  type ProviderPoolOptions,
  parseProviderConfig,
  parseProviderPoolOptions,
  type ResolvedProviderConfig,
  type ResolvedProviderPoolOptions,
} from './options.js'
import {
  createProviderRuntime,
  type ProviderEventExtras,
  type ProviderRuntime,
} from './provider/provider-runtime.js'
import { createUrlUpstream } from './provider/upstream.js'
import { canonicalParams, createCoalescer } from './request/coalescing.js'
import { hedgeDelayMs } from './request/hedge-delay.js'
import type { LogsSplitting } from './request/logs-splitting.js'
import { isPureRead } from './request/read-methods.js'
import { executeRequest } from './request/request-executor.js'
import { type PlanInput, planRequest, type RequestPlan } from './request/request-plan.js'
import { createSessions, type SessionNote } from './sessions/sessions.js'
import type {
  PoolRequest,
  PoolRequestOptions,
  PoolRequestResult,
  PoolSubscription,
  PoolSubscriptionKind,
  ProviderPool,
  ProviderStatus,
} from './types.js'

/** Who a request is from when the caller does not say: filters are kept per client. */
const DEFAULT_CLIENT = 'default'
/** The provider and strategy routing metadata names for calls ChainPulse answers itself. */
const FILTERS_PROVIDER = 'chainpulse'
const FILTERS_STRATEGY = 'filters'
/** The same for answers from the response cache. */
const CHAINPULSE_PROVIDER = FILTERS_PROVIDER
const CACHE_STRATEGY = 'cache'

/** `length` random bytes as hex digits. */
function randomHex(length: number): string {
  const bytes = new Uint8Array(length)
  globalThis.crypto.getRandomValues(bytes)
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
}

/**
 * Creates a pool of upstream providers per chain that behaves like one provider that is always up:
 * each call is routed by a strategy and judged by the failure model (docs/failure-model.md): it fails over
 * past providers that cannot serve it, leaves out providers that are down or circuit-open, sets cooling-down
 * ones aside, puts lagging ones last, and is recorded in the benchmark store and on `routing:decisions`.
 * Subscriptions race every provider's stream and deliver each block or log exactly once, in order.
 *
 * @throws {ConfigError} when an option is invalid or unknown (the message names each one by its path).
 * @example
 * const pool = createProviderPool({
 *   chains: [{ name: 'ethereum', chainId: 1 }],
 *   providers: [
 *     { id: 'infura', chain: 'ethereum', httpUrl: `https://mainnet.infura.io/v3/${key}` },
 *     { id: 'local', chain: 'ethereum', httpUrl: 'http://127.0.0.1:8545', wsUrl: 'ws://127.0.0.1:8545' },
 *   ],
 * })
 * const { result, providerId } = await pool.request({ chain: 'ethereum', method: 'eth_blockNumber' })
 */
export function createProviderPool(input: ProviderPoolOptions): ProviderPool {
  const options = parseProviderPoolOptions(input)
  const {
    clock,
    wallClock,
    requestTimeoutMs,
    requestDeadlineMs,
    defaultCooldownMs,
    healthCheck,
    hedge,
    coalescing,
    peerEvidence,
    logsSplitting,
    servedFilters,
  } = options
  // Objects with state of their own: one per pool, so they cannot be schema defaults.
  const store = options.store ?? createBenchmarkStore({ clock })
  const pubsub = options.pubsub ?? createPubSub<ChainPulseTopics>()
  const registry = options.registry ?? createStrategyRegistry()
  const aggregator = createMessageAggregator<BlockHeader>({ store, clock })
  const chains = new Map<string, ChainRuntime>()
  const filters = new Map<string, FilterRegistry>()
  const chainIds = new Map<number, string>()
  const providerChains = new Map<string, ChainRuntime>()
  const sessions = createSessions({ ...options.sessions, clock, newId: () => randomHex(6) })
  const coalescer = createCoalescer()
  /** Chunks of a split `eth_getLogs` (and its first, whole try): routed as they are, never split again. */
  const unsplit = new WeakSet<PoolRequest>()
  let nextSubscriptionId = 1
  let closed = false

  for (const chain of options.chains) {
    const strategy = options.strategies?.[chain.name] ?? options.strategy
    registry.get(strategy) // fail at construction on a typo, not on the first request
    const runtime = createChainRuntime({
      name: chain.name,
      chainId: chain.chainId,
      blockTimeMs: chain.blockTimeMs,
      strategy,
      clock,
      wallClock,
      pubsub,
      aggregator,
      maxLagBlocks: options.maxLagBlocks,
      headPollIntervalMs: options.headPollIntervalMs,
      healthCheck,
      defaultCooldownMs,
      ...(peerEvidence ? { peerProbeIntervalMs: peerEvidence.probeIntervalMs } : {}),
      racing: options.racing,
      // The follower must see the chain, never the cache's view of it: its calls bypass the cache.
      request: async (method, params) =>
        (await request({ chain: chain.name, method, params }, { cache: false, internal: true })).result,
      onListenerError: (error) => console.error('chainpulse: subscription listener threw', error),
    })
    chains.set(chain.name, runtime)
    chainIds.set(chain.chainId, chain.name)
    if (servedFilters)
      filters.set(
        chain.name,
        servedFilters.registry({
          ...options.filters,
          clock,
          // A filter id as nodes make them: `0x` and 32 random hex digits.
          newId: () => `0x${randomHex(16)}`,
          chain: {
            anchor: () => runtime.anchor(),
            subscribeHeads: (listener) => runtime.subscribeHeads(listener),
            subscribeLogs: (filter, listener) => runtime.subscribeLogs(filter, listener),
            request: async (method, params, providerId) => {
              const answer = await request(
                { chain: chain.name, method, params },
                providerId === undefined ? {} : { providerId },
              )
              return { result: answer.result, providerId: answer.providerId }
            },
          },
        }),
      )
  }

  aggregator.onRace((race) => pubsub.publish('races', race))

  // Peers' observations (through a PubSub adapter): evidence for this pool's own probes (docs in options).
  const stopPeerEvidence = peerEvidence?.follow({
    pubsub,
    wallClock,
    target(chainName, providerId) {
      const chain = providerChains.get(providerId)
      const provider = chain?.byId.get(providerId)
      if (chain === undefined || provider === undefined || chain.name !== chainName) return undefined
      return { provider, probe: () => chain.probeForPeer(provider) }
    },
  })

  function chainOf(chain: string | number): ChainRuntime {
    const byName = typeof chain === 'string' ? chains.get(chain) : undefined
    if (byName) return byName
    const id = typeof chain === 'number' ? chain : /^\d+$/.test(chain) ? Number(chain) : Number.NaN
    const name = chainIds.get(id)
    if (name) return chains.get(name)!
    throw new UnknownChainError(String(chain), [...chains.keys()])
  }

  function providerOf(providerId: string): ProviderRuntime {
    const provider = providerChains.get(providerId)?.byId.get(providerId)
    if (!provider) throw new UnknownProviderError(providerId)
    return provider
  }

  function addProvider(input: ProviderConfig | ResolvedProviderConfig): void {
    if (closed) throw new PoolClosedError()
    const provider = parseProviderConfig(input)
    const chain = chainOf(provider.chain)
    if (providerChains.has(provider.id)) throw new DuplicateProviderError(provider.id)
    const emit = (type: ProviderPoolEventType, detail?: string, extras: ProviderEventExtras = {}) => {
      const ts = wallClock()
      pubsub.publish('provider_pool:events', {
        ts,
        chain: chain.name,
        providerId: provider.id,
        type,
        ...(detail === undefined ? {} : { detail }),
        // Epoch ms, not a duration: it means the same on every instance, however late the event arrives.
        ...(extras.cooldownMs === undefined ? {} : { until: Math.round(ts + extras.cooldownMs) }),
        ...(extras.viaPeer === undefined ? {} : { viaPeer: extras.viaPeer }),
      })
    }
    const upstream =
      provider.upstream ??
      createUrlUpstream({
        providerId: provider.id,
        httpUrl: provider.httpUrl,
        wsUrl: provider.wsUrl,
        clock,
        fetch: options.fetch,
        WebSocket: options.WebSocket,
        ...(options.random ? { random: options.random } : {}),
      })
    const runtime = createProviderRuntime({
      // The raw URLs (which may hold keys) stay inside the upstream's transports: everything the pool
      // keeps and shows has only the origins, computed here once.
      config: {
        ...provider,
        httpUrl: provider.httpUrl && urlOrigin(provider.httpUrl),
        wsUrl: provider.wsUrl && urlOrigin(provider.wsUrl),
      },
      unsupportedMethodTtlMs: options.unsupportedMethodTtlMs,
      upstream,
      clock,
      emit,
      breaker: options.breaker,
    })
    providerChains.set(provider.id, chain)
    chain.addProvider(runtime)
    emit('added')
  }

  for (const provider of options.providers) addProvider(provider)

  // The cache is a head subscriber of every chain, so each follows its canonical blocks (racing or
  // polling) for as long as the pool lives: an entry is only as fresh as the follower (docs/cache.md).
  const { cache } = options
  if (cache)
    for (const chain of chains.values())
      cache.follow(chain.name, {
        subscribeHeads: (listener) => chain.subscribeHeads(listener),
        anchor: () => chain.anchor(),
        bestHead: () => chain.heads.best(),
        providerHead: (providerId) => chain.heads.head(providerId),
      })

  /**
   * The response cache in front of everything else (docs/cache.md): a hit is answered without routing;
   * a miss is routed (and coalesced) as usual, and its answer kept when the cache's rules allow.
   */
  async function request<T = unknown>(
    call: PoolRequest,
    requestOptions: PoolRequestOptions = {},
  ): Promise<PoolRequestResult<T>> {
    // A pinned call asks one provider on purpose: it gets that provider's answer.
    const lookup =
      cache && !closed && requestOptions.cache !== false && requestOptions.providerId === undefined
        ? cache.lookup(chainOf(call.chain).name, call.method, call.params)
        : undefined
    if (lookup === undefined) return routedRequest<T>(call, requestOptions)
    const started = clock.now()
    const found = await lookup
    if (!found.hit) {
      const answer = await routedRequest<T>(call, requestOptions)
      found.store(answer)
      // A copy: the answer object may be shared with callers that joined it without the cache.
      return { ...answer, cache: 'miss' }
    }
    let result: T
    try {
      // Parsed afresh for every hit: a caller that changes its result cannot change the cached one.
      result = JSON.parse(found.json) as T
    } catch {
      // Text a shared store mangled: ask upstream, as for a miss (it is not stored back).
      return { ...(await routedRequest<T>(call, requestOptions)), cache: 'miss' }
    }
    const durationMs = clock.now() - started
    const chain = chainOf(call.chain).name
    publishDecision({
      internal: requestOptions.internal,
      chain,
      method: call.method,
      strategy: CACHE_STRATEGY,
      providerId: CHAINPULSE_PROVIDER,
      durationMs,
      result: 'ok',
      attempts: 0,
      cached: true,
    })
    return {
      result,
      rawResult: found.json,
      providerId: CHAINPULSE_PROVIDER,
      strategy: CACHE_STRATEGY,
      attempts: 0,
      durationMs,
      cache: 'hit',
    }
  }

  async function routedRequest<T = unknown>(
    call: PoolRequest,
    requestOptions: PoolRequestOptions,
  ): Promise<PoolRequestResult<T>> {
    if (closed) throw new PoolClosedError()
    const started = clock.now()
    const chain = chainOf(call.chain)
    const filterRegistry = FILTER_METHODS.has(call.method) ? filters.get(chain.name) : undefined
    if (filterRegistry) return filterRequest<T>(filterRegistry, chain, call, requestOptions, started)
    // A pinned call uses no strategy; say so in metrics and headers rather than naming the default.
    const strategy =
      requestOptions.providerId !== undefined ? 'pinned' : (requestOptions.strategy ?? chain.strategy)
    if (!coalescing || requestOptions.coalesce === false || !isPureRead(call.method))
      return route<T>(chain, call, strategy, requestOptions, started)
    const key = coalescingKey(chain.name, call, strategy, requestOptions)
    const joined = coalescer.has(key)
    const shared = coalescer.run(key, requestOptions.signal, (signal) =>
      route<T>(chain, call, strategy, { ...requestOptions, signal }, started),
    )
    // The call that started the run publishes its own decision (route); one that joined it says so too.
    if (!joined) return shared
    const answer = await shared.catch((error: unknown) => ({ error }))
    const durationMs = clock.now() - started
    // An error a request ends with carries the routing of the call that ended it.
    const routing = 'error' in answer ? (answer.error as { routing?: RoutingMetadata }).routing : answer
    // Shared only within one session (coalescingKey): name it; the call that ran has placed or moved it.
    const session =
      requestOptions.providerId === undefined
        ? sessions
            .open(chain.name, call.method, requestOptions.clientId ?? DEFAULT_CLIENT, requestOptions.session)
            ?.settle('error' in answer ? undefined : answer.providerId)
        : undefined
    publishDecision({
      internal: requestOptions.internal,
      chain: chain.name,
      method: call.method,
      strategy,
      providerId: routing?.providerId,
      durationMs,
      result: 'error' in answer ? 'error' : 'ok',
      attempts: routing?.attempts ?? 0,
      session,
      coalesced: true,
    })
    if ('error' in answer) throw answer.error
    return { ...answer, durationMs, coalesced: true }
  }

  /**
   * What makes two calls the same question: chain, method, canonical params, and everything that routes
   * them (strategy, pinned provider, timeouts). A call in a session (a key, or the client's transaction
   * flow) shares only with the same client's same session: its answer must come from the session's node.
   */
  function coalescingKey(
    chain: string,
    call: PoolRequest,
    strategy: string,
    requestOptions: PoolRequestOptions,
  ) {
    const inSession =
      requestOptions.session !== undefined ||
      (options.sessions.transactionFlow !== false &&
        options.sessions.transactionFlow.methods.includes(call.method))
    // A JSON array written piece by piece: the params are JSON already (stringifying them again inside
    // the array would escape every quote), and names from clients are quoted, so no two keys collide.
    const routing = JSON.stringify([
      strategy,
      requestOptions.providerId ?? null,
      requestOptions.timeoutMs ?? null,
      requestOptions.deadlineMs ?? null,
      inSession ? [requestOptions.clientId ?? DEFAULT_CLIENT, requestOptions.session ?? null] : null,
    ])
    return `[${JSON.stringify(chain)},${JSON.stringify(call.method)},${canonicalParams(call.params ?? [])},${routing}]`
  }

  async function route<T>(
    chain: ChainRuntime,
    call: PoolRequest,
    strategy: string,
    requestOptions: PoolRequestOptions,
    started: number,
  ): Promise<PoolRequestResult<T>> {
    if (
      logsSplitting &&
      call.method === 'eth_getLogs' &&
      requestOptions.providerId === undefined &&
      !unsplit.has(call)
    )
      return logsRequest<T>(logsSplitting, chain, call, strategy, requestOptions, started)
    const params = call.params ?? []
    const deadline = started + (requestOptions.deadlineMs ?? requestDeadlineMs)
    // History-aware routing: providers taken not to keep this block's state go last, and answers teach.
    const stateBlock = stateBlockNumber(call.method, params)
    let providers: ProviderRuntime[]
    let coolingDown: ProviderRuntime[] = []
    let reasons: Record<string, string> = {}
    // A pinned call neither follows nor moves a session.
    const session =
      requestOptions.providerId === undefined
        ? sessions.open(
            chain.name,
            call.method,
            requestOptions.clientId ?? DEFAULT_CLIENT,
            requestOptions.session,
          )
        : undefined
    if (requestOptions.providerId !== undefined) {
      const pinned = chain.byId.get(requestOptions.providerId)
      if (!pinned) throw new UnknownProviderError(requestOptions.providerId, chain.name)
      providers = [pinned]
    } else {
      const referencedBlock = referencedBlockNumber(call.method, params)
      // One block ahead of every head: it is most likely being mined now; wait (within the deadline)
      // rather than send a call no provider can answer yet.
      const best = chain.heads.best()
      if (referencedBlock !== undefined && best !== undefined && referencedBlock === best + 1)
        // Leave the call itself at least a second of the deadline.
        await chain.waitForHead(referencedBlock, Math.min(chain.blockTimeMs, deadline - clock.now() - 1_000))
      const planInput: PlanInput = {
        chain: chain.name,
        method: call.method,
        needsTip: dependsOnLatest(call.method, params),
        referencedBlock,
        stateBlock,
        // eth_getLogs: providers known to serve its range first (request/logs-splitting.ts).
        providers:
          logsSplitting && call.method === 'eth_getLogs'
            ? logsSplitting.providersFor(chain.providers, params, chain.heads.best())
            : chain.providers,
        heads: chain.heads,
        strategy: registry.get(strategy),
        store,
        now: clock.now(),
        probing: healthCheck !== false,
        preferred: session?.providerId,
      }
      const plan = planInput.providers.some((provider) => provider.peerDown !== undefined)
        ? planWithoutPeerSuspects(planInput)
        : planRequest(planInput)
      if (plan.kind === 'unsupported') {
        // Every provider is known not to serve the method: answer as they did, without asking again.
        const durationMs = clock.now() - started
        publishDecision({
          internal: requestOptions.internal,
          chain: chain.name,
          method: call.method,
          strategy,
          providerId: plan.provider.config.id,
          durationMs,
          result: 'error',
          attempts: 0,
          session: session?.settle(undefined),
        })
        plan.error.routing = { providerId: plan.provider.config.id, strategy, attempts: 0, durationMs }
        throw plan.error
      }
      ;({ providers, coolingDown, reasons } = plan)
      session?.start((providers[0] ?? coolingDown[0])?.config.id)
      if (plan.preferredBehind) session?.detour()
    }

    const outcome = await executeRequest({
      method: call.method,
      params,
      stateBlock,
      providers,
      coolingDown,
      deadline,
      attemptTimeoutMs: requestOptions.timeoutMs ?? requestTimeoutMs,
      // A call of a placed session is hedged only once its node has stalled for `maxDelayMs`: an answer
      // raced from another node is the node-local answer (a pending nonce, a receipt) the session exists
      // to keep on one node, so a merely slow node keeps it; one that stalls loses the session to the node
      // that answered, as a failover would move it, seconds sooner than the attempt timeout.
      hedge: hedge
        ? {
            delayMs:
              session?.providerId === undefined
                ? (provider) => hedgeDelay(hedge, chain.name, provider, call.method)
                : () => hedge.maxDelayMs,
            maxHedges: hedge.maxHedges,
          }
        : undefined,
      signal: requestOptions.signal,
      clock,
      defaultCooldownMs,
      recordAttempt: (provider, durationMs, ok) =>
        store.recordRpcCall(chain.name, {
          providerId: provider.config.id,
          method: call.method,
          strategy,
          durationMs,
          ok,
        }),
      suspectUnreachable: (provider) => chain.suspectUnreachable(provider),
      learnRequestLimit: call.method === 'eth_getLogs' ? logsSplitting?.learn : undefined,
    })

    const durationMs = clock.now() - started
    const attempts = outcome.kind === 'unavailable' ? 0 : outcome.attempts
    const providerId =
      outcome.kind === 'ok' || outcome.kind === 'rpc-error'
        ? outcome.provider.config.id
        : outcome.kind === 'failed'
          ? outcome.lastProvider?.config.id
          : undefined
    publishDecision({
      internal: requestOptions.internal,
      chain: chain.name,
      method: call.method,
      strategy,
      providerId,
      durationMs,
      result: outcome.kind === 'ok' ? 'ok' : 'error',
      attempts,
      // The session follows the provider that answered, result or JSON-RPC error.
      session: session?.settle(
        outcome.kind === 'ok' || outcome.kind === 'rpc-error' ? providerId : undefined,
      ),
    })
    switch (outcome.kind) {
      case 'ok': {
        // No conditional spread: it would allocate a throwaway object on every call.
        const answer: PoolRequestResult<T> = {
          result: outcome.result as T,
          providerId: providerId!,
          strategy,
          attempts,
          durationMs,
        }
        if (outcome.rawResult !== undefined) answer.rawResult = outcome.rawResult
        return answer
      }
      case 'rpc-error':
      case 'aborted':
        outcome.error.routing = { providerId, strategy, attempts, durationMs }
        throw outcome.error
      case 'failed':
        throw new AllProvidersFailedError(
          chain.name,
          outcome.failures,
          { providerId, strategy, attempts, durationMs },
          outcome.deadlineReached ? { deadlineMs: deadline - started } : {},
        )
      case 'unavailable':
        throw new NoProviderAvailableError(chain.name, { ...reasons, ...outcome.reasons }, {
          providerId,
          strategy,
          attempts,
          durationMs,
        } satisfies RoutingMetadata)
    }
  }

  /**
   * A plan that leaves out providers a peer instance saw down (until this pool's own probe has judged
   * them), saying why in its reasons. Peers' evidence is a reason to prefer the others, never to fail a
   * call: when no other provider could take it, the plan is made over them all.
   */
  function planWithoutPeerSuspects(input: PlanInput): RequestPlan {
    const candidates = input.providers
    const plan = planRequest({
      ...input,
      providers: candidates.filter((provider) => provider.peerDown === undefined),
    })
    if (plan.kind === 'unsupported' || plan.providers.length + plan.coolingDown.length === 0)
      return planRequest(input)
    for (const provider of candidates)
      if (provider.peerDown !== undefined) plan.reasons[provider.config.id] = provider.peerDown.detail
    return plan
  }

  /**
   * An `eth_getLogs` that never ends in a range error (request/logs-splitting.ts): sent whole when some
   * provider may serve its range, else (or when every provider refuses it for its size) fetched in chunks,
   * each a routed call of its own, all within this request's deadline.
   */
  function logsRequest<T>(
    splitting: LogsSplitting,
    chain: ChainRuntime,
    call: PoolRequest,
    strategy: string,
    requestOptions: PoolRequestOptions,
    started: number,
  ): Promise<PoolRequestResult<T>> {
    const deadline = started + (requestOptions.deadlineMs ?? requestDeadlineMs)
    const within = (signal: AbortSignal | undefined): PoolRequestOptions => ({
      ...requestOptions,
      signal,
      deadlineMs: Math.max(0, deadline - clock.now()),
    })
    return splitting.request({
      params: call.params ?? [],
      providers: () => chain.providers,
      bestHead: chain.heads.best(),
      send: (params, signal) => {
        const chunk: PoolRequest = { chain: call.chain, method: call.method, params }
        unsplit.add(chunk)
        return route<Log[]>(chain, chunk, strategy, within(signal), clock.now())
      },
      call: async (method, params, signal) =>
        (await request({ chain: chain.name, method, params }, within(signal))).result,
      signal: requestOptions.signal,
      clock,
      started,
      strategy,
    }) as Promise<PoolRequestResult<T>>
  }

  /**
   * A filter call, answered by the chain's filter registry (docs/filters-and-sessions.md). Routing
   * metadata names `chainpulse` as the provider, or the provider that answered when one did.
   */
  async function filterRequest<T>(
    registry: FilterRegistry,
    chain: ChainRuntime,
    call: PoolRequest,
    requestOptions: PoolRequestOptions,
    started: number,
  ): Promise<PoolRequestResult<T>> {
    const params = Array.isArray(call.params) ? call.params : call.params === undefined ? [] : [call.params]
    try {
      const answer = await registry.call(call.method, params, requestOptions.clientId ?? DEFAULT_CLIENT)
      const durationMs = clock.now() - started
      const providerId = answer.providerId ?? FILTERS_PROVIDER
      const attempts = answer.providerId === undefined ? 0 : 1
      publishDecision({
        internal: requestOptions.internal,
        chain: chain.name,
        method: call.method,
        strategy: FILTERS_STRATEGY,
        providerId,
        durationMs,
        result: 'ok',
        attempts,
      })
      return { result: answer.result as T, providerId, strategy: FILTERS_STRATEGY, attempts, durationMs }
    } catch (error) {
      const durationMs = clock.now() - started
      publishDecision({
        internal: requestOptions.internal,
        chain: chain.name,
        method: call.method,
        strategy: FILTERS_STRATEGY,
        providerId: FILTERS_PROVIDER,
        durationMs,
        result: 'error',
        attempts: 0,
      })
      throw error
    }
  }

  /** What a routing decision says about one call (see {@link RoutingDecisionEvent}). */
  interface Decision {
    chain: string
    method: string
    strategy: string
    providerId: string | undefined
    durationMs: number
    result: 'ok' | 'error'
    attempts: number
    session?: SessionNote | undefined
    coalesced?: boolean
    cached?: boolean
    /** The pool's own call (`internal` request option). */
    internal?: boolean | undefined
  }

  function publishDecision(call: Decision): void {
    const decision: RoutingDecisionEvent = {
      ts: wallClock(),
      chain: call.chain,
      method: call.method,
      strategy: call.strategy,
      providerId: call.providerId ?? 'none',
      durationMs: call.durationMs,
      result: call.result,
      failoverCount: Math.max(0, call.attempts - 1),
      attempts: call.attempts,
    }
    if (call.coalesced) decision.coalesced = true
    if (call.cached) decision.cached = true
    if (call.internal) decision.internal = true
    const { session } = call
    if (session !== undefined) {
      decision.session = session.session
      if (session.movedFrom !== undefined) {
        decision.sessionMoved = true
        decision.previousProviderId = session.movedFrom
      }
    }
    pubsub.publish('routing:decisions', decision)
  }

  function hedgeDelay(
    hedge: Exclude<ResolvedProviderPoolOptions['hedge'], false>,
    chain: string,
    provider: ProviderRuntime,
    method: string,
  ): number {
    if (hedge.delayMs !== undefined) return hedge.delayMs
    return hedgeDelayMs(store.recent(chain, provider.config.id, method), hedge)
  }

  function subscribe(
    chainName: string | number,
    kind: PoolSubscriptionKind,
    listener: ((block: BlockHeader) => void) | ((log: Log) => void),
  ): PoolSubscription {
    if (closed) throw new PoolClosedError()
    const chain = chainOf(chainName)
    const release =
      kind === 'newHeads'
        ? chain.subscribeHeads(listener as (block: BlockHeader) => void)
        : chain.subscribeLogs((kind as { logs: LogFilter }).logs, listener as (log: Log) => void)
    let active = true
    return {
      id: `0x${(nextSubscriptionId++).toString(16)}`,
      unsubscribe() {
        if (!active) return
        active = false
        release()
      },
    }
  }

  function status(chain: ChainRuntime, provider: ProviderRuntime): ProviderStatus {
    const { config } = provider
    return {
      id: config.id,
      chain: chain.name,
      health: provider.health(),
      // This pool's own verdict first; else why a peer's keeps it out of rotation.
      downReason: provider.downReason ?? provider.peerDown?.detail,
      breaker: provider.breaker.state,
      head: chain.heads.head(config.id),
      lag: chain.heads.lag(config.id),
      earliestStateBlock: provider.earliestStateBlock(chain.heads.head(config.id)),
      cooldownUntil: provider.cooldownUntil > clock.now() ? provider.cooldownUntil : undefined,
      connection: provider.connection,
      transports: [
        ...(config.httpUrl || config.upstream ? ['http' as const] : []),
        ...(config.wsUrl ? ['ws' as const] : []),
      ],
      httpUrl: config.httpUrl,
      wsUrl: config.wsUrl,
      priority: config.priority,
    }
  }

  const pool: ProviderPool = {
    store,
    pubsub,
    registry,
    request,
    subscribe: subscribe as ProviderPool['subscribe'],
    addProvider,
    removeProvider(providerId) {
      const provider = providerOf(providerId)
      const chain = providerChains.get(providerId)!
      chain.removeProvider(provider)
      providerChains.delete(providerId)
      provider.dispose()
      pubsub.publish('provider_pool:events', {
        ts: wallClock(),
        chain: chain.name,
        providerId,
        type: 'removed',
      })
    },
    resolveChain: (chain) => chainOf(chain).name,
    chains: () =>
      [...chains.values()].map((chain) => ({
        name: chain.name,
        chainId: chain.chainId,
        strategy: chain.strategy,
        head: chain.heads.best(),
        providers: chain.providers.length,
      })),
    providers(chain) {
      const selected = chain === undefined ? [...chains.values()] : [chainOf(chain)]
      return selected.flatMap((runtime) => runtime.providers.map((provider) => status(runtime, provider)))
    },
    setStrategy(chain, strategy) {
      registry.get(strategy)
      chainOf(chain).strategy = strategy
    },
    cooldown: (providerId, ms) => providerOf(providerId).startCooldown(ms, 'manual'),
    endCooldown: (providerId) => providerOf(providerId).endCooldown(),
    upstreamSubscriptionCount: () =>
      [...chains.values()].reduce((total, chain) => total + chain.upstreamSubscriptionCount(), 0),
    async close() {
      if (closed) return
      closed = true
      stopPeerEvidence?.()
      for (const registry of filters.values()) registry.close()
      await Promise.all([...chains.values()].map((chain) => chain.close()))
      for (const chain of chains.values()) for (const provider of chain.providers) provider.dispose()
    },
  }
  return pool
}
