/** Milliseconds since a scenario started: every recorded event is stamped with one. */
export interface RunClock {
  now(): number
}

/** A clock that starts at 0 now. */
export function startRunClock(): RunClock {
  const started = performance.now()
  return { now: () => performance.now() - started }
}
