import {
  type CircuitBreaker,
  type CircuitBreakerOptions,
  createCircuitBreaker,
} from '../../circuit-breaker/circuit-breaker.js'
import type { Clock, TimerHandle } from '../../clock/clock.js'
import type { UpstreamRpcError } from '../../errors/errors.js'
import type { ProviderPoolEventType } from '../../pubsub/topics.js'
import type { ProviderCandidate } from '../../routing/types.js'
import type { ResolvedProviderConfig } from '../options.js'
import { createRateLimiter, type RateLimiter } from './rate-limiter.js'
import type { Upstream, UpstreamConnectionState } from './upstream.js'

/**
 * A provider's health as routing sees it, worst first: `down` (background probes cannot reach it),
 * `unhealthy` (its circuit breaker is open or trialling), `cooldown` (it throttled us), `lagging` (too far
 * behind the best head for `latest` calls), `healthy`.
 */
export type ProviderHealth = 'down' | 'unhealthy' | 'cooldown' | 'lagging' | 'healthy'

/** Every {@link ProviderHealth}, worst first: one series per state in metrics, one row per state in views. */
export const PROVIDER_HEALTH_STATES = [
  'down',
  'unhealthy',
  'cooldown',
  'lagging',
  'healthy',
] as const satisfies readonly ProviderHealth[]

/** Methods a provider is known not to serve; bounded so junk method names cannot grow it. */
const MAX_UNSUPPORTED_METHODS = 256

/**
 * How long a "missing state" answer is remembered: one answer (a node briefly behind, a load balancer
 * that hit a pruned node once) must not exile a provider from historical reads for good.
 */
export const STATE_MISS_TTL_MS = 10 * 60_000

/**
 * The fewest newest blocks whose state any common node keeps (geth's full node: 128). A provider that
 * lacked some block's state is assumed to keep at least these, and no more than it has shown.
 */
export const MIN_STATE_HISTORY_BLOCKS = 128

/** Everything the pool tracks about one provider; one instance per provider. */
export interface ProviderRuntime {
  readonly config: ResolvedProviderConfig
  readonly candidate: ProviderCandidate
  readonly upstream: Upstream
  readonly breaker: CircuitBreaker
  readonly limiter: RateLimiter | undefined
  /** Clock time until which the provider is cooling down after a rate limit (0 = not cooling). */
  cooldownUntil: number
  /** Whether the provider is too far behind the chain's best head for `latest` calls. */
  lagging: boolean
  /** Why background probes find it unreachable, or `undefined` while they reach it. */
  downReason: string | undefined
  /** Clock time of its last answer to any call (0 = none yet). */
  lastAnsweredAt: number
  connection: UpstreamConnectionState | undefined
  health(): ProviderHealth
  /** Cools the provider down for `ms` (a 429, a rate-limit error, or an operator's command). */
  startCooldown(ms: number, reason: string): void
  /** Ends a cooldown early. */
  endCooldown(): void
  setLagging(lagging: boolean, lag: number): void
  /** Background probes failed: out of rotation until one succeeds. */
  markDown(reason: string): void
  /** A background probe succeeded: back in rotation. */
  markUp(): void
  /** Notes an answer (a result), so a provider busy answering needs no probe to prove it is up. */
  noteAnswered(): void
  /** Remembers, for `ttlMs`, that it does not serve `method` (and what it said). */
  markUnsupported(method: string, error: UpstreamRpcError): void
  /** What it said when asked for `method`, if it is known (still) not to serve it. */
  unsupportedAnswer(method: string): UpstreamRpcError | undefined
  /**
   * The widest `eth_getLogs` block range it is known to serve: its config's `maxLogsBlockRange`, narrowed
   * by what its refusals state; `undefined` while unknown.
   */
  readonly logsBlockRange: number | undefined
  /** Notes a block-range limit it stated; only ever narrows {@link logsBlockRange}. */
  learnLogsBlockRange(maxBlocks: number): void
  /**
   * The oldest block whose state it is taken to serve, given its head: from its config's
   * `stateHistoryBlocks`, and from what its answers showed (see {@link noteStateMissing}); `undefined`
   * while nothing says it prunes (an archive node, or not known yet).
   */
  earliestStateBlock(head: number | undefined): number | undefined
  /**
   * It answered "missing state" for a state read at `block`: its state starts above it. Remembered for
   * {@link STATE_MISS_TTL_MS}; until then it is taken to serve only blocks it has served since, or its
   * newest {@link MIN_STATE_HISTORY_BLOCKS}. Forgets a served block at or below `block` (it pruned since).
   */
  noteStateMissing(block: number): void
  /**
   * It answered a state read at `block` (a result, or an error about the request: it had the state to
   * run it): forgets a remembered miss at or above `block`, which was wrong or is out of date.
   */
  noteStateServed(block: number): void
  dispose(): void
}

