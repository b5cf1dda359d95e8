import type { Clock, TimerHandle } from '../../clock/clock.js'
import { UpstreamTimeoutError, UpstreamUnavailableError } from '../../errors/errors.js'
import { hexToNumber } from '../../subscriptions/block-header.js'
import type { ProviderRuntime } from '../provider/provider-runtime.js'
import { type AttemptVerdict, judgeRpcError, judgeThrown } from '../request/failure-model.js'

/** Whether a failed probe got an answer at all (a timeout or a refused connection did not). */
function answered(error: unknown): boolean {
  return !(error instanceof UpstreamTimeoutError || error instanceof UpstreamUnavailableError)
}

/** Options of {@link createHealthProber}. */
export interface HealthProberOptions {
  chainId: number
  clock: Clock
  /** The chain's providers now (they come and go at run time). */
  providers(): readonly ProviderRuntime[]
  /** Time between probe rounds (ms). */
  intervalMs: number
  /** Timeout of one probe (ms). */
  timeoutMs: number
  /** Least time between two probes of one provider prompted by peers' observations (ms). @default 1_000 */
  peerProbeIntervalMs?: number
  /** Cooldown after a throttled probe that did not say how long to wait. */
  defaultCooldownMs: number
  /**
   * `true`: probes judge reachability (`down` / back up) and are the breaker's half-open trials.
   * `false`: they only poll heads of providers without a live `newHeads` stream.
   */
  judge: boolean
  /** Whether a provider's head arrives over a live `newHeads` stream (no head poll needed). */
  isStreaming(provider: ProviderRuntime): boolean
  /** A probe read a provider's head. */
  onHead(provider: ProviderRuntime, blockNumber: number): void
}

/** Background health checks of one chain's providers. */
export interface HealthProber {
  /**
   * Runs a round soon (after the current synchronous work, so providers added together are probed
   * together), and then every `intervalMs`, however long the round's probes take; a provider whose
   * probe is still in flight is not probed again. Resolves once the round's probes are done.
   */
  probeNow(): Promise<void>
  /**
   * Probes `provider` now, outside the rounds: something else suggests it is unreachable or stuck (a
   * client call that got no answer, a hedged call it lost, a dropped stream, a stream that fell behind).
   * Probes judge; this only makes them judge sooner. At most once per interval per provider, so a slow
   * but healthy provider costs at most twice the probes; nothing while a probe of it is in flight, while
   * it cools down, once it is down, or without judging probes.
   */
  probeSoon(provider: ProviderRuntime): void
  /**
   * Probes `provider` now because another instance saw it go down or come back: this instance's own
   * probe decides, as soon as it can. Unlike {@link probeSoon} it also probes a provider this instance
   * has found down (a peer saw it recover). Bounded, however many peer events arrive: nothing while a
   * probe of it is in flight or while it cools down, and at most one such probe per provider every
   * `peerProbeIntervalMs`.
   */
  probeForPeer(provider: ProviderRuntime): void
  stop(): void
}

/**
 * Probes a chain's providers in the background, from start: `eth_chainId` first (a provider on the
 * wrong chain is down), then `eth_blockNumber` each round, which also keeps heads fresh. A provider
 * that fails a probe (unreachable, timing out, erring, wrong chain) is `down` and out of rotation
 * within one round; one that answers again is back within one round, and an open breaker closes on
 * the probe's success, so no client request has to be the half-open trial. Providers that answered
 * a client request within the last round and stream their heads need no probe. A throttled probe
 * cools the provider down; once its chain id is known, it also shows the provider is reachable.
 */
