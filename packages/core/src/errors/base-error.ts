import type { ErrorCode } from './codes.js'

/** Options shared by every {@link ChainPulseError}. */
export interface ChainPulseErrorOptions {
  /** Stable code, documented in docs/errors.md. */
  code: ErrorCode
  /** Extra context appended to the message (never secrets: redact URLs with `redactUrl`). */
  details?: string
  /** The underlying error, if any. */
  cause?: unknown
}

/**
 * Base class of every error ChainPulse throws. `shortMessage` is one human sentence, `code` is stable
 * across versions and documented in `docs/errors.md#<code>`.
 *
 * @example
 * try { await breaker.execute(call) } catch (error) {
 *   if (error instanceof ChainPulseError && error.code === 'CIRCUIT_OPEN') { ... }
 * }
 */
export class ChainPulseError extends Error {
  override name = 'ChainPulseError'
  readonly code: ErrorCode
  readonly shortMessage: string
  readonly details: string | undefined
  readonly docsPath: string

  constructor(shortMessage: string, options: ChainPulseErrorOptions) {
    const docsPath = `docs/errors.md#${options.code.toLowerCase().replaceAll('_', '-')}`
    const lines = [shortMessage]
    if (options.details) lines.push('', `Details: ${options.details}`)
    lines.push(`Docs: ${docsPath}`)
    super(lines.join('\n'), options.cause === undefined ? undefined : { cause: options.cause })
    this.code = options.code
    this.shortMessage = shortMessage
    this.details = options.details
    this.docsPath = docsPath
  }
}
