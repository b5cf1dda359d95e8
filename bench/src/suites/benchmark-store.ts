import { createBenchmarkStore } from '@chainpulse/core'
import { createFakeClock, type FakeClock } from '@chainpulse/core/testing'
import { type BenchSuite, formatNumber } from '../suite.js'
import { CHAINS, METHODS, PROVIDERS, random } from '../workload.js'

const STRATEGIES = ['leaderboard', 'fastest', 'cheapest'] as const
/** One race per chain every 10 ms: 100 races/s on each chain. */
const TICK_MS = 10
/** RPC calls per tick over all chains, on average: 150 calls/s, 50 per chain. */
const RPC_CALLS_PER_TICK = 1.5
const STORE_SPAN_S = 24 * 3600
const BASELINE_SPAN_S = 3600
const TARGET_BYTES = 20 * 1024 * 1024
const SPEC_BYTES = 50 * 1024 * 1024
/** Margins and durations are multiples of 1/64 ms so their sums are exact in doubles and can be compared with ===. */
const STEP = 1 / 64

/** What the simulation fed in, to check the store's all-history aggregates against. */
interface Ingested {
  records: number
  /** [chain][provider] */
  wins: number[][]
  losses: number[][]
  marginSum: number[][]
  /** [chain] */
  calls: number[]
  errors: number[]
  durationSum: number[]
}

/** The subset of the store API the simulation drives, so the naive baseline runs the same code. */
interface Sink {
  recordRaceWin(chain: string, providerId: string, eventType: string, receivedAt: number): void
  recordRaceLoss(
    chain: string,
    providerId: string,
    eventType: string,
    receivedAt: number,
    marginMs: number,
  ): void
  recordRpcCall(
    chain: string,
    call: { providerId: string; method: string; strategy: string; durationMs: number; ok: boolean },
  ): void
  /** Per-request read a routing strategy makes; the baseline has no cheap equivalent and skips it. */
  readForRouting?(chain: string, providerId: string, method: string): void
}

/** One pre-drawn race: event type, winner offset and the three losers' margins. */
interface RaceDraw {
  eventType: string
  /** The winner is provider (chain + offset) % 4: a stable but contested leaderboard per chain. */
  winnerOffset: number
  margins: [number, number, number]
}

/** One pre-drawn RPC call. */
interface CallDraw {
  chain: number
  provider: number
  method: string
  strategy: string
  durationMs: number
  ok: boolean
}

/** Draws are made up front and cycled, so the timed loop measures the store rather than the PRNG. */
const POOL_SIZE = 1 << 16

function drawPools(): { races: RaceDraw[]; calls: CallDraw[] } {
  const next = random(7)
  const exact = (value: number) => Math.round(value / STEP) * STEP
  const races = Array.from({ length: POOL_SIZE }, (): RaceDraw => {
    const roll = next()
    return {
      eventType: next() < 0.8 ? 'newHeads' : 'logs',
      winnerOffset: roll < 0.4 ? 0 : roll < 0.7 ? 1 : roll < 0.9 ? 2 : 3,
      // Mostly a few ms behind, sometimes tens of ms.
      margins: [exact(0.2 + 40 * next() ** 3), exact(0.2 + 40 * next() ** 3), exact(0.2 + 40 * next() ** 3)],
    }
  })
  const calls = Array.from({ length: POOL_SIZE }, (): CallDraw => {
    const provider = Math.floor(next() * PROVIDERS.length)
    return {
      chain: Math.floor(next() * CHAINS.length),
      provider,
      method: METHODS[Math.floor(next() * METHODS.length)]!,
      strategy: STRATEGIES[Math.floor(next() * STRATEGIES.length)]!,
      // 8–53 ms typical depending on the provider, with a tail to ~450 ms.
      durationMs: exact(8 + 15 * provider + 400 * next() ** 6),
      ok: next() > 0.01,
    }
  })
  return { races, calls }
}

/**
 * Simulates `seconds` of traffic: every tick, one race per chain (a winner and three losers with
 * margins) and on average RPC_CALLS_PER_TICK calls over all chains, each preceded by the reads a
 * routing strategy makes (recent() of every candidate).
 */
