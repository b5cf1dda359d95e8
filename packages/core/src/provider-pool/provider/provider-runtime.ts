import {
  type CircuitBreaker,
  type CircuitBreakerOptions,
  createCircuitBreaker,
} from '../../circuit-breaker/circuit-breaker.js'
import type { Clock, TimerHandle } from '../../clock/clock.js'
import type { ProviderPoolEventType } from '../../pubsub/topics.js'
import type { ProviderCandidate } from '../../routing/types.js'
import type { ResolvedProviderConfig } from '../config.js'
import { createRateLimiter, type RateLimiter } from './rate-limiter.js'
import type { Upstream, UpstreamConnectionState } from './upstream.js'

/** A provider's health as routing sees it. */
export type ProviderHealth = 'healthy' | 'cooldown' | 'lagging' | 'unhealthy'

/** Everything the pool tracks about one provider; one instance per provider. */
export interface ProviderRuntime {
  /** The provider's config, with `httpUrl` and `wsUrl` cut to their origins (the upstream has the URLs). */
  readonly config: ResolvedProviderConfig
  readonly candidate: ProviderCandidate
  readonly upstream: Upstream
  readonly breaker: CircuitBreaker
  readonly limiter: RateLimiter | undefined
  /** Clock time until which the provider is cooling down after a rate limit (0 = not cooling). */
  cooldownUntil: number
  /** Whether the provider is too far behind the chain's best head for `latest` calls. */
  lagging: boolean
  connection: UpstreamConnectionState | undefined
  health(): ProviderHealth
  /** Cools the provider down for `ms` (a 429, a rate-limit error, or an operator's command). */
  startCooldown(ms: number, reason: string): void
  /** Ends a cooldown early. */
  endCooldown(): void
  setLagging(lagging: boolean, lag: number): void
  dispose(): void
}

/** Options of {@link createProviderRuntime}. */
export interface ProviderRuntimeOptions {
  config: ResolvedProviderConfig
  upstream: Upstream
  clock: Clock
  breaker?: Omit<CircuitBreakerOptions, 'clock' | 'name'>
  /** Publishes a `provider_pool:events` entry. */
  emit(type: ProviderPoolEventType, detail?: string): void
}

/**
 * Creates the runtime state of one provider: its circuit breaker, cooldown, rate limiter, lag flag and
 * connection state, publishing every change as a provider pool event.
 */
export function createProviderRuntime(options: ProviderRuntimeOptions): ProviderRuntime {
  const { config, clock, emit } = options
  const breaker = createCircuitBreaker({ ...options.breaker, name: config.id, clock })
  let cooldownTimer: TimerHandle | undefined
  let lastHealth: ProviderHealth = 'healthy'

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
    connection: undefined,
    health() {
      if (breaker.state === 'open') return 'unhealthy'
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
    dispose() {
      if (cooldownTimer !== undefined) clock.clearTimeout(cooldownTimer)
      breaker.dispose()
      options.upstream.close()
    },
  }

  /** Publishes `healthy` / `unhealthy` when the overall verdict changes, after the specific event. */
  function noteHealth(): void {
    const health = runtime.health()
    if (health === lastHealth) return
    const wasHealthy = lastHealth === 'healthy'
    lastHealth = health
    if (health === 'healthy') emit('healthy')
    else if (wasHealthy && health === 'unhealthy') emit('unhealthy', 'circuit open')
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
