import {
  type BenchmarkStore,
  builtInStrategyNames,
  type CircuitBreaker,
  type Clock,
  createBenchmarkStore,
  createCircuitBreaker,
  createStrategyRegistry,
  type ProviderCandidate,
  type RoutingStrategy,
  systemClock,
} from '@chainpulse/core'
import { type BenchSuite, formatNumber } from '../suite.js'
import { CHAINS, METHODS, PROVIDERS, random } from '../workload.js'

const TARGET_NS = 2_000
/** Requests per timed batch: long enough that reading the timer (~40 ns) is noise, short enough for a p99. */
const BATCH = 64
const ROUNDS = 5
const BATCHES_PER_ROUND = 2_500
const JIT_WARMUP_REQUESTS = 100_000
/** Simulated traffic the store holds before timing starts. */
const WARM_SPAN_MS = 10 * 60 * 1000
const TICK_MS = 10
/** RPC calls per tick over all chains during the warm-up: 50 calls/s per chain. */
const WARM_CALLS_PER_TICK = 1.5
/** Pre-drawn requests, cycled (a power of two). */
const DRAWS = 1 << 16
/** Typical latency (ms) of each provider, by index: a clear but not absolute ordering. */
const PROVIDER_LATENCY_MS = [14, 22, 35, 60]
/** Compute units per method, by provider index: the cheapest provider for eth_getLogs is not the fastest. */
const PROVIDER_COSTS: { costPerMethod: Record<string, number>; defaultCost: number }[] = [
  { costPerMethod: { eth_getLogs: 75, eth_call: 26 }, defaultCost: 10 },
  { costPerMethod: { eth_getLogs: 40, eth_call: 20 }, defaultCost: 10 },
  { costPerMethod: { eth_getLogs: 60, eth_call: 30 }, defaultCost: 20 },
  { costPerMethod: { eth_getLogs: 20, eth_call: 15 }, defaultCost: 5 },
]

/** A candidate as the pool holds it: the routing fields plus the provider's own breaker. */
interface PooledProvider extends ProviderCandidate {
  index: number
  breaker: CircuitBreaker
}

/** One pre-drawn request: where it goes, and how the upstream will answer. */
interface RequestDraw {
  chain: number
  method: string
  /** Added to the chosen provider's typical latency. */
  jitterMs: number
  ok: boolean
}

/** A clock that replays simulated time during the warm-up, then follows real time. */
interface WarpClock extends Clock {
  /** How many times `now()` was called: the request path's clock reads are a large share of its cost. */
  readonly reads: number
  advance(ms: number): void
  goLive(): void
}

function createWarpClock(): WarpClock {
  let simulated = 0
  let liveSince: number | undefined
  let reads = 0
  return {
    get reads() {
      return reads
    },
    now() {
      reads++
      return liveSince === undefined ? simulated : simulated + performance.now() - liveSince
    },
    setTimeout: systemClock.setTimeout,
    clearTimeout: systemClock.clearTimeout,
    advance(ms) {
      simulated += ms
    },
    goLive() {
      liveSince = performance.now()
    },
  }
}

function drawRequests(): RequestDraw[] {
  const next = random(11)
  return Array.from({ length: DRAWS }, () => ({
    chain: Math.floor(next() * CHAINS.length),
    method: METHODS[Math.floor(next() * METHODS.length)]!,
    jitterMs: 30 * next() ** 4,
    ok: next() > 0.01,
  }))
}

/**
 * Fills `store` with `WARM_SPAN_MS` of traffic: on every chain one race per tick (the winner is provider
 * (chain + offset) % 4 with a skewed offset, three losers a few ms behind) and RPC calls spread over every
 * provider × method × strategy, so every strategy finds race scores and measured recent figures.
 */
function warm(store: BenchmarkStore, clock: WarpClock): void {
  const next = random(3)
  let budget = 0
  for (let t = 0; t < WARM_SPAN_MS; t += TICK_MS) {
    clock.advance(TICK_MS)
    const now = clock.now()
    for (let c = 0; c < CHAINS.length; c++) recordRace(store, c, next, now)
    for (budget += WARM_CALLS_PER_TICK; budget >= 1; budget--) {
      const provider = Math.floor(next() * PROVIDERS.length)
      store.recordRpcCall(CHAINS[Math.floor(next() * CHAINS.length)]!, {
        providerId: PROVIDERS[provider]!,
        method: METHODS[Math.floor(next() * METHODS.length)]!,
        strategy: builtInStrategyNames[Math.floor(next() * builtInStrategyNames.length)]!,
        durationMs: PROVIDER_LATENCY_MS[provider]! + 30 * next() ** 4,
        ok: next() > 0.01,
      })
    }
  }
}

function recordRace(store: BenchmarkStore, chain: number, next: () => number, now: number): void {
  const roll = next()
  const winner = (chain + (roll < 0.4 ? 0 : roll < 0.7 ? 1 : roll < 0.9 ? 2 : 3)) % PROVIDERS.length
  store.recordRaceWin(CHAINS[chain]!, PROVIDERS[winner]!, 'newHeads', now)
  for (let k = 1; k < PROVIDERS.length; k++) {
    const margin = 0.2 + 40 * next() ** 3
    store.recordRaceLoss(
      CHAINS[chain]!,
      PROVIDERS[(winner + k) % PROVIDERS.length]!,
      'newHeads',
      now + margin,
      margin,
    )
  }
}