function simulate(sink: Sink, clock: FakeClock, seconds: number): Ingested {
  const pools = drawPools()
  const shape = () => CHAINS.map(() => PROVIDERS.map(() => 0))
  const ingested: Ingested = {
    records: 0,
    wins: shape(),
    losses: shape(),
    marginSum: shape(),
    calls: CHAINS.map(() => 0),
    errors: CHAINS.map(() => 0),
    durationSum: CHAINS.map(() => 0),
  }
  const ticks = (seconds * 1000) / TICK_MS
  let rpcBudget = 0
  let raceDraw = 0
  let callDraw = 0
  for (let tick = 0; tick < ticks; tick++) {
    clock.advance(TICK_MS)
    const now = clock.now()
    rpcBudget += RPC_CALLS_PER_TICK
    for (let c = 0; c < CHAINS.length; c++) {
      const chain = CHAINS[c]!
      const draw = pools.races[raceDraw++ & (POOL_SIZE - 1)]!
      const winner = (c + draw.winnerOffset) % PROVIDERS.length
      sink.recordRaceWin(chain, PROVIDERS[winner]!, draw.eventType, now)
      ingested.wins[c]![winner]!++
      for (let k = 1; k < PROVIDERS.length; k++) {
        const p = (winner + k) % PROVIDERS.length
        const margin = draw.margins[k - 1]!
        sink.recordRaceLoss(chain, PROVIDERS[p]!, draw.eventType, now + margin, margin)
        ingested.losses[c]![p]!++
        ingested.marginSum[c]![p]! += margin
      }
      ingested.records += PROVIDERS.length
    }
    for (; rpcBudget >= 1; rpcBudget--) {
      const call = pools.calls[callDraw++ & (POOL_SIZE - 1)]!
      const chain = CHAINS[call.chain]!
      if (sink.readForRouting) {
        for (const providerId of PROVIDERS) sink.readForRouting(chain, providerId, call.method)
      }
      sink.recordRpcCall(chain, {
        providerId: PROVIDERS[call.provider]!,
        method: call.method,
        strategy: call.strategy,
        durationMs: call.durationMs,
        ok: call.ok,
      })
      ingested.calls[call.chain]!++
      if (!call.ok) ingested.errors[call.chain]!++
      ingested.durationSum[call.chain]! += call.durationMs
      ingested.records++
    }
  }
  return ingested
}

const collectGarbage = (globalThis as { gc?: () => void }).gc

/** JS heap plus ArrayBuffer backing stores (the store's tables are typed arrays, which live outside the heap). */
function heapUsed(): number {
  collectGarbage?.()
  collectGarbage?.()
  const { heapUsed, arrayBuffers } = process.memoryUsage()
  return heapUsed + arrayBuffers
}

const mb = (bytes: number) => `${formatNumber(bytes / 1024 / 1024, 1)} MB`

interface Measured {
  ingested: Ingested
  seconds: number
  retainedBytes: number
}

/** Runs the simulation against the sink `build` returns and measures run time and retained heap. */
function measure<T extends Sink>(build: (clock: FakeClock) => T, span: number): Measured & { sink: T } {
  const before = heapUsed()
  const clock = createFakeClock()
  const sink = build(clock)
  const start = performance.now()
  const ingested = simulate(sink, clock, span)
  const seconds = (performance.now() - start) / 1000
  const retainedBytes = heapUsed() - before
  return { sink, ingested, seconds, retainedBytes }
}

/** The naive store: every record appended to an unbounded array; aggregates computed by scanning. */
function createNaiveStore(): Sink & {
  setNow(value: number): void
  wins(chain: string, providerId: string): number
} {
  const races: {
    ts: number
    chain: string
    providerId: string
    eventType: string
    win: boolean
    marginMs: number
  }[] = []
  const calls: {
    ts: number
    chain: string
    providerId: string
    method: string
    strategy: string
    durationMs: number
    ok: boolean
  }[] = []
  let now = 0
  return {
    setNow(value: number) {
      now = value
    },
    recordRaceWin(chain, providerId, eventType, receivedAt) {
      races.push({ ts: receivedAt, chain, providerId, eventType, win: true, marginMs: 0 })
    },
    recordRaceLoss(chain, providerId, eventType, receivedAt, marginMs) {
      races.push({ ts: receivedAt, chain, providerId, eventType, win: false, marginMs })
    },
    recordRpcCall(chain, call) {
      calls.push({ ts: now, chain, ...call })
    },
    wins(chain, providerId) {
      let wins = 0
      for (const race of races) if (race.win && race.chain === chain && race.providerId === providerId) wins++
      return wins
    },
  }
}

