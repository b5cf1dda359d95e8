import { BenchmarkSnapshotError } from '../errors/errors.js'
import { validate } from '../validation/parse-options.js'
import * as v from '../validation/schema.js'
import { histogramIssue, historyMapping } from './log-histogram.js'
import { recentMapping } from './recent-stats.js'
import type { ChainSnapshot } from './types.js'
import { markValid, type ValidBenchmarkSnapshot } from './valid-snapshots.js'

const nonnegativeInt = v.number().check(v.int(), v.gte(0))
const nonnegative = v.number().check(v.gte(0))
const timestamps = v.array(v.number())
const indices = v.array(nonnegativeInt)
const flags = v.array(v.union([v.literal(0), v.literal(1)]))
const durations = v.array(nonnegative)

const histogram = v.object({
  count: nonnegativeInt,
  sum: nonnegative,
  min: nonnegative,
  max: nonnegative,
  zero: nonnegativeInt,
  offset: v.number().check(v.int()),
  counts: v.array(v.number()),
})

const chainShape = v.object({
  chain: v.string(),
  providers: v.array(v.string()),
  eventTypes: v.array(v.string()),
  methods: v.array(v.string()),
  strategies: v.array(v.string()),
  races: v.object({ ts: timestamps, provider: indices, eventType: indices, win: flags, marginMs: durations }),
  rpcCalls: v.object({
    ts: timestamps,
    provider: indices,
    method: indices,
    strategy: indices,
    durationMs: durations,
    ok: flags,
  }),
  raceAggregates: v.array(
    v.object({
      provider: nonnegativeInt,
      eventType: nonnegativeInt,
      wins: nonnegativeInt,
      margins: histogram,
    }),
  ),
  rpcSeries: v.array(
    v.object({
      provider: nonnegativeInt,
      method: nonnegativeInt,
      strategy: nonnegativeInt,
      errors: nonnegativeInt,
      latency: histogram,
    }),
  ),
  recent: v.array(
    v.object({
      provider: nonnegativeInt,
      method: v.number().check(v.int(), v.gte(-1)),
      lastAt: v.number(),
      calls: nonnegative,
      errors: nonnegative,
      latencySum: nonnegative,
      windowStart: v.number(),
      current: histogram,
      previous: histogram,
      // Any length: a restore keeps the newest it uses.
      lastCalls: v.optional(v.array(nonnegative)),
    }),
  ),
})

/**
 * What a chain's fields must agree on: a table's columns are as long as each other, every name index
 * points into its name list, sketches add up, a series has no more errors than calls, and each provider
 * with recent figures per method has its all-methods row. Limits that depend on the restoring store's
 * options (how many names it keeps) are checked when the chain is rebuilt.
 */
function checkConsistency(chain: ChainSnapshot, context: v.RefinementContext): void {
  const problem = (path: PropertyKey[], message: string) =>
    context.addIssue({ code: 'custom', message, path })
  const sizes = {
    provider: chain.providers.length,
    eventType: chain.eventTypes.length,
    method: chain.methods.length,
    strategy: chain.strategies.length,
  }
  const sameLength = (table: 'races' | 'rpcCalls') => {
    const lengths = new Set(Object.values(chain[table]).map((column: number[]) => column.length))
    if (lengths.size > 1) problem([table], 'columns have different lengths')
  }
  const inRange = (table: 'races' | 'rpcCalls', column: keyof typeof sizes) => {
    const values = (chain[table] as Record<string, number[]>)[column]!
    const bad = values.findIndex((index) => index >= sizes[column])
    if (bad !== -1) problem([table, column, bad], `index ${values[bad]} is out of range`)
  }
  const sketch = (
    path: PropertyKey[],
    histogram: ChainSnapshot['rpcSeries'][number]['latency'],
    mapping = historyMapping,
  ) => {
    const issue = histogramIssue(histogram, mapping)
    if (issue !== undefined) problem(path, issue)
  }
  sameLength('races')
  inRange('races', 'provider')
  inRange('races', 'eventType')
  sameLength('rpcCalls')
  inRange('rpcCalls', 'provider')
  inRange('rpcCalls', 'method')
  inRange('rpcCalls', 'strategy')
  chain.raceAggregates.forEach((aggregate, index) => {
    if (aggregate.provider >= sizes.provider || aggregate.eventType >= sizes.eventType)
      problem(['raceAggregates', index], 'index out of range')
    sketch(['raceAggregates', index, 'margins'], aggregate.margins)
  })
  chain.rpcSeries.forEach((series, index) => {
    if (
      series.provider >= sizes.provider ||
      series.method >= sizes.method ||
      series.strategy >= sizes.strategy
    )
      problem(['rpcSeries', index], 'index out of range')
    sketch(['rpcSeries', index, 'latency'], series.latency)
    if (series.errors > series.latency.count) problem(['rpcSeries', index], 'more errors than calls')
  })
  const withAllMethods = new Set(chain.recent.filter((r) => r.method === -1).map((r) => r.provider))
  chain.recent.forEach((recent, index) => {
    if (recent.provider >= sizes.provider || recent.method >= sizes.method)
      problem(['recent', index], 'index out of range')
    if (!withAllMethods.has(recent.provider))
      problem(['recent', index], 'provider has no all-methods (method -1) state')
    for (const window of ['current', 'previous'] as const)
      sketch(['recent', index, window], recent[window], recentMapping)
  })
}

const chain = chainShape.check(v.superRefine(checkConsistency))

/** Schema of a {@link BenchmarkStoreSnapshot}, behind {@link parseBenchmarkSnapshot}. */
const snapshotSchema = v.object({
  version: v.literal(1),
  savedAt: v.number(),
  chains: v.array(chain),
})

/**
 * Checks a snapshot read back from outside (a file, another process) and returns it ready for
 * `store.restore()`: the shapes, finite numbers and integer indices, and what each chain's fields must
 * agree on (equal column lengths, indices in range, sketches adding up). A store that never restores
 * never loads these checks, which is why they are not part of `restore` itself.
 *
 * @throws {BenchmarkSnapshotError} naming every problem by its path (e.g. `chains.0.races.ts`).
 * @example
 * store.restore(parseBenchmarkSnapshot(JSON.parse(await readFile(path, 'utf8'))))
 */
export function parseBenchmarkSnapshot(value: unknown): ValidBenchmarkSnapshot {
  const result = validate(snapshotSchema, value)
  if (!result.success) throw new BenchmarkSnapshotError(result.issues)
  return markValid(result.data)
}
