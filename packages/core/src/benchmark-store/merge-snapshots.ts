import { BenchmarkSnapshotError, type ConfigIssue } from '../errors/errors.js'
import { parseOptions } from '../validation/parse-options.js'
import * as v from '../validation/schema.js'
import { BoundedNames } from './bounded-names.js'
import { historyMapping, LogHistogram } from './log-histogram.js'
import { parseBenchmarkSnapshot } from './snapshot-schema.js'
import type { BenchmarkStoreOptions, BenchmarkStoreSnapshot, ChainSnapshot } from './types.js'
import { isMarkedValid, type ValidBenchmarkSnapshot } from './valid-snapshots.js'

/**
 * Options of {@link mergeBenchmarkSnapshots}: the limits of the store that will restore the result (so
 * the restore cannot fail on too many names), and the time to stamp it with.
 */
export interface MergeBenchmarkSnapshotsOptions
  extends Pick<
    BenchmarkStoreOptions,
    | 'maxEntriesPerChain'
    | 'maxChains'
    | 'maxProvidersPerChain'
    | 'maxMethodsPerChain'
    | 'maxStrategiesPerChain'
    | 'maxEventTypesPerChain'
  > {
  /** `savedAt` of the result; each input's timestamps are rebased onto it. @default the latest input's `savedAt` */
  savedAt?: number
}

const limit = (fallback: number) => v._default(v.number().check(v.int(), v.gte(1), v.lte(1000)), fallback)

/** The store's own limits and defaults, so a merged snapshot restores into a store with the same options. */
const optionsSchema = v.strictObject({
  maxEntriesPerChain: v._default(v.number().check(v.int(), v.gte(10), v.lte(10_000_000)), 10_000),
  maxChains: limit(32),
  maxProvidersPerChain: limit(64),
  maxMethodsPerChain: limit(64),
  maxStrategiesPerChain: limit(16),
  maxEventTypesPerChain: limit(16),
  savedAt: v.optional(v.number()),
})

type Limits = Pick<
  Required<MergeBenchmarkSnapshotsOptions>,
  'maxProvidersPerChain' | 'maxMethodsPerChain' | 'maxStrategiesPerChain' | 'maxEventTypesPerChain'
>

interface RaceRow {
  ts: number
  provider: number
  eventType: number
  win: number
  marginMs: number
}

interface CallRow {
  ts: number
  provider: number
  method: number
  strategy: number
  durationMs: number
  ok: number
}

/** One chain of the result while inputs are added to it: names re-interned, aggregates keyed by name index. */
class ChainMerge {
  readonly providers: BoundedNames
  readonly eventTypes: BoundedNames
  readonly methods: BoundedNames
  readonly strategies: BoundedNames
  readonly raceAggregates = new Map<
    number,
    { provider: number; eventType: number; wins: number; margins: LogHistogram }
  >()
  readonly rpcSeries = new Map<
    number,
    { provider: number; method: number; strategy: number; errors: number; latency: LogHistogram }
  >()
  readonly races: RaceRow[] = []
  readonly calls: CallRow[] = []

  constructor(
    readonly name: string,
    limits: Limits,
  ) {
    this.providers = new BoundedNames(limits.maxProvidersPerChain)
    this.eventTypes = new BoundedNames(limits.maxEventTypesPerChain)
    this.methods = new BoundedNames(limits.maxMethodsPerChain)
    this.strategies = new BoundedNames(limits.maxStrategiesPerChain)
  }

  /** Adds one input chain, its timestamps shifted by `shift`. */
  add(chain: ChainSnapshot, shift: number): void {
    // An input's name index → the result's; names past a limit land in 'other', as in a store.
    const provider = chain.providers.map((name) => this.providers.intern(name))
    const eventType = chain.eventTypes.map((name) => this.eventTypes.intern(name))
    const method = chain.methods.map((name) => this.methods.intern(name))
    const strategy = chain.strategies.map((name) => this.strategies.intern(name))

    for (const saved of chain.raceAggregates) {
      const p = provider[saved.provider]!
      const e = eventType[saved.eventType]!
      const key = p * 1024 + e
      let aggregate = this.raceAggregates.get(key)
      if (aggregate === undefined) {
        aggregate = { provider: p, eventType: e, wins: 0, margins: new LogHistogram(historyMapping) }
        this.raceAggregates.set(key, aggregate)
      }
      aggregate.wins += saved.wins
      aggregate.margins.merge(LogHistogram.fromJSON(historyMapping, saved.margins))
    }
    for (const saved of chain.rpcSeries) {
      const p = provider[saved.provider]!
      const m = method[saved.method]!
      const s = strategy[saved.strategy]!
      const key = (p * 1024 + m) * 1024 + s
      let series = this.rpcSeries.get(key)
      if (series === undefined) {
        series = { provider: p, method: m, strategy: s, errors: 0, latency: new LogHistogram(historyMapping) }
        this.rpcSeries.set(key, series)
      }
      series.errors += saved.errors
      series.latency.merge(LogHistogram.fromJSON(historyMapping, saved.latency))
    }
    const { races, rpcCalls } = chain
    for (let k = 0; k < races.ts.length; k++)
      this.races.push({
        ts: races.ts[k]! + shift,
        provider: provider[races.provider[k]!]!,
        eventType: eventType[races.eventType[k]!]!,
        win: races.win[k]!,
        marginMs: races.marginMs[k]!,
      })
    for (let k = 0; k < rpcCalls.ts.length; k++)
      this.calls.push({
        ts: rpcCalls.ts[k]! + shift,
        provider: provider[rpcCalls.provider[k]!]!,
        method: method[rpcCalls.method[k]!]!,
        strategy: strategy[rpcCalls.strategy[k]!]!,
        durationMs: rpcCalls.durationMs[k]!,
        ok: rpcCalls.ok[k]!,
      })
  }

