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
