import type { Signal } from '@preact/signals'
import type { RuntimeView } from '../../api/types.js'
import { createRingBuffer } from '../ring-buffer.js'
import type { TopicHandler } from './topic-handler.js'

/** Columnar runtime history for uPlot: x is Unix seconds. */
export interface RuntimeHistory {
  ts: number[]
  heapUsedMb: number[]
  heapTotalMb: number[]
  rssMb: number[]
  lagP99Ms: number[]
  lagMeanMs: number[]
  utilizationPercent: number[]
}

/** `runtime`: the latest sample, and the last `window` samples as columns for the System Metrics charts. */
export function runtimeTopic(
  latest: Signal<RuntimeView | null>,
  history: Signal<RuntimeHistory>,
  window: number,
): TopicHandler<RuntimeView> {
  const samples = createRingBuffer<RuntimeView>(window)
  return {
    take: (sample) => samples.push(sample),
    publish() {
      const kept = samples.toArray()
      latest.value = kept.at(-1) ?? null
      history.value = toHistory(kept)
    },
  }
}

export function emptyHistory(): RuntimeHistory {
  return {
    ts: [],
    heapUsedMb: [],
    heapTotalMb: [],
    rssMb: [],
    lagP99Ms: [],
    lagMeanMs: [],
    utilizationPercent: [],
  }
}

const MB = 1024 * 1024

function toHistory(samples: RuntimeView[]): RuntimeHistory {
  const history = emptyHistory()
  for (const sample of samples) {
    history.ts.push(sample.ts / 1_000)
    history.heapUsedMb.push(sample.memory.heapUsedBytes / MB)
    history.heapTotalMb.push(sample.memory.heapTotalBytes / MB)
    history.rssMb.push(sample.memory.rssBytes / MB)
    history.lagP99Ms.push(sample.eventLoopDelay.p99Ms)
    history.lagMeanMs.push(sample.eventLoopDelay.meanMs)
    history.utilizationPercent.push(sample.eventLoopUtilization * 100)
  }
  return history
}