  toJSON(maxEntries: number): ChainSnapshot {
    const races = newest(this.races, maxEntries)
    const calls = newest(this.calls, maxEntries)
    return {
      chain: this.name,
      providers: [...this.providers.list],
      eventTypes: [...this.eventTypes.list],
      methods: [...this.methods.list],
      strategies: [...this.strategies.list],
      races: {
        ts: races.map((row) => row.ts),
        provider: races.map((row) => row.provider),
        eventType: races.map((row) => row.eventType),
        win: races.map((row) => row.win),
        marginMs: races.map((row) => row.marginMs),
      },
      rpcCalls: {
        ts: calls.map((row) => row.ts),
        provider: calls.map((row) => row.provider),
        method: calls.map((row) => row.method),
        strategy: calls.map((row) => row.strategy),
        durationMs: calls.map((row) => row.durationMs),
        ok: calls.map((row) => row.ok),
      },
      raceAggregates: [...this.raceAggregates.values()].map((aggregate) => ({
        provider: aggregate.provider,
        eventType: aggregate.eventType,
        wins: aggregate.wins,
        margins: aggregate.margins.toJSON(),
      })),
      rpcSeries: [...this.rpcSeries.values()].map((series) => ({
        provider: series.provider,
        method: series.method,
        strategy: series.strategy,
        errors: series.errors,
        latency: series.latency.toJSON(),
      })),
      // Recent figures decay by the restoring store's half-life and steer this instance's routing only.
      recent: [],
    }
  }
}

/** The newest `max` rows, oldest first (a stable sort keeps each input's order among equal times). */
function newest<Row extends { ts: number }>(rows: Row[], max: number): Row[] {
  rows.sort((a, b) => a.ts - b.ts)
  return rows.length > max ? rows.slice(rows.length - max) : rows
}

/**
 * Merges the snapshots of several benchmark stores — say, one per instance of a cluster, each fed its
 * own races and calls — into one whose restore answers `leaderboard`, `raceStats`,
 * `raceStatsByEventType`, `marginStats` and `rpcStats` for all of them: wins, losses and calls are
 * summed, latency and margin sketches merged bucket by bucket (so quantiles are those of one store fed
 * every record), and the retained entries combined, newest `maxEntriesPerChain` kept. Each input's
 * timestamps are rebased so its entries keep their age. Recent (time-decayed routing) figures are not
 * carried over: `recent()` on the restored store answers `undefined`.
 *
 * Counts add, so pass each store's snapshot once: merging a snapshot with itself doubles it. Pure; the
 * inputs are not changed. Names past a limit are recorded as `'other'`, as a store does.
 *
 * @throws {ConfigError} when an option is invalid.
 * @throws {BenchmarkSnapshotError} when an input is malformed (paths start with its index: `1.chains.0...`).
 * @example
 * const merged = mergeBenchmarkSnapshots([storeA.snapshot(), storeB.snapshot()])
 * const cluster = createBenchmarkStore()
 * cluster.restore(merged)
 * cluster.leaderboard('ethereum') // wins and losses of both stores
 */
export function mergeBenchmarkSnapshots(
  snapshots: readonly BenchmarkStoreSnapshot[],
  options: MergeBenchmarkSnapshotsOptions = {},
): ValidBenchmarkSnapshot {
  const parsed = parseOptions(optionsSchema, options, 'benchmark snapshot merge options')
  const issues: ConfigIssue[] = []
  const valid: BenchmarkStoreSnapshot[] = []
  snapshots.forEach((snapshot, index) => {
    try {
      valid.push(isMarkedValid(snapshot) ? snapshot : parseBenchmarkSnapshot(snapshot))
    } catch (error) {
      for (const issue of (error as BenchmarkSnapshotError).issues)
        issues.push({ ...issue, path: `${index}.${issue.path}` })
    }
  })
  if (issues.length > 0) throw new BenchmarkSnapshotError(issues)

  const savedAt =
    parsed.savedAt ?? (valid.length === 0 ? 0 : Math.max(...valid.map((snapshot) => snapshot.savedAt)))
  const chainNames = new BoundedNames(parsed.maxChains)
  const chains: ChainMerge[] = []
  for (const snapshot of valid) {
    const shift = savedAt - snapshot.savedAt
    for (const chain of snapshot.chains) {
      const index = chainNames.intern(chain.chain)
      chains[index] ??= new ChainMerge(chainNames.list[index]!, parsed)
      chains[index].add(chain, shift)
    }
  }
  // Checked like any snapshot from outside, so a merge bug cannot reach a store unseen.
  return parseBenchmarkSnapshot({
    version: 1,
    savedAt,
    chains: chains.map((chain) => chain.toJSON(parsed.maxEntriesPerChain)),
  })
}
