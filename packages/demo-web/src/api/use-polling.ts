import { useEffect, useState } from 'preact/hooks'

/** State of a polled endpoint: the latest value, or the latest error message. */
export interface Polled<T> {
  data: T | undefined
  error: string | undefined
  /** Fetches now (e.g. right after a control changed something). */
  refresh(): void
}

/**
 * Calls `load` now and every `intervalMs` while the component is mounted (and again when `key`
 * changes). For the few figures the stream does not push (score history, RPC stats, demo status).
 */
export function usePolling<T>(load: () => Promise<T>, intervalMs: number, key = ''): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined)
  const [error, setError] = useState<string | undefined>(undefined)
  const [tick, setTick] = useState(0)
  useEffect(() => {
    let cancelled = false
    const run = () =>
      load().then(
        (value) => {
          if (cancelled) return
          setData(value)
          setError(undefined)
        },
        (failure: unknown) => {
          if (!cancelled) setError(failure instanceof Error ? failure.message : String(failure))
        },
      )
    void run()
    const timer = setInterval(run, intervalMs)
    return () => {
      cancelled = true
      clearInterval(timer)
    }
  }, [key, intervalMs, tick])
  return { data, error, refresh: () => setTick((value) => value + 1) }
}