/** One way of serving a request, with its own state; `serve` is the timed hot path. */
interface Subject {
  name: string
  /** Whether the target applies (a built-in strategy), or the row is for comparison. */
  targeted: boolean
  /** Clock reads so far (the baseline reads performance.now() once per request). */
  clockReads(): number
  serve(draw: RequestDraw): void
  /** Untimed, between batches: the races that keep arriving while the pool serves requests. */
  between(batch: number): void
}

/**
 * The pool's per-request work for `strategy` (or none: candidates in configured order): build the
 * routing context, order the candidates, take the first permit a breaker grants, settle it and record
 * the outcome in the store. The upstream call itself is simulated by the pre-drawn answer.
 */
function createChainPulseSubject(name: string, strategy: RoutingStrategy | undefined): Subject {
  const clock = createWarpClock()
  const store = createBenchmarkStore({ clock })
  warm(store, clock)
  clock.goLive()
  const candidates: PooledProvider[][] = CHAINS.map((chain) =>
    PROVIDERS.map((id, index) => ({
      id,
      chain,
      index,
      priority: index,
      ...PROVIDER_COSTS[index]!,
      breaker: createCircuitBreaker({ name: `${chain}/${id}`, clock }),
    })),
  )
  const strategyName = strategy?.name ?? 'none'
  const races = random(5)
  return {
    name,
    targeted: strategy !== undefined,
    clockReads: () => clock.reads,
    serve(draw) {
      const chain = CHAINS[draw.chain]!
      const method = draw.method
      const pool = candidates[draw.chain]!
      const order = strategy
        ? (strategy.select(pool, { chain, method, store, now: clock.now() }) as PooledProvider[])
        : pool
      for (let i = 0; i < order.length; i++) {
        const provider = order[i]!
        const permit = provider.breaker.tryAcquire()
        if (!permit) continue
        if (draw.ok) provider.breaker.recordSuccess(permit)
        else provider.breaker.recordFailure(permit)
        store.recordRpcCall(chain, {
          providerId: provider.id,
          method,
          strategy: strategyName,
          durationMs: PROVIDER_LATENCY_MS[provider.index]! + draw.jitterMs,
          ok: draw.ok,
        })
        return
      }
    },
    between(batch) {
      recordRace(store, batch % CHAINS.length, races, clock.now())
    },
  }
}

/**
 * The naive baseline: copy-and-sort the candidates by a score looked up in a Map, a plain object of
 * failure counters as the "breaker", and every call pushed to an unbounded array.
 */
function createBaselineSubject(): Subject {
  const candidates = CHAINS.map((chain) => PROVIDERS.map((id, index) => ({ id, chain, priority: index })))
  // Mean latency as the score, fixed: the naive pool has no aggregates to keep it current.
  const scores = CHAINS.map(() => new Map(PROVIDERS.map((id, index) => [id, -PROVIDER_LATENCY_MS[index]!])))
  const failures: Record<string, number>[] = CHAINS.map(() =>
    Object.fromEntries(PROVIDERS.map((id) => [id, 0])),
  )
  const log: {
    ts: number
    chain: string
    providerId: string
    method: string
    durationMs: number
    ok: boolean
  }[] = []
  return {
    name: 'baseline: sort by Map score + counter object + unbounded array',
    targeted: false,
    clockReads: () => log.length,
    serve(draw) {
      const chain = CHAINS[draw.chain]!
      const score = scores[draw.chain]!
      const counters = failures[draw.chain]!
      const order = [...candidates[draw.chain]!].sort((a, b) => score.get(b.id)! - score.get(a.id)!)
      for (const provider of order) {
        if (counters[provider.id]! >= 5) continue
        counters[provider.id] = draw.ok ? 0 : counters[provider.id]! + 1
        log.push({
          ts: performance.now(),
          chain,
          providerId: provider.id,
          method: draw.method,
          durationMs: PROVIDER_LATENCY_MS[provider.priority]! + draw.jitterMs,
          ok: draw.ok,
        })
        return
      }
    },
    between() {},
  }
}

/** Median ns of one performance.now() call. */
function nsPerClockRead(): number {
  const rounds: number[] = []
  let sink = 0
  for (let round = 0; round < 5; round++) {
    const start = performance.now()
    for (let i = 0; i < 1_000_000; i++) sink += performance.now()
    rounds.push(((performance.now() - start) * 1e6) / 1_000_000 + (sink > 0 ? 0 : 1))
  }
  return rounds.sort((a, b) => a - b)[2]!
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!
}

/**
 * The pool's per-request overhead: routing, breaker and metrics, for each built-in strategy, against a
 * naive baseline, interleaved in rounds so drift and GC hit every subject alike.
 */