/** Checks every all-history aggregate of the store against what was fed in; returns mismatches. */
function verify(store: ReturnType<typeof createBenchmarkStore>, ingested: Ingested): string[] {
  const problems: string[] = []
  CHAINS.forEach((chain, c) => {
    PROVIDERS.forEach((providerId, p) => {
      const stats = store.raceStats(chain, providerId)
      const wins = ingested.wins[c]![p]!
      const losses = ingested.losses[c]![p]!
      const avgMargin = ingested.marginSum[c]![p]! / losses
      if (stats.wins !== wins) problems.push(`${chain}/${providerId} wins ${stats.wins} ≠ ${wins}`)
      if (stats.losses !== losses) problems.push(`${chain}/${providerId} losses ${stats.losses} ≠ ${losses}`)
      if (stats.avgMarginMs !== avgMargin)
        problems.push(`${chain}/${providerId} margin ${stats.avgMarginMs} ≠ ${avgMargin}`)
    })
    const [all] = store.rpcStats(chain, [])
    const calls = ingested.calls[c]!
    if (all?.count !== calls) problems.push(`${chain} calls ${all?.count} ≠ ${calls}`)
    if (all?.errors !== ingested.errors[c])
      problems.push(`${chain} errors ${all?.errors} ≠ ${ingested.errors[c]}`)
    if (all?.meanMs !== ingested.durationSum[c]! / calls) problems.push(`${chain} mean duration differs`)
  })
  return problems
}

/** Median ns per call of `fn` over `iterations` calls, in 5 rounds. */
function nsPerCall(iterations: number, fn: (i: number) => void): number {
  const rounds: number[] = []
  for (let round = 0; round < 5; round++) {
    const start = performance.now()
    for (let i = 0; i < iterations; i++) fn(i)
    rounds.push(((performance.now() - start) * 1e6) / iterations)
  }
  return rounds.sort((a, b) => a - b)[2]!
}

/**
 * BenchmarkStore memory and throughput: 24 simulated hours of races and RPC calls on 3 chains, driven
 * by a fake clock, against a naive unbounded-array store run for one simulated hour.
 */
