import { parseOptions } from '../validation/parse-options.js'
import * as v from '../validation/schema.js'
import { strategyNameSchema } from './options.js'
import { orderByPriority } from './order.js'
import type { RoutingStrategy } from './types.js'

/** Options of {@link createPriorityStrategy}. */
export interface PriorityStrategyOptions {
  /** Registry name. @default 'priority' */
  name?: string
}

const schema = v.strictObject({ name: v._default(strategyNameSchema, 'priority') })

/**
 * Static failover order: lowest `priority` first, ties by id. Ignores metrics entirely, which makes
 * it the predictable choice for a primary provider with paid backups.
 *
 * @throws {ConfigError} when an option is invalid.
 * @example
 * const strategy = createPriorityStrategy()
 */
export function createPriorityStrategy(options: PriorityStrategyOptions = {}): RoutingStrategy {
  const { name } = parseOptions(schema, options, 'priority strategy options')
  return { name, select: orderByPriority }
}
