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
 * How long a block-range limit learned from a refusal holds before the configured limit (or none)
 * applies again: a plan can be upgraded, a provider's load balancer can land on a node with other limits,
 * and a limit stated once must not narrow every `eth_getLogs` until a restart. Relearning costs one
 * refused call an hour.
 */
export const LEARNED_LOGS_RANGE_TTL_MS = 60 * 60_000

/**
 * The fewest newest blocks whose state any common node keeps (geth's full node: 128). A provider that
 * lacked some block's state is assumed to keep at least these, and no more than it has shown.
 */
export const MIN_STATE_HISTORY_BLOCKS = 128

/**
 * Another instance's fresh verdict that a provider is down or circuit-open (see `peerEvidence`): it keeps
 * the provider out of this instance's rotation until this instance's own probe says it answers, a peer
 * sees it recover, or the evidence grows older than the freshness window.
 */
export interface PeerDownEvidence {
  /** The instance that saw it. */
  peer: string
  /** What routing and the provider's status say about it, e.g. "peer b saw it down at 2026-…Z". */
  detail: string
}

/** Extra fields of a provider pool event, beyond its type and detail. */
export interface ProviderEventExtras {
  /** `cooldown_start`: the cooldown's length (ms), published as its end in epoch ms. */
  cooldownMs?: number
  /** The event follows this peer instance's observation, not this instance's own. */
  viaPeer?: string
}

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
  /**
   * Cools the provider down for `ms` (a 429, a rate-limit error, or an operator's command); `viaPeer`
   * names the instance whose cooldown this one follows (its events say so, and peers do not act on them).
   */
  startCooldown(ms: number, reason: string, viaPeer?: string): void
  /** Ends a cooldown early. */
  endCooldown(): void
  setLagging(lagging: boolean, lag: number): void
  /** Background probes failed: out of rotation until one succeeds. */
  markDown(reason: string): void
  /** A background probe succeeded: back in rotation, whatever a peer said. */
  markUp(): void
  /** Another instance's fresh down verdict, while it holds (`undefined` once cleared or expired). */
  readonly peerDown: PeerDownEvidence | undefined
  /**
   * Takes a peer's down verdict as evidence for `holdMs`: the provider counts as `down` (out of rotation)
   * until {@link markUp}, {@link clearPeerDown} or the time is up, whichever comes first.
   */
  notePeerDown(evidence: PeerDownEvidence, holdMs: number): void
  /**
   * Drops the peer evidence (the provider's own verdicts stay): a peer saw it recover (`viaPeer`: that
   * peer, named by the events this publishes), or the evidence expired.
   */
  clearPeerDown(viaPeer?: string): void
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
  /**
   * Notes a block-range limit it stated; only ever narrows {@link logsBlockRange}, for
   * {@link LEARNED_LOGS_RANGE_TTL_MS} after the last refusal that stated one.
   */
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
  emit(type: ProviderPoolEventType, detail?: string, extras?: ProviderEventExtras): void
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
  /** The peer whose cooldown the current one follows, if it does. */
  let cooldownViaPeer: string | undefined
  let peerDown: PeerDownEvidence | undefined
  let peerDownTimer: TimerHandle | undefined
  /** Clock time until which the peer evidence holds (0: none held). */
  let peerDownUntil = 0
  let lastHealth: ProviderHealth = 'healthy'
  /** The narrowest block-range limit its refusals stated, and until when it holds. */
  let learnedLogsRange: { maxBlocks: number; until: number } | undefined
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
      if (learnedLogsRange !== undefined && learnedLogsRange.until <= clock.now())
        learnedLogsRange = undefined
      const configured = config.maxLogsBlockRange
      if (learnedLogsRange === undefined) return configured
      return configured === undefined
        ? learnedLogsRange.maxBlocks
        : Math.min(configured, learnedLogsRange.maxBlocks)
    },
    health() {
      if (runtime.downReason !== undefined || peerDown !== undefined) return 'down'
      if (breaker.state !== 'closed') return 'unhealthy'
      if (runtime.cooldownUntil > clock.now()) return 'cooldown'
      if (runtime.lagging) return 'lagging'
      return 'healthy'
    },
    startCooldown(ms, reason, viaPeer) {
      const until = clock.now() + ms
      if (until <= runtime.cooldownUntil) return
      runtime.cooldownUntil = until
      cooldownViaPeer = viaPeer
      if (cooldownTimer !== undefined) clock.clearTimeout(cooldownTimer)
      cooldownTimer = clock.setTimeout(() => runtime.endCooldown(), ms)
      emit('cooldown_start', `${reason}; ${Math.round(ms)} ms`, withPeer({ cooldownMs: ms }, viaPeer))
      noteHealth(undefined, viaPeer)
    },
    endCooldown() {
      if (cooldownTimer !== undefined) clock.clearTimeout(cooldownTimer)
      cooldownTimer = undefined
      if (runtime.cooldownUntil === 0) return
      runtime.cooldownUntil = 0
      // The end of a cooldown that followed a peer's is the peer's news too, not a fresh observation.
      const viaPeer = cooldownViaPeer
      cooldownViaPeer = undefined
      emit('cooldown_end', undefined, withPeer({}, viaPeer))
      noteHealth(undefined, viaPeer)
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
      if (runtime.downReason === undefined && peerDown === undefined) return
      runtime.downReason = undefined
      dropPeerDown()
      noteHealth()
    },
    get peerDown() {
      return peerDown
    },
    notePeerDown(evidence, holdMs) {
      const until = clock.now() + holdMs
      if (until <= peerDownUntil) return
      const wasHeld = peerDown !== undefined
      if (peerDownTimer !== undefined) clock.clearTimeout(peerDownTimer)
      // Held already: the first evidence still says why (a breaker's opening and the `unhealthy` that
      // follows it are one observation); a fresher one only makes it hold longer.
      peerDown ??= evidence
      peerDownUntil = until
      peerDownTimer = clock.setTimeout(() => runtime.clearPeerDown(), holdMs)
      if (!wasHeld) noteHealth(undefined, evidence.peer)
    },
    clearPeerDown(viaPeer) {
      if (peerDown === undefined) return
      const { peer } = peerDown
      dropPeerDown()
      noteHealth(undefined, viaPeer ?? peer)
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
      const known = runtime.logsBlockRange
      learnedLogsRange = {
        maxBlocks: known === undefined ? maxBlocks : Math.min(known, maxBlocks),
        until: clock.now() + LEARNED_LOGS_RANGE_TTL_MS,
      }
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
      dropPeerDown()
      breaker.dispose()
      options.upstream.close()
    },
  }

  function dropPeerDown(): void {
    if (peerDownTimer !== undefined) clock.clearTimeout(peerDownTimer)
    peerDownTimer = undefined
    peerDown = undefined
    peerDownUntil = 0
  }

  function withPeer(extras: ProviderEventExtras, viaPeer: string | undefined): ProviderEventExtras {
    return viaPeer === undefined ? extras : { ...extras, viaPeer }
  }

  /**
   * Publishes `healthy` / `unhealthy` when the provider enters or leaves rotation (down or breaker not
   * closed), after the specific event; cooldowns and lag have events of their own. `viaPeer`: the change
   * follows that peer's observation (marked so that no instance takes it for a first-hand one).
   */
  function noteHealth(reason?: string, viaPeer?: string): void {
    const health = runtime.health()
    if (health === lastHealth) return
    const wasOut = lastHealth === 'down' || lastHealth === 'unhealthy'
    const isOut = health === 'down' || health === 'unhealthy'
    lastHealth = health
    const extras = withPeer({}, viaPeer)
    if (health === 'healthy') emit('healthy', undefined, extras)
    else if (isOut && !wasOut)
      emit(
        'unhealthy',
        health === 'down' ? `down: ${reason ?? runtime.downReason ?? peerDown?.detail}` : 'circuit open',
        extras,
      )
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
