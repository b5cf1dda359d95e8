import * as v from '../validation/schema.js'

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

const chain = v.object({
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
    }),
  ),
})

/**
 * Structural schema of a {@link BenchmarkStoreSnapshot}: shapes, finite numbers, integer indices.
 * Cross-field checks (equal column lengths, indices in range, sketches adding up) are done while
 * rebuilding each chain. Internal; runs on restore only, never on a hot path.
 */
export const snapshotSchema = v.object({
  version: v.literal(1),
  savedAt: v.number(),
  chains: v.array(chain),
})
