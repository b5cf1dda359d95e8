import { signal } from '@preact/signals'

/** Wall-clock time (epoch ms), updated every second, for ages ("4s ago") that tick without new data. */
export const now = signal(Date.now())

let started = false

/** Starts the one-second tick (once). */
export function startClock(): void {
  if (started) return
  started = true
  setInterval(() => {
    now.value = Date.now()
  }, 1_000)
}