export function createHealthProber(options: HealthProberOptions): HealthProber {
  const { clock } = options
  const verifiedChainId = new WeakSet<ProviderRuntime>()
  /** Providers whose probe is in flight: a hung one is probed once at a time, not once a round. */
  const probing = new Set<ProviderRuntime>()
  /** When each provider was last probed outside the rounds (`probeSoon`). */
  const lastProbedSoon = new WeakMap<ProviderRuntime, number>()
  /** When each provider was last probed because of a peer's observation (`probeForPeer`). */
  const lastProbedForPeer = new WeakMap<ProviderRuntime, number>()
  const peerProbeIntervalMs = options.peerProbeIntervalMs ?? 1_000
  let timer: TimerHandle | undefined
  let stopped = false
  let round: Promise<void> | undefined

  function needsProbe(provider: ProviderRuntime): boolean {
    // A throttled provider gets nothing before its Retry-After, probes included.
    if (provider.cooldownUntil > clock.now()) return false
    if (!options.judge) return !options.isStreaming(provider)
    if (provider.health() === 'down' || provider.breaker.state !== 'closed') return true
    const busy = provider.lastAnsweredAt > clock.now() - options.intervalMs
    return !(busy && options.isStreaming(provider) && verifiedChainId.has(provider))
  }

  async function call(
    provider: ProviderRuntime,
    method: string,
  ): Promise<AttemptVerdict | { kind: 'answered'; result: unknown }> {
    try {
      const response = await provider.upstream.request(method, [], { timeoutMs: options.timeoutMs })
      if ('error' in response) return judgeRpcError(response.error, provider.config.id, response.raw)
      return { kind: 'answered', result: response.result }
    } catch (thrown) {
      return judgeThrown(thrown, provider.config.id, false)
    }
  }

  async function probe(provider: ProviderRuntime, retry = true): Promise<void> {
    const method = verifiedChainId.has(provider) || !options.judge ? 'eth_blockNumber' : 'eth_chainId'
    const outcome = await call(provider, method)
    if (stopped) return
    if (outcome.kind === 'answered') {
      const value =
        'result' in outcome && typeof outcome.result === 'string' ? hexToNumber(outcome.result) : Number.NaN
      if (method === 'eth_chainId') {
        if (value !== options.chainId)
          return down(
            provider,
            `wrong chain: expected chain id ${options.chainId}, got ${String((outcome as { result: unknown }).result)}`,
          )
        verifiedChainId.add(provider)
        return probe(provider)
      }
      if (Number.isFinite(value)) options.onHead(provider, value)
      if (options.judge) up(provider)
      return
    }
    if (!options.judge) return
    switch (outcome.kind) {
      case 'throttled':
        provider.startCooldown(
          outcome.retryAfterMs ?? options.defaultCooldownMs,
          'rate limited (health probe)',
        )
        // A 429 is an answer: a provider on the right chain that throttles is reachable, and back in
        // rotation once its cooldown ends rather than a probe round after that.
        if (verifiedChainId.has(provider)) up(provider)
        return
      case 'aborted':
        return
      default:
        // Once more before calling it down: one dropped probe of an otherwise fine provider must not take
        // it out of rotation for a whole interval. Still within the round. A provider already down is
        // asked again only when it answered, however badly (a 5xx, a malformed body): it is back, and
        // one bad answer must not keep it out for another interval; silence is asked again next round.
        if (retry && (provider.downReason === undefined || answered(outcome.error)))
          return probe(provider, false)
        return down(provider, outcome.error.shortMessage)
    }
  }

  /**
   * Back in rotation. A breaker decides about itself when the provider was reachable all along (opened by
   * failures of client calls, it waits out `halfOpenAfterMs`, and then this probe is its trial); after the
   * provider was down, this probe is the proof it is back, and the breaker closes at once.
   */
  function up(provider: ProviderRuntime): void {
    const wasDown = provider.downReason !== undefined
    provider.noteAnswered()
    provider.markUp()
    const { breaker } = provider
    const state = breaker.state
    if (state === 'closed' || (state === 'open' && !wasDown)) return
    const permit = breaker.tryAcquireProbe()
    if (permit) breaker.recordSuccess(permit)
  }

  function down(provider: ProviderRuntime, reason: string): void {
    verifiedChainId.delete(provider)
    const { breaker } = provider
    if (breaker.state === 'half-open') {
      const permit = breaker.tryAcquireProbe()
      if (permit) breaker.recordFailure(permit, new Error(reason))
    }
    provider.markDown(reason)
  }

  async function probeAlone(provider: ProviderRuntime): Promise<void> {
    probing.add(provider)
    try {
      await probe(provider)
    } finally {
      probing.delete(provider)
    }
  }

  function runRound(): Promise<void> {
    // The next round is due one interval after this one starts, not after its slowest probe ends: a
    // provider that hangs until the probe timeout must not delay finding the others down or back up.
    if (timer !== undefined) clock.clearTimeout(timer)
    timer = stopped ? undefined : clock.setTimeout(() => void probeNow(), options.intervalMs)
    const due = options.providers().filter((provider) => !probing.has(provider) && needsProbe(provider))
    return Promise.all(due.map(probeAlone)).then(() => undefined)
  }

  function probeNow(): Promise<void> {
    if (stopped) return Promise.resolve()
    // Calls in the same tick share one round; a round whose probes are still running is not joined.
    round ??= Promise.resolve().then(() => {
      round = undefined
      return runRound()
    })
    return round
  }

  // Judging probes start as providers are added (`probeNow`); a head poll waits its first interval.
  if (!options.judge) timer = clock.setTimeout(() => void probeNow(), options.intervalMs)
  return {
    probeNow,
    probeSoon(provider) {
      if (stopped || !options.judge || probing.has(provider) || provider.downReason !== undefined) return
      const now = clock.now()
      if (
        provider.cooldownUntil > now ||
        now - (lastProbedSoon.get(provider) ?? -Infinity) < options.intervalMs
      )
        return
      lastProbedSoon.set(provider, now)
      void probeAlone(provider)
    },
    probeForPeer(provider) {
      if (stopped || !options.judge || probing.has(provider)) return
      const now = clock.now()
      if (
        provider.cooldownUntil > now ||
        now - (lastProbedForPeer.get(provider) ?? -Infinity) < peerProbeIntervalMs
      )
        return
      lastProbedForPeer.set(provider, now)
      void probeAlone(provider)
    },
    stop() {
      stopped = true
      if (timer !== undefined) clock.clearTimeout(timer)
    },
  }
}
