import type { RunClock } from './clock.js'

/** The phases of a scenario run, in order, each with its start time. */
export interface Phases {
  /** Starts phase `name` now. */
  enter(name: string): void
  /** The phase in force now. */
  current(): string
  /** Start time of phase `name` (the first time it was entered). @throws {Error} when it never ran */
  startOf(name: string): number
  readonly list: { name: string; at: number }[]
}

/** Creates a phase tracker starting in phase `first`. */
export function createPhases(clock: RunClock, first: string): Phases {
  const list = [{ name: first, at: clock.now() }]
  return {
    list,
    enter(name) {
      list.push({ name, at: clock.now() })
    },
    current: () => list[list.length - 1]!.name,
    startOf(name) {
      const phase = list.find((entry) => entry.name === name)
      if (!phase) throw new Error(`phase ${name} never ran`)
      return phase.at
    },
  }
}