export const benchmarkStoreSuite: BenchSuite = {
  id: 'benchmark-store',
  title: 'BenchmarkStore: 24 simulated hours in bounded memory',
  async run() {
    if (!collectGarbage) throw new Error('run with node --expose-gc: retained heap needs global.gc()')

    const store = measure((clock) => {
      const created = createBenchmarkStore({ clock })
      return {
        store: created,
        recordRaceWin: created.recordRaceWin,
        recordRaceLoss: created.recordRaceLoss,
        recordRpcCall: created.recordRpcCall,
        readForRouting: (chain: string, providerId: string, method: string) => {
          created.recent(chain, providerId, method)
        },
      }
    }, STORE_SPAN_S)
    const problems = verify(store.sink.store, store.ingested)
    const exact = problems.length === 0
    const routingReads = store.ingested.calls.reduce((a, b) => a + b, 0) * PROVIDERS.length

    const recentNs = nsPerCall(1_000_000, (i) => {
      store.sink.store.recent(CHAINS[i % 3]!, PROVIDERS[i & 3]!, METHODS[i % 5]!)
    })
    const leaderboardNs = nsPerCall(200_000, (i) => {
      store.sink.store.leaderboard(CHAINS[i % 3]!)
    })
    const retained = store.retainedBytes
    store.sink.store.recordRaceWin('ethereum', 'alchemy', 'newHeads', 0)
    const leaderboardDirtyNs = nsPerCall(100_000, (i) => {
      store.sink.store.recordRaceWin('ethereum', 'alchemy', 'newHeads', i)
      store.sink.store.leaderboard('ethereum')
    })
    const snapshotStart = performance.now()
    const snapshotBytes = JSON.stringify(store.sink.store.snapshot()).length
    const snapshotMs = performance.now() - snapshotStart

    // Release the store before measuring the baseline, so its heap does not count against it.
    const storeFigures = { ...store, sink: undefined }
    store.sink = undefined as never

    let baselineClock: FakeClock | undefined
    const baseline = measure((clock) => {
      baselineClock = clock
      const naive = createNaiveStore()
      return {
        naive,
        recordRaceWin: naive.recordRaceWin,
        recordRaceLoss: naive.recordRaceLoss,
        recordRpcCall: (chain: string, call: Parameters<Sink['recordRpcCall']>[1]) => {
          naive.setNow(baselineClock!.now())
          naive.recordRpcCall(chain, call)
        },
      }
    }, BASELINE_SPAN_S)
    const scanStart = performance.now()
    const baselineWins = baseline.sink.naive.wins('ethereum', 'alchemy')
    const scanMs = performance.now() - scanStart
    const baselineExact = baselineWins === baseline.ingested.wins[0]![0]!
    const extrapolated = baseline.retainedBytes * (STORE_SPAN_S / BASELINE_SPAN_S)

    const row = (subject: string, measured: Measured, span: string, retained24h: string, check: string) => ({
      subject,
      figures: {
        'simulated span': span,
        records: formatNumber(measured.ingested.records),
        'run time': `${formatNumber(measured.seconds, 1)} s`,
        'records/s': formatNumber(measured.ingested.records / measured.seconds),
        'retained heap': mb(measured.retainedBytes),
        'retained heap at 24 h': retained24h,
        'aggregates exact': check,
      },
    })
    return {
      rows: [
        row(
          'ChainPulse BenchmarkStore (defaults)',
          storeFigures,
          '24 h',
          `${mb(retained)} (measured)`,
          exact ? 'yes' : `no (${problems.length})`,
        ),
        row(
          'baseline: unbounded arrays of records',
          baseline,
          '1 h',
          `≈ ${formatNumber(extrapolated / 1024 ** 3, 1)} GB (extrapolated ×24)`,
          baselineExact ? 'yes (by full scan)' : 'no',
        ),
      ],
      target: `< ${mb(TARGET_BYTES)} retained after 24 simulated hours (spec allows ${mb(SPEC_BYTES)}), aggregates exact`,
      met: retained < TARGET_BYTES && exact,
      notes: [
        `Workload per simulated second: ${CHAINS.length} chains × 100 races (1 win + 3 losses, 80 % newHeads, 20 % logs) and 50 RPC calls per chain (${METHODS.length} methods × ${STRATEGIES.length} strategies × ${PROVIDERS.length} providers, 1 % errors); the fake clock advances 10 ms per tick, nothing waits.`,
        `The store also serves the routing reads it would in production: recent(chain, provider, method) for each of the 4 candidates before every RPC call (${formatNumber(routingReads)} reads in the 24 h run, included in its run time). The baseline only appends.`,
        `Aggregates checked after the run: wins, losses and average margin of each chain × provider, and RPC count, errors and mean duration per chain, all compared with === against what was fed in (margins and durations are multiples of 1/64 ms, so their sums are exact): ${exact ? 'all equal' : problems.slice(0, 3).join('; ')}.`,
        `Retained heap = (heapUsed + arrayBuffers) after gc() with the store alive, minus the same before it was created; arrayBuffers counts the typed arrays holding the store's tables, which heapUsed alone misses. Default limits: 10,000 entries per table per chain (the oldest 10 % dropped when full).`,
        `Read costs on the 24 h store: recent() ${formatNumber(recentNs, 0)} ns/call; leaderboard() ${formatNumber(leaderboardNs, 0)} ns/call when cached, ${formatNumber(leaderboardDirtyNs, 0)} ns per record + leaderboard() when every call follows a new race. snapshot() + JSON.stringify: ${formatNumber(snapshotBytes / 1024, 0)} KB in ${formatNumber(snapshotMs, 0)} ms.`,
        `Baseline: a plain object per record pushed to two arrays; its 24 h figure is the 1 h measurement × 24 (extrapolated, not measured). Answering one provider's win count needs a full scan: ${formatNumber(scanMs, 0)} ms after 1 h.`,
      ],
    }
  },
}
