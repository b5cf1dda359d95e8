import { parseOptions } from '../validation/parse-options.js'
import * as v from '../validation/schema.js'
import { raceScore } from './figures.js'
import { strategyNameSchema } from './options.js'
import { sortKeyStrategy } from './order.js'
import type { RoutingStrategy } from './types.js'

/** Options of {@link createLeaderboardStrategy}. */
export interface LeaderboardStrategyOptions {
  /** Registry name. @default 'leaderboard' */
  name?: string
}

const schema = v.strictObject({ name: v._default(strategyNameSchema, 'leaderboard') })

/**
 * The default strategy: providers that win the event races go first. Orders by the race score of
 * `store.leaderboard(chain)` (highest first); providers without race data follow those with data;
 * ties go to the lower priority, then the id.
 *
 * @throws {ConfigError} when an option is invalid.
 * @example
 * const strategy = createLeaderboardStrategy()
 * const order = strategy.select(candidates, { chain: 'ethereum', method: 'eth_call', store, now: clock.now() })
 */
export function createLeaderboardStrategy(options: LeaderboardStrategyOptions = {}): RoutingStrategy {
  const { name } = parseOptions(schema, options, 'leaderboard strategy options')
  return sortKeyStrategy(name, (candidates, context, keys) => {
    const n = candidates.length
    const rows = context.store.leaderboard(context.chain)
    for (let i = 0; i < n; i++) {
      const score = raceScore(rows, candidates[i]!.id)
      const known = !Number.isNaN(score)
      keys.group[i] = known ? 0 : 1
      keys.key[i] = known ? -score : 0
    }
  })
}
