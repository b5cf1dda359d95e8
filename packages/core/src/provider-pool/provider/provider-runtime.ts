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
