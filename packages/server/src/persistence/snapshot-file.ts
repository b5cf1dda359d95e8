import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import {
  type BenchmarkStore,
  type Clock,
  parseBenchmarkSnapshot,
  systemClock,
  type TimerHandle,
} from '@chainpulse/core'

/** What happened to the snapshot file at start. */
export type SnapshotRestoreResult =
  | { status: 'restored'; chains: number }
  | { status: 'missing' }
  /** The file was unreadable or malformed: it was moved to `movedTo` and the store starts empty. */
  | { status: 'corrupt'; reason: string; movedTo: string | undefined }

/** Options of {@link createSnapshotPersistence}. */
export interface SnapshotPersistenceOptions {
  /** The store to save and restore (`pool.store`). */
  store: Pick<BenchmarkStore, 'snapshot' | 'restore'>
  /** Snapshot file. Its folder is created when missing. */
  path: string
  /** Time between periodic writes (ms). @default 30_000 */
  intervalMs?: number
  /** Receives problems (a failed write); persistence never throws from its timer. @default console.error */
  onError?: (error: unknown) => void
  clock?: Clock
}

/** Saves a benchmark store to a file now and then, and restores it at start. */
export interface SnapshotPersistence {
  readonly path: string
  /**
   * Loads the file into the store, if there is one. A corrupt file is moved aside (`<path>.corrupt`)
   * and reported in the result, never thrown: losing history must not stop the server starting.
   */
  restore(): Promise<SnapshotRestoreResult>
  /** Writes a snapshot now, atomically (temp file + rename); concurrent calls are serialised. */
  save(): Promise<void>
  /** Starts periodic writes every `intervalMs`. */
  start(): void
  /** Stops periodic writes and writes one last snapshot. */
  stop(): Promise<void>
}

/**
 * Persists a {@link BenchmarkStore} to a JSON file so a restart loses no leaderboard history. Writes go
 * to a temporary file that is then renamed over the old one, so a crash mid-write leaves the previous
 * snapshot intact.
 *
 * @example
 * const persistence = createSnapshotPersistence({ store: pool.store, path: '.chainpulse/benchmarks.json' })
 * await persistence.restore()
 * persistence.start()
 * // ... on shutdown:
 * await persistence.stop()
 */
export function createSnapshotPersistence(options: SnapshotPersistenceOptions): SnapshotPersistence {
  const clock = options.clock ?? systemClock
  const intervalMs = options.intervalMs ?? 30_000
  const onError = options.onError ?? ((error) => console.error('chainpulse: benchmark snapshot', error))
  let timer: TimerHandle | undefined
  let running = false
  let chain: Promise<void> = Promise.resolve()
  let tempCounter = 0

  async function write(): Promise<void> {
    const text = JSON.stringify(options.store.snapshot())
    const temp = `${options.path}.${process.pid}.${tempCounter++}.tmp`
    await mkdir(dirname(options.path), { recursive: true })
    try {
      await writeFile(temp, text, 'utf8')
      await rename(temp, options.path)
    } catch (error) {
      await unlink(temp).catch(() => {})
      throw error
    }
  }

  function save(): Promise<void> {
    const next = chain.then(write)
    chain = next.catch(() => {})
    return next
  }

  function schedule(): void {
    timer = clock.setTimeout(() => {
      timer = undefined
      save().then(
        () => running && schedule(),
        (error: unknown) => {
          onError(error)
          if (running) schedule()
        },
      )
    }, intervalMs)
    ;(timer as { unref?: () => void } | undefined)?.unref?.()
  }

  return {
    path: options.path,
    async restore() {
      let text: string
      try {
        text = await readFile(options.path, 'utf8')
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' }
        return { status: 'corrupt', reason: (error as Error).message, movedTo: undefined }
      }
      try {
        const snapshot = parseBenchmarkSnapshot(JSON.parse(text))
        options.store.restore(snapshot)
        return { status: 'restored', chains: snapshot.chains.length }
      } catch (error) {
        const movedTo = `${options.path}.corrupt`
        const moved = await rename(options.path, movedTo).then(
          () => true,
          () => false,
        )
        const reason = error instanceof SyntaxError ? 'not valid JSON' : (error as Error).message
        return { status: 'corrupt', reason, movedTo: moved ? movedTo : undefined }
      }
    },
    save,
    start() {
      if (running) return
      running = true
      schedule()
    },
    async stop() {
      running = false
      if (timer !== undefined) clock.clearTimeout(timer)
      timer = undefined
      await save()
    },
  }
}
