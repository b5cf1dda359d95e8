/**
 * Every error code ChainPulse can raise, with a one-line meaning. `docs/errors.md` documents each one;
 * a test fails when a code here is missing there.
 */
export const errorCodes = {
  CONFIG_INVALID: 'Options or a configuration file failed validation; the message names the path of each bad field.',
  CIRCUIT_OPEN: "A provider's circuit breaker is open, so the call was rejected without being attempted.",
  UNKNOWN_STRATEGY: 'A routing strategy was requested by a name that is not registered.',
  DUPLICATE_STRATEGY: 'A routing strategy was registered under a name that is already taken.',
} as const

/** A stable, documented ChainPulse error code. */
export type ErrorCode = keyof typeof errorCodes
