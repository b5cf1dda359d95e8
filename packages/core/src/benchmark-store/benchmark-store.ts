import { systemClock } from '../clock/clock.js'
import { BenchmarkSnapshotError, type ConfigIssue } from '../errors/errors.js'
import { parseOptions } from '../validation/parse-options.js'
import * as v from '../validation/schema.js'
import { clockSchema, functionSchema } from '../validation/schemas.js'
import { BoundedNames } from './bounded-names.js'
import { type ChainConfig, ChainState } from './chain-state.js'
import { emptyMarginBuckets } from './race-ledger.js'
import { defaultScore } from './score.js'
import type { BenchmarkStore, BenchmarkStoreOptions, MarginStats, RaceStats, ScoreFunction } from './types.js'
import { isMarkedValid, markValid } from './valid-snapshots.js'

/** Name limits are at most 1000 so name indices fit the store's 16-bit columns and 10-bit keys. */
const limit = (fallback: number) => v._default(v.number().check(v.int(), v.gte(1), v.lte(1000)), fallback)

const optionsSchema = v.strictObject({
  maxEntriesPerChain: v._default(v.number().check(v.int(), v.gte(10), v.lte(10_000_000)), 10_000),
  score: v.optional(functionSchema<ScoreFunction>()),
  clock: v.optional(clockSchema),
  maxChains: limit(32),
  maxProvidersPerChain: limit(64),
  maxMethodsPerChain: limit(64),
  maxStrategiesPerChain: limit(16),
  maxEventTypesPerChain: limit(16),
  recentHalfLifeMs: v._default(v.number().check(v.positive()), 30_000),
  recentWindowMs: v._default(v.number().check(v.positive()), 30_000),
})

/** `recent()` forgets a provider after this many half-lives without calls (weight below 0.1 %). */
const RECENT_HORIZON_HALF_LIVES = 10

const EMPTY_MARGINS: Omit<MarginStats, 'buckets'> = {
  count: 0,
  sumMs: 0,
  meanMs: 0,
  minMs: 0,
  maxMs: 0,
  p50Ms: 0,
  p95Ms: 0,
  p99Ms: 0,
}

/**
 * Creates a store of race results and RPC call metrics, per chain. Each chain keeps two bounded
 * entry tables (races, RPC calls; the oldest 10 % are dropped when one is full) and all-history
 * aggregates that are never dropped: wins, loss margins and latency sketches per provider × method ×
 * strategy. Memory is bounded by the options alone; names past a `max*` limit are recorded as `'other'`.
 *
 * @throws {ConfigError} when an option is invalid.
 * @example
 * const store = createBenchmarkStore({ maxEntriesPerChain: 5_000 })
 * store.recordRaceWin('ethereum', 'alchemy', 'newHeads', 1_000)
 * store.recordRaceLoss('ethereum', 'infura', 'newHeads', 1_012, 12)
 * store.leaderboard('ethereum')[0]?.providerId // 'alchemy'
 */
export function createBenchmarkStore(options: BenchmarkStoreOptions = {}): BenchmarkStore {
  const parsed = parseOptions(optionsSchema, options, 'benchmark store options')
  const clock = parsed.clock ?? systemClock
  const score = parsed.score ?? defaultScore
  const maxChains = parsed.maxChains
  const config: ChainConfig = {
    maxEntries: parsed.maxEntriesPerChain,
    maxProviders: parsed.maxProvidersPerChain,
    maxMethods: parsed.maxMethodsPerChain,
    maxStrategies: parsed.maxStrategiesPerChain,
    maxEventTypes: parsed.maxEventTypesPerChain,
    recent: {
      decayRate: Math.LN2 / parsed.recentHalfLifeMs,
      windowMs: parsed.recentWindowMs,
      horizonMs: parsed.recentHalfLifeMs * RECENT_HORIZON_HALF_LIVES,
    },
  }

  let chainNames = new BoundedNames(maxChains)
  /** Indexed like `chainNames.list`. */
  let states: ChainState[] = []

  function stateFor(chain: string): ChainState {
    const index = chainNames.intern(chain)
    let state = states[index]
    if (state === undefined) {
      state = new ChainState(chainNames.list[index]!, config)
      states[index] = state
    }
    return state
  }

  function existing(chain: string): ChainState | undefined {
    const index = chainNames.lookup(chain)
    return index === -1 ? undefined : states[index]
  }

  return {
    recordRaceWin(chain, providerId, eventType, receivedAt) {
      const at = Number.isFinite(receivedAt) ? receivedAt : clock.now()
      stateFor(chain).races.record(providerId, eventType, at, true, 0)
    },
    recordRaceLoss(chain, providerId, eventType, receivedAt, marginMs) {
      const at = Number.isFinite(receivedAt) ? receivedAt : clock.now()
      stateFor(chain).races.record(providerId, eventType, at, false, marginMs)
    },
    recordRpcCall(chain, call) {
      stateFor(chain).calls.record(
        clock.now(),
        call.providerId,
        call.method,
        call.strategy,
        call.durationMs,
        call.ok,
      )
    },
    leaderboard: (chain) => existing(chain)?.races.leaderboard(score) ?? [],
    raceStats(chain, providerId, eventType): RaceStats {
      const state = existing(chain)
      if (state !== undefined) return state.races.stats(providerId, eventType)
      return { providerId, wins: 0, losses: 0, totalRaces: 0, winRate: 0, avgMarginMs: 0 }
    },
    raceStatsByEventType: (chain) => existing(chain)?.races.statsByEventType() ?? [],
    marginStats(chain, providerId, eventType) {
      const state = existing(chain)
      if (state !== undefined) return state.races.marginStats(providerId, eventType)
      return { ...EMPTY_MARGINS, buckets: emptyMarginBuckets() }
    },
    rpcStats: (chain, groupBy) => existing(chain)?.calls.stats(groupBy) ?? [],
    recent: (chain, providerId, method, now) =>
      existing(chain)?.calls.recent(now ?? clock.now(), providerId, method),
    raceEntries: (chain) => existing(chain)?.races.entries() ?? [],
    rpcEntries: (chain) => existing(chain)?.calls.entries() ?? [],
    chains: () => [...chainNames.list],
    snapshot(options) {
      const maxEntries = options?.maxEntries
      const chains = states.map((state) => state.toJSON(maxEntries))
      return markValid({ version: 1, savedAt: clock.now(), chains })
    },
    restore(valid) {
      if (!isMarkedValid(valid))
        throw new BenchmarkSnapshotError([
          { path: '', message: 'not a checked snapshot: pass it through parseBenchmarkSnapshot() first' },
        ])
      // Ages are what survive a restart: a monotonic clock (performance.now()) restarts near 0.
      const shift = clock.now() - valid.savedAt
      const issues: ConfigIssue[] = []
      const nextNames = new BoundedNames(maxChains)
      const nextStates: ChainState[] = []
      valid.chains.forEach((chain, index) => {
        if (nextNames.intern(chain.chain) !== index || nextNames.list[index] !== chain.chain) {
          issues.push({
            path: `chains.${index}.chain`,
            message: `"${chain.chain.slice(0, 40)}" is a duplicate, too long, or past maxChains (${maxChains})`,
          })
          return
        }
        nextStates.push(ChainState.fromJSON(chain, config, shift, `chains.${index}`, issues))
      })
      // Validate everything before touching the live state, so a bad snapshot changes nothing.
      if (issues.length > 0) throw new BenchmarkSnapshotError(issues)
      chainNames = nextNames
      states = nextStates
    },
  }
}
