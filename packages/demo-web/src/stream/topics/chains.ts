import type { Signal } from '@preact/signals'
import type { ChainCalls, ChainView } from '../../api/types.js'
import type { TopicHandler } from './topic-handler.js'

/** How a chain's client calls were answered over the recent window. */
export interface RecentCalls {
  /** The span the figures cover (s): from the oldest snapshot kept to the latest. */
  seconds: number
  calls: number
  cacheHits: number
  coalesced: number
  saved: number
  upstreamCalls: number
  /** Share of the calls the cache answered; `null` without calls. */
  hitRate: number | null
}

/** What the dashboard shows of a chain's calls: since the server started, and over the recent window. */
export interface CallSavings {
  total: ChainCalls
  /** `null` until two snapshots are apart. */
  recent: RecentCalls | null
  /** Upstream calls saved per second between consecutive snapshots of the window, oldest first. */
  savedPerSecond: number[]
}

/** The signals `chains` writes. */
export interface ChainsTargets {
  chains: Signal<ChainView[]>
  callSavings: Signal<Record<string, CallSavings>>
}

/** Samples kept per chain whatever the snapshot interval (one a second fills 60 s with 61). */
const MAX_SAMPLES = 600

interface Sample {
  at: number
  calls: ChainCalls
}

/**
 * `chains`: the latest snapshot, and per chain the call counts of the snapshots of the last
 * `windowSeconds`, from which the recent figures are differences. The server sends totals since it
 * started (the snapshot comes every second), so a missed snapshot loses no call; a total that went down
 * (the server restarted) starts the chain's window afresh.
 */
export function chainsTopic(
  targets: ChainsTargets,
  windowSeconds: number,
  now: () => number,
): TopicHandler<ChainView[]> {
  const samples = new Map<string, Sample[]>()
  let latest: ChainView[] | undefined

  function record(chain: string, calls: ChainCalls, at: number): CallSavings {
    let kept = samples.get(chain)
    if (kept === undefined || (kept.length > 0 && calls.calls < kept.at(-1)!.calls.calls)) {
      kept = []
      samples.set(chain, kept)
    }
    kept.push({ at, calls })
    // Keep the sample just outside the window too: the window's first difference starts from it.
    while (kept.length > 2 && kept[1]!.at <= at - windowSeconds * 1_000) kept.shift()
    if (kept.length > MAX_SAMPLES) kept.shift()
    const first = kept[0]!
    const savedPerSecond: number[] = []
    for (let index = 1; index < kept.length; index++) {
      const seconds = (kept[index]!.at - kept[index - 1]!.at) / 1_000
      if (seconds > 0)
        savedPerSecond.push((kept[index]!.calls.saved - kept[index - 1]!.calls.saved) / seconds)
    }
    const seconds = (at - first.at) / 1_000
    if (seconds <= 0) return { total: calls, recent: null, savedPerSecond }
    const delta = (field: keyof ChainCalls) => calls[field] - first.calls[field]
    const recentCalls = delta('calls')
    return {
      total: calls,
      recent: {
        seconds,
        calls: recentCalls,
        cacheHits: delta('cacheHits'),
        coalesced: delta('coalesced'),
        saved: delta('saved'),
        upstreamCalls: delta('upstreamCalls'),
        hitRate: recentCalls === 0 ? null : delta('cacheHits') / recentCalls,
      },
      savedPerSecond,
    }
  }

  return {
    take(payload) {
      latest = payload
    },
    publish() {
      if (!latest) return
      const at = now()
      const savings: Record<string, CallSavings> = {}
      for (const chain of latest) if (chain.calls) savings[chain.name] = record(chain.name, chain.calls, at)
      // A chain no longer listed is forgotten.
      for (const chain of samples.keys()) if (!(chain in savings)) samples.delete(chain)
      targets.chains.value = latest
      targets.callSavings.value = savings
      latest = undefined
    },
  }
}
