import * as z from 'zod/mini'

const nonnegativeInt = z.number().check(z.int(), z.gte(0))
const nonnegative = z.number().check(z.gte(0))
const timestamps = z.array(z.number())
const indices = z.array(nonnegativeInt)
const flags = z.array(z.union([z.literal(0), z.literal(1)]))
const durations = z.array(nonnegative)

const histogram = z.object({
  count: nonnegativeInt,
  sum: nonnegative,
  min: nonnegative,
  max: nonnegative,
  zero: nonnegativeInt,
  offset: z.number().check(z.int()),
  counts: z.array(z.number()),
})

const chain = z.object({
  chain: z.string(),
  providers: z.array(z.string()),
  eventTypes: z.array(z.string()),
  methods: z.array(z.string()),
  strategies: z.array(z.string()),
  races: z.object({ ts: timestamps, provider: indices, eventType: indices, win: flags, marginMs: durations }),
  rpcCalls: z.object({
    ts: timestamps,
    provider: indices,
    method: indices,
    strategy: indices,
    durationMs: durations,
    ok: flags,
  }),
  raceAggregates: z.array(
    z.object({
      provider: nonnegativeInt,
      eventType: nonnegativeInt,
      wins: nonnegativeInt,
      margins: histogram,
    }),
  ),
  rpcSeries: z.array(
    z.object({
      provider: nonnegativeInt,
      method: nonnegativeInt,
      strategy: nonnegativeInt,
      errors: nonnegativeInt,
      latency: histogram,
    }),
  ),
  recent: z.array(
    z.object({
      provider: nonnegativeInt,
      method: z.number().check(z.int(), z.gte(-1)),
      lastAt: z.number(),
      calls: nonnegative,
      errors: nonnegative,
      latencySum: nonnegative,
      windowStart: z.number(),
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
export const snapshotSchema = z.object({
  version: z.literal(1),
  savedAt: z.number(),
  chains: z.array(chain),
})
