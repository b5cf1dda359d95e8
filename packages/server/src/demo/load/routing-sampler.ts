import { type Clock, type ProviderPool, systemClock, type TimerHandle } from '@chainpulse/core'

/** Options of {@link createRoutingSampler}. */
export interface RoutingSamplerOptions {
  pool: Pick<ProviderPool, 'request'>
  /** Chains sampled in turn. */
  chains: string[]
  /** Requests per second over all chains. @default 2 */
  ratePerSecond?: number
  /** Methods sent in turn. @default ['eth_blockNumber'] */
  methods?: string[]
  /** Requests pending at most; a due request is skipped while at the cap. @default 4 */
  maxInFlight?: number
  /** Stops by itself after this long (ms); `undefined` runs until `stop()`. */
  durationMs?: number
  clock?: Clock
}

/** Progress of a routing sampler. */
export interface RoutingSamplerStatus {
  running: boolean
  ratePerSecond: number
  chains: string[]
  sent: number
  ok: number
  errors: number
  skipped: number
  inFlight: number
}

/** A synthetic request stream through the pool, so routing decisions keep flowing in an idle demo. */
export interface RoutingSampler {
  status(): RoutingSamplerStatus
  stop(): void
}

/**
 * Sends a low-rate stream of cheap reads straight through `pool.request` (not over the network), one
 * chain after another, so the dashboard's routing feed and latency tables have data even when no client
 * is connected. Results are discarded; the pool publishes each decision on `routing:decisions`.
 *
 * @example
 * const sampler = createRoutingSampler({ pool, chains: ['ethereum', 'polygon'], ratePerSecond: 2 })
 * // later
 * sampler.stop()
 */
export function createRoutingSampler(options: RoutingSamplerOptions): RoutingSampler {
  const clock = options.clock ?? systemClock
  const ratePerSecond = options.ratePerSecond ?? 2
  const methods = options.methods?.length ? options.methods : ['eth_blockNumber']
  const maxInFlight = options.maxInFlight ?? 4
  const intervalMs = 1_000 / ratePerSecond
  const stopAt =
    options.durationMs === undefined ? Number.POSITIVE_INFINITY : clock.now() + options.durationMs
  const status: RoutingSamplerStatus = {
    running: true,
    ratePerSecond,
    chains: [...options.chains],
    sent: 0,
    ok: 0,
    errors: 0,
    skipped: 0,
    inFlight: 0,
  }
  let index = 0
  let timer: TimerHandle | undefined

  function fire(): void {
    timer = undefined
    if (!status.running) return
    if (clock.now() >= stopAt) {
      status.running = false
      return
    }
    if (status.inFlight >= maxInFlight || options.chains.length === 0) status.skipped++
    else {
      const chain = options.chains[index % options.chains.length]!
      const method = methods[Math.floor(index / options.chains.length) % methods.length]!
      index++
      status.sent++
      status.inFlight++
      // Each sample is a routing decision of its own: never folded into an identical read in flight, nor
      // answered from the response cache.
      options.pool.request({ chain, method, params: [] }, { coalesce: false, cache: false }).then(
        () => {
          status.inFlight--
          status.ok++
        },
        () => {
          status.inFlight--
          status.errors++
        },
      )
    }
    timer = clock.setTimeout(fire, intervalMs)
  }
  timer = clock.setTimeout(fire, intervalMs)

  return {
    status: () => ({ ...status, chains: [...status.chains] }),
    stop() {
      status.running = false
      if (timer !== undefined) clock.clearTimeout(timer)
      timer = undefined
    },
  }
}
