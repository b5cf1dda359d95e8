import { parseOptions } from '../validation/parse-options.js'
import * as v from '../validation/schema.js'
import { strategyNameSchema } from './options.js'
import { comesAfterByPriority, orderByPriority } from './order.js'
import type { ProviderCandidate, RoutingStrategy } from './types.js'

type RankedProvider = Pick<ProviderCandidate, 'id' | 'priority'>

/** Options of {@link createRoundRobinStrategy}. */
export interface RoundRobinStrategyOptions {
  /** Registry name. @default 'round-robin' */
  name?: string
}

const schema = v.strictObject({ name: v._default(strategyNameSchema, 'round-robin') })

/**
 * Spreads calls evenly: each call on a chain starts with the provider that follows, in priority order
 * (then id), the one the previous call on that chain started with, wrapping around; the others follow
 * in priority order as failover. The rotation is per chain, not per method, because rate limits and
 * quotas are per provider. It remembers the last starter rather than counting calls, so when a
 * provider drops out (breaker open) or comes back the rotation continues without repeats or skips.
 *
 * Stateful: one instance keeps one rotation per chain, deterministic for the same sequence of calls.
 *
 * @throws {ConfigError} when an option is invalid.
 * @example
 * const strategy = createRoundRobinStrategy()
 */
export function createRoundRobinStrategy(options: RoundRobinStrategyOptions = {}): RoutingStrategy {
  const { name } = parseOptions(schema, options, 'round-robin strategy options')
  /** Priority and id of the provider each chain's previous call started with (updated in place). */
  const lastStarter = new Map<string, RankedProvider>()
  return {
    name,
    select(candidates, context) {
      const n = candidates.length
      if (n === 0) return []
      const ordered = orderByPriority(candidates)
      const last = lastStarter.get(context.chain)
      let start = 0
      if (last !== undefined) {
        while (start < n && !comesAfterByPriority(ordered[start]!, last)) start++
        if (start === n) start = 0
      }
      const starter = ordered[start]!
      for (let i = start; i > 0; i--) ordered[i] = ordered[i - 1]!
      ordered[0] = starter
      // A copy of the rank, not the candidate: the pool may update candidate objects between calls.
      if (last === undefined) lastStarter.set(context.chain, { id: starter.id, priority: starter.priority })
      else {
        last.id = starter.id
        last.priority = starter.priority
      }
      return ordered
    },
  }
}