/** Options of {@link createProviderRuntime}. */
export interface ProviderRuntimeOptions {
  config: ResolvedProviderConfig
  upstream: Upstream
  clock: Clock
  breaker?: Omit<CircuitBreakerOptions, 'clock' | 'name'>
  /** How long "does not serve this method" is remembered (ms). */
  unsupportedMethodTtlMs: number
  /** Publishes a `provider_pool:events` entry. */
  emit(type: ProviderPoolEventType, detail?: string): void
}

/**
 * Creates the runtime state of one provider: its circuit breaker, cooldown, rate limiter, lag and
 * reachability flags, the methods it does not serve and its connection state, publishing every change as
 * a provider pool event.
 */
export function createProviderRuntime(options: ProviderRuntimeOptions): ProviderRuntime {
  const { config, clock, emit } = options
  const breaker = createCircuitBreaker({ ...options.breaker, name: config.id, clock })
  const unsupported = new Map<string, { until: number; error: UpstreamRpcError }>()
  let cooldownTimer: TimerHandle | undefined
  let lastHealth: ProviderHealth = 'healthy'
  let logsBlockRange = config.maxLogsBlockRange
  /** The newest block it answered "missing state" for, until when that is remembered. */
  let stateMissing: { block: number; until: number } | undefined
  /** The oldest block it served state for (only read while a miss is remembered). */
  let stateServed: number | undefined

  const runtime: ProviderRuntime = {
    config,
    candidate: {
      id: config.id,
      chain: config.chain,
      priority: config.priority,
      defaultCost: config.defaultCost,
      ...(config.costPerMethod ? { costPerMethod: config.costPerMethod } : {}),
    },
    upstream: options.upstream,
    breaker,
    limiter: config.rateLimitPerSecond ? createRateLimiter(config.rateLimitPerSecond, clock) : undefined,
    cooldownUntil: 0,
    lagging: false,
    downReason: undefined,
    lastAnsweredAt: 0,
    connection: undefined,
    get logsBlockRange() {
      return logsBlockRange
    },
    health() {
      if (runtime.downReason !== undefined) return 'down'
      if (breaker.state !== 'closed') return 'unhealthy'
      if (runtime.cooldownUntil > clock.now()) return 'cooldown'
      if (runtime.lagging) return 'lagging'
      return 'healthy'
    },
    startCooldown(ms, reason) {
      const until = clock.now() + ms
      if (until <= runtime.cooldownUntil) return
      runtime.cooldownUntil = until
      if (cooldownTimer !== undefined) clock.clearTimeout(cooldownTimer)
      cooldownTimer = clock.setTimeout(() => runtime.endCooldown(), ms)
      emit('cooldown_start', `${reason}; ${Math.round(ms)} ms`)
      noteHealth()
    },
    endCooldown() {
      if (cooldownTimer !== undefined) clock.clearTimeout(cooldownTimer)
      cooldownTimer = undefined
      if (runtime.cooldownUntil === 0) return
      runtime.cooldownUntil = 0
      emit('cooldown_end')
      noteHealth()
    },
    setLagging(lagging, lag) {
      if (runtime.lagging === lagging) return
      runtime.lagging = lagging
      if (lagging) emit('lagging', `${lag} blocks behind`)
      noteHealth()
    },
    markDown(reason) {
      if (runtime.downReason !== undefined) return
      runtime.downReason = reason
      noteHealth(reason)
    },
    markUp() {
      if (runtime.downReason === undefined) return
      runtime.downReason = undefined
      noteHealth()
    },
    noteAnswered() {
      runtime.lastAnsweredAt = clock.now()
    },
    markUnsupported(method, error) {
      unsupported.delete(method)
      unsupported.set(method, { until: clock.now() + options.unsupportedMethodTtlMs, error })
      if (unsupported.size > MAX_UNSUPPORTED_METHODS) unsupported.delete(unsupported.keys().next().value!)
    },
    unsupportedAnswer(method) {
      const known = unsupported.get(method)
      if (known === undefined) return undefined
      if (known.until > clock.now()) return known.error
      unsupported.delete(method)
      return undefined
    },
    learnLogsBlockRange(maxBlocks) {
      if (logsBlockRange === undefined || maxBlocks < logsBlockRange) logsBlockRange = maxBlocks
    },
    earliestStateBlock(head) {
      const { stateHistoryBlocks } = config
      const configured =
        stateHistoryBlocks === undefined || head === undefined
          ? undefined
          : Math.max(0, head - stateHistoryBlocks + 1)
      if (stateMissing !== undefined && stateMissing.until <= clock.now()) stateMissing = undefined
      if (stateMissing === undefined) return configured
      // The miss says where its state is not; how far up it goes is unknown: take no more than its window
      // (configured, else the least any node keeps) or the oldest block it has served, if older.
      const window =
        configured ?? (head === undefined ? undefined : Math.max(0, head - MIN_STATE_HISTORY_BLOCKS + 1))
      const shown = Math.min(stateServed ?? Number.POSITIVE_INFINITY, window ?? Number.POSITIVE_INFINITY)
      return Math.max(stateMissing.block + 1, Number.isFinite(shown) ? shown : 0)
    },
    noteStateMissing(block) {
      const now = clock.now()
      const newest = stateMissing !== undefined && stateMissing.until > now ? stateMissing.block : block
      stateMissing = { block: Math.max(newest, block), until: now + STATE_MISS_TTL_MS }
      if (stateServed !== undefined && stateServed <= block) stateServed = undefined
    },
    noteStateServed(block) {
      if (stateMissing !== undefined && stateMissing.block >= block) stateMissing = undefined
      if (stateServed === undefined || block < stateServed) stateServed = block
    },
    dispose() {
      if (cooldownTimer !== undefined) clock.clearTimeout(cooldownTimer)
      breaker.dispose()
      options.upstream.close()
    },
  }

  /**
   * Publishes `healthy` / `unhealthy` when the provider enters or leaves rotation (down or breaker not
   * closed), after the specific event; cooldowns and lag have events of their own.
   */
  function noteHealth(reason?: string): void {
    const health = runtime.health()
    if (health === lastHealth) return
    const wasOut = lastHealth === 'down' || lastHealth === 'unhealthy'
    const isOut = health === 'down' || health === 'unhealthy'
    lastHealth = health
    if (health === 'healthy') emit('healthy')
    else if (isOut && !wasOut)
      emit('unhealthy', health === 'down' ? `down: ${reason ?? runtime.downReason}` : 'circuit open')
  }

  breaker.onStateChange((change) => {
    if (change.to === 'open') emit('circuit_open', change.reason)
    else if (change.to === 'half-open') emit('circuit_half_open')
    else emit('circuit_closed')
    noteHealth()
  })
  options.upstream.onConnectionChange?.((state) => {
    if (state === runtime.connection) return
    runtime.connection = state
    if (state === 'connected') emit('connected')
    else if (state === 'disconnected') emit('disconnected')
  })
  return runtime
}
