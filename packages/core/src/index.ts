export type { Clock, TimerHandle } from './clock/clock.js'
export { systemClock } from './clock/clock.js'
export { ChainPulseError, type ChainPulseErrorOptions } from './errors/base-error.js'
export { type ErrorCode, errorCodes } from './errors/codes.js'
export {
  CircuitOpenError,
  ConfigError,
  type ConfigIssue,
  DuplicateStrategyError,
  UnknownStrategyError,
} from './errors/errors.js'
export { redactUrl } from './errors/redact.js'
