/** What {@link handleShutdownSignals} needs from the process (injected so tests can drive it). */
export interface SignalTarget {
  on(signal: NodeJS.Signals, listener: () => void): unknown
}

/** Options of {@link handleShutdownSignals}. */
export interface ShutdownSignalsOptions {
  /** Graceful shutdown; its outcome decides the exit code (0, or 1 when it rejects). */
  close: () => Promise<void>
  /** Ends the process. @default process.exit */
  exit?: (code: number) => void
  /** Progress messages. @default writes to stderr */
  log?: (line: string) => void
  /** @default process */
  target?: SignalTarget
  /** @default ['SIGINT', 'SIGTERM'] */
  signals?: readonly NodeJS.Signals[]
  /**
   * Signals this soon after the first count as the same request (ms). A Ctrl-C under `pnpm demo`
   * reaches the process twice: SIGINT from the terminal, then the SIGTERM pnpm forwards at once.
   * @default 1_000
   */
  graceMs?: number
  /** Milliseconds, for the grace window. @default performance.now */
  now?: () => number
}

/**
 * On the first SIGINT or SIGTERM, shuts down gracefully and exits; on a second one (after `graceMs`),
 * exits at once with code 130 (a stuck shutdown must not trap the user; the devnet's exit hook still
 * kills anvil).
 *
 * @example
 * handleShutdownSignals({ close: () => running.close() })
 */
export function handleShutdownSignals(options: ShutdownSignalsOptions): void {
  const exit = options.exit ?? ((code: number) => process.exit(code))
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`))
  const target = options.target ?? process
  const now = options.now ?? (() => performance.now())
  const graceMs = options.graceMs ?? 1_000
  let firstAt: number | undefined
  const onSignal = (signal: NodeJS.Signals) => {
    if (firstAt !== undefined) {
      if (now() - firstAt < graceMs) return
      log(`${signal} again: exiting now`)
      exit(130)
      return
    }
    firstAt = now()
    log(`${signal}: shutting down (finishing in-flight requests; press Ctrl-C again to exit at once)`)
    options.close().then(
      () => {
        log('stopped')
        exit(0)
      },
      (error: unknown) => {
        log(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`)
        exit(1)
      },
    )
  }
  for (const signal of options.signals ?? ['SIGINT', 'SIGTERM']) target.on(signal, () => onSignal(signal))
}
