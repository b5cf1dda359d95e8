import { z } from 'zod'

const timestamps = z.array(z.number())
const indices = z.array(z.number().int().min(0))
const flags = z.array(z.union([z.literal(0), z.literal(1)]))
const durations = z.array(z.number().min(0))

const histogram = z.object({
  count: z.number().int().min(0),
  sum: z.number().min(0),
  min: z.number().min(0),
  max: z.number().min(0),
  zero: z.number().int().min(0),
  offset: z.number().int(),
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
      provider: z.number().int().min(0),
      eventType: z.number().int().min(0),
      wins: z.number().int().min(0),
      margins: histogram,
    }),
  ),
  rpcSeries: z.array(
    z.object({
      provider: z.number().int().min(0),
      method: z.number().int().min(0),
      strategy: z.number().int().min(0),
      errors: z.number().int().min(0),
      latency: histogram,
    }),
  ),
  recent: z.array(
    z.object({
      provider: z.number().int().min(0),
      method: z.number().int().min(-1),
      lastAt: z.number(),
      calls: z.number().min(0),
      errors: z.number().min(0),
      latencySum: z.number().min(0),
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
