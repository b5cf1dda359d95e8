import { ChainPulseError } from './base-error.js'

/** A configuration or options object failed validation. `issues` lists each bad field by path. */
export class ConfigError extends ChainPulseError {
  override name = 'ConfigError'
  readonly issues: readonly ConfigIssue[]

  constructor(subject: string, issues: readonly ConfigIssue[]) {
    super(`Invalid ${subject}.`, {
      code: 'CONFIG_INVALID',
      details: issues.map((issue) => `${issue.path || '(root)'}: ${issue.message}`).join('; '),
    })
    this.issues = issues
  }
}

/** One validation problem: a dotted path (`chains.0.providers.1.httpUrl`) and what is wrong there. */
export interface ConfigIssue {
  path: string
  message: string
}

/** A circuit breaker is open; the call was not attempted. */
export class CircuitOpenError extends ChainPulseError {
  override name = 'CircuitOpenError'
  /** When (clock time, ms) the breaker will next let a probe through. */
  readonly retryAt: number

  constructor(options: { retryAt: number; name?: string }) {
    super(options.name ? `Circuit "${options.name}" is open.` : 'Circuit is open.', {
      code: 'CIRCUIT_OPEN',
      details: `next probe allowed at ${options.retryAt.toFixed(1)} ms (clock time)`,
    })
    this.retryAt = options.retryAt
  }
}

/** A routing strategy name is not registered. */
export class UnknownStrategyError extends ChainPulseError {
  override name = 'UnknownStrategyError'

  constructor(strategy: string, known: readonly string[]) {
    super(`Unknown routing strategy "${strategy}".`, {
      code: 'UNKNOWN_STRATEGY',
      details: `known strategies: ${known.join(', ')}`,
    })
  }
}

/** A routing strategy name is already registered. */
export class DuplicateStrategyError extends ChainPulseError {
  override name = 'DuplicateStrategyError'

  constructor(strategy: string) {
    super(`A routing strategy named "${strategy}" is already registered.`, { code: 'DUPLICATE_STRATEGY' })
  }
}
