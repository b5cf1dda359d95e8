export {
  type CircuitBreaker,
  type CircuitBreakerContext,
  type CircuitBreakerOptions,
  type CircuitBreakerSnapshot,
  type CircuitPermit,
  type CircuitState,
  type CircuitStateChange,
  type CircuitTransitionReason,
  createCircuitBreaker,
} from './circuit-breaker.js'
export { consecutiveFailures } from './consecutive-failures.js'
export { type FailureRatioOptions, failureRatio } from './failure-ratio.js'
export type { TripRule, TripTracker } from './trip-rule.js'
