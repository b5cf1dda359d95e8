import type { EventEmitter } from 'node:events'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/**
 * A full garbage collection without `--expose-gc` on the command line (vitest and `pnpm chaos` both
 * run without it): the flag is set at runtime and `gc` taken from a fresh context.
 */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  gc()
}

/** This process's heap in use after a full collection, in bytes: the live memory, without garbage. */
export function liveHeapBytes(): number {
  collectGarbage()
  return process.memoryUsage().heapUsed
}

/** One look at a process's memory and resources. */
export interface ResourceSample {
  /** ms on the run clock of whoever took it (set by the caller; 0 when it has none). */
  at: number
  rssBytes: number
  /** Heap in use after a full collection: the live heap. */
  heapUsedBytes: number
  /** `process.getActiveResourcesInfo()` counted by type (`TCPSocketWrap`, `Timeout`, ...). */
  handles: Record<string, number>
  /** Listeners on the shared emitters given, summed over each emitter's event names, by emitter name. */
  listeners: Record<string, number>
}

/**
 * Samples this process after a full collection: RSS, live heap, active handles and requests by type,
 * and the listeners on `emitters` (a server's long-lived emitters: its HTTP server, `process`), where a
 * leak per connection or per request would show as a count that only grows.
 */
export function sampleResources(emitters: Readonly<Record<string, EventEmitter>> = {}): ResourceSample {
  const heapUsedBytes = liveHeapBytes()
  const handles: Record<string, number> = {}
  for (const type of process.getActiveResourcesInfo()) handles[type] = (handles[type] ?? 0) + 1
  const listeners: Record<string, number> = {}
  for (const [name, emitter] of Object.entries(emitters)) {
    listeners[name] = emitter.eventNames().reduce((sum, event) => sum + emitter.listenerCount(event), 0)
  }
  return { at: 0, rssBytes: process.memoryUsage.rss(), heapUsedBytes, handles, listeners }
}

/** Total active handles and requests of a sample. */
export function handleCount(sample: ResourceSample): number {
  return Object.values(sample.handles).reduce((sum, count) => sum + count, 0)
}
