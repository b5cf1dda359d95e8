import { DuplicateStrategyError, UnknownStrategyError } from '../errors/errors.js'
import { parseOptions } from '../validation/parse-options.js'
import * as v from '../validation/schema.js'
import { functionSchema } from '../validation/schemas.js'
import { createCheapestStrategy } from './cheapest.js'
import { createFastestStrategy } from './fastest.js'
import { createHybridStrategy } from './hybrid.js'
import { createLeaderboardStrategy } from './leaderboard.js'
import { strategyNameSchema } from './options.js'
import { createPriorityStrategy } from './priority.js'
import { createRoundRobinStrategy } from './round-robin.js'
import type { RoutingStrategy } from './types.js'

/** Names of the strategies every registry starts with, in registration order. */
export const builtInStrategyNames = [
  'leaderboard',
  'priority',
  'round-robin',
  'fastest',
  'cheapest',
  'hybrid',
] as const

/** Name of a built-in strategy. */
export type BuiltInStrategyName = (typeof builtInStrategyNames)[number]

/** The strategy a pool uses when a request names none. */
export const defaultStrategyName: BuiltInStrategyName = 'leaderboard'

/** Options of {@link StrategyRegistry.register}. */
export interface RegisterStrategyOptions {
  /** Replace a strategy already registered under the same name (e.g. a built-in with other options). @default false */
  replace?: boolean
}

/** Routing strategies by name. */
export interface StrategyRegistry {
  /**
   * Adds `strategy` under `strategy.name`.
   *
   * @throws {DuplicateStrategyError} when the name is taken and `replace` is not set.
   * @throws {ConfigError} when the name is not one URL path segment or `select` is not a function.
   */
  register(strategy: RoutingStrategy, options?: RegisterStrategyOptions): void
  /**
   * The strategy registered under `name`.
   *
   * @throws {UnknownStrategyError} listing the registered names.
   */
  get(name: string): RoutingStrategy
  has(name: string): boolean
  /** Registered names: built-ins first, then others in registration order. */
  names(): string[]
}

const strategySchema = v.looseObject({
  name: strategyNameSchema,
  select: functionSchema<RoutingStrategy['select']>(),
})

/**
 * Creates a registry holding one instance of each built-in strategy with default options.
 * Stateful strategies (`round-robin`) keep their state in that instance, shared by all its users.
 *
 * @example
 * const registry = createStrategyRegistry()
 * registry.register(createFastestStrategy({ minSamples: 20 }), { replace: true })
 * registry.register(myStrategy)
 * const strategy = registry.get('fastest')
 */
export function createStrategyRegistry(): StrategyRegistry {
  const strategies = new Map<string, RoutingStrategy>()
  for (const strategy of [
    createLeaderboardStrategy(),
    createPriorityStrategy(),
    createRoundRobinStrategy(),
    createFastestStrategy(),
    createCheapestStrategy(),
    createHybridStrategy(),
  ]) {
    strategies.set(strategy.name, strategy)
  }
  return {
    register(strategy, options = {}) {
      parseOptions(strategySchema, strategy, 'routing strategy')
      if (strategies.has(strategy.name) && options.replace !== true)
        throw new DuplicateStrategyError(strategy.name)
      strategies.set(strategy.name, strategy)
    },
    get(name) {
      const strategy = strategies.get(name)
      if (strategy === undefined) throw new UnknownStrategyError(name, [...strategies.keys()])
      return strategy
    },
    has(name) {
      return strategies.has(name)
    },
    names() {
      return [...strategies.keys()]
    },
  }
}