export const requestPathSuite: BenchSuite = {
  id: 'request-path',
  title: 'Request path: routing + breaker + metrics per request',
  async run() {
    // Garbage left by earlier suites would otherwise be collected inside some subject's timed batches.
    const collectGarbage = (globalThis as { gc?: () => void }).gc
    collectGarbage?.()
    const registry = createStrategyRegistry()
    const subjects: Subject[] = [
      ...builtInStrategyNames.map((name) =>
        createChainPulseSubject(`ChainPulse ${name}`, registry.get(name)),
      ),
      createChainPulseSubject('ChainPulse breaker + store only (no strategy)', undefined),
      createBaselineSubject(),
    ]
    const draws = drawRequests()
    let cursor = 0
    for (const subject of subjects) {
      for (let i = 0; i < JIT_WARMUP_REQUESTS; i++) subject.serve(draws[i & (DRAWS - 1)]!)
    }

    // Per subject: the mean ns per request of each timed batch, and the median of each round.
    const batches = subjects.map(() => [] as number[])
    const roundMedians = subjects.map(() => [] as number[])
    const reads = subjects.map(() => 0)
    for (let round = 0; round < ROUNDS; round++) {
      subjects.forEach((subject, s) => {
        const times = batches[s]!
        for (let b = 0; b < BATCHES_PER_ROUND; b++) {
          subject.between(b)
          const readsBefore = subject.clockReads()
          const start = performance.now()
          for (let i = 0; i < BATCH; i++) subject.serve(draws[cursor++ & (DRAWS - 1)]!)
          times.push(((performance.now() - start) * 1e6) / BATCH)
          reads[s]! += subject.clockReads() - readsBefore
        }
        roundMedians[s]!.push(
          percentile(
            times.slice(-BATCHES_PER_ROUND).sort((a, b) => a - b),
            0.5,
          ),
        )
      })
    }
    const timedRequests = ROUNDS * BATCHES_PER_ROUND * BATCH
    const clockReadNs = nsPerClockRead()

    const figures = batches.map((times) => {
      const sorted = times.slice().sort((a, b) => a - b)
      return { median: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) }
    })
    const baseline = figures[figures.length - 1]!.median
    const targeted = subjects.flatMap((subject, s) => (subject.targeted ? [figures[s]!.median] : []))
    const worst = Math.max(...targeted)
    return {
      rows: subjects.map((subject, s) => {
        const { median, p99 } = figures[s]!
        return {
          subject: subject.name,
          figures: {
            'median ns/request': formatNumber(median),
            'round medians': `${formatNumber(Math.min(...roundMedians[s]!))}–${formatNumber(Math.max(...roundMedians[s]!))}`,
            [`p99 ns/request (batches of ${BATCH})`]: formatNumber(p99),
            'requests/s at median': formatNumber(1e9 / median),
            'vs baseline': `${formatNumber(median / baseline, 2)}×`,
            'clock reads/request': formatNumber(reads[s]! / timedRequests, 1),
          },
        }
      }),
      target: `median < ${formatNumber(TARGET_NS)} ns per request for every built-in strategy (slowest: ${formatNumber(worst)} ns)`,
      met: worst < TARGET_NS,
      notes: [
        `Per request, as the pool does it: build the routing context (with clock.now()), strategy.select() over the chain's ${PROVIDERS.length} candidates, tryAcquire() on each breaker in that order until one grants a permit, recordSuccess() (recordFailure() for the 1 % failed answers), and store.recordRpcCall(). The upstream call is not made: its latency and outcome are pre-drawn. Requests rotate over ${CHAINS.length} chains and ${METHODS.length} methods.`,
        `Each subject has its own createBenchmarkStore() (defaults), warmed with ${WARM_SPAN_MS / 60_000} simulated minutes of traffic (100 races/s per chain: 1 win + 3 losses; 50 RPC calls/s per chain over every provider × method × strategy), then following real time; and its own circuit breakers (defaults: 5 consecutive failures). Costs per provider differ by method, so cheapest and fastest disagree.`,
        `Between timed batches (untimed) one race is recorded on one chain, so each chain's leaderboard changes about every ${BATCH * CHAINS.length} requests and leaderboard and hybrid pay its recomputation on the request path, as they would with ~100 races/s per chain at ~20,000 requests/s.`,
        `${formatNumber(timedRequests)} timed requests per subject in ${ROUNDS} rounds of ${formatNumber(BATCHES_PER_ROUND)} batches of ${BATCH}, subjects interleaved round by round, after ${formatNumber(JIT_WARMUP_REQUESTS)} warm-up requests each. Median and p99 are over batch means, so the p99 shows slow stretches (GC, leaderboard recomputation, other processes), not single slow requests; round medians give the spread between the 5 rounds.`,
        `A clock read (performance.now(), which systemClock uses) costs ${formatNumber(clockReadNs)} ns on this machine: the store's recent() reads the clock on every call (once per candidate for fastest, cheapest and hybrid), recordRpcCall() once, and the breaker's recordSuccess() once even with a trip rule that ignores time.`,
        'The baseline keeps no aggregates, no decay and no bounds: its score is fixed and its log grows without limit. It is the floor of doing the same steps naively, not a competitor.',
      ],
    }
  },
}
