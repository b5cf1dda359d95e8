export { type CheapestSlo, type CheapestStrategyOptions, createCheapestStrategy } from './cheapest.js'
export { createFastestStrategy, type FastestStrategyOptions } from './fastest.js'
export { createHybridStrategy, type HybridStrategyOptions, type HybridWeights } from './hybrid.js'
export { createLeaderboardStrategy, type LeaderboardStrategyOptions } from './leaderboard.js'
export { createPriorityStrategy, type PriorityStrategyOptions } from './priority.js'
export {
  type BuiltInStrategyName,
  builtInStrategyNames,
  createStrategyRegistry,
  defaultStrategyName,
  type RegisterStrategyOptions,
  type StrategyRegistry,
} from './registry.js'
export { createRoundRobinStrategy, type RoundRobinStrategyOptions } from './round-robin.js'
export type { ProviderCandidate, RoutingContext, RoutingStrategy } from './types.js'
