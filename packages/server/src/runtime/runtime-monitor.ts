import {
  constants,
  type EventLoopUtilization,
  monitorEventLoopDelay,
  PerformanceObserver,
  performance,
} from 'node:perf_hooks'

/** GC pauses since the monitor started, by kind. */
export interface GcStats {
  /** False when this runtime cannot observe GC (no `gc` performance entries). */
  available: boolean
  count: number
  totalMs: number
  maxMs: number
  /** Pause of the latest GC (ms). */
  lastMs: number
  byKind: Record<'minor' | 'major' | 'incremental' | 'weakcb' | 'other', { count: number; totalMs: number }>
}

/** One reading of the Node.js process, as `GET /api/runtime` and the stream's `runtime` topic send it. */
export interface RuntimeReading {
  /** Unix epoch ms of the reading. */
  ts: number
  uptimeSeconds: number
  memory: {
    rssBytes: number
    heapUsedBytes: number
    heapTotalBytes: number
    externalBytes: number
    arrayBuffersBytes: number
  }
  /** Event-loop delay since the previous reading (ms; from `monitorEventLoopDelay`). */
  eventLoopDelay: { meanMs: number; p50Ms: number; p99Ms: number; maxMs: number }
  /** Share of time (0–1) the event loop was busy since the previous reading. */
  eventLoopUtilization: number
  /** Handles and requests keeping the process alive (`process.getActiveResourcesInfo().length`). */
  activeResources: number
  gc: GcStats
}

/** Samples the Node.js runtime for the dashboard's System Metrics tab. */
export interface RuntimeMonitor {
  /** Reads every figure now; delay and utilization cover the time since the previous `read()`. */
  read(): RuntimeReading
  /** Stops the event-loop histogram and the GC observer. */
  close(): void
}

/** Options of {@link createRuntimeMonitor}. */
export interface RuntimeMonitorOptions {
  /** Event-loop delay sampling resolution (ms). @default 20 */
  resolutionMs?: number
  /** Wall-clock time of readings (epoch ms). @default Date.now */
  wallClock?: () => number
}

const NS_PER_MS = 1e6

function gcKind(kind: number | undefined): keyof GcStats['byKind'] {
  switch (kind) {
    case constants.NODE_PERFORMANCE_GC_MINOR:
      return 'minor'
    case constants.NODE_PERFORMANCE_GC_MAJOR:
      return 'major'
    case constants.NODE_PERFORMANCE_GC_INCREMENTAL:
      return 'incremental'
    case constants.NODE_PERFORMANCE_GC_WEAKCB:
      return 'weakcb'
    default:
      return 'other'
  }
}

/**
 * Starts watching the event loop (a `monitorEventLoopDelay` histogram) and GC pauses (a `gc`
 * PerformanceObserver, where the runtime has one). Everything it keeps is fixed-size.
 *
 * @example
 * const monitor = createRuntimeMonitor()
 * setInterval(() => console.log(monitor.read().eventLoopUtilization), 1_000)
 */
export function createRuntimeMonitor(options: RuntimeMonitorOptions = {}): RuntimeMonitor {
  const wallClock = options.wallClock ?? Date.now
  const delay = monitorEventLoopDelay({ resolution: options.resolutionMs ?? 20 })
  delay.enable()
  let lastElu: EventLoopUtilization = performance.eventLoopUtilization()

  const gc: GcStats = {
    available: false,
    count: 0,
    totalMs: 0,
    maxMs: 0,
    lastMs: 0,
    byKind: {
      minor: { count: 0, totalMs: 0 },
      major: { count: 0, totalMs: 0 },
      incremental: { count: 0, totalMs: 0 },
      weakcb: { count: 0, totalMs: 0 },
      other: { count: 0, totalMs: 0 },
    },
  }
  let observer: PerformanceObserver | undefined
  // Typed only on newer @types/node; present at runtime since Node 16.
  const supported = (PerformanceObserver as unknown as { supportedEntryTypes?: readonly string[] })
    .supportedEntryTypes
  if (supported?.includes('gc')) {
    observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const kind = gcKind((entry.detail as { kind?: number } | undefined)?.kind)
        gc.count++
        gc.totalMs += entry.duration
        gc.lastMs = entry.duration
        if (entry.duration > gc.maxMs) gc.maxMs = entry.duration
        gc.byKind[kind].count++
        gc.byKind[kind].totalMs += entry.duration
      }
    })
    observer.observe({ entryTypes: ['gc'] })
    gc.available = true
  }

  return {
    read() {
      const memory = process.memoryUsage()
      const elu = performance.eventLoopUtilization(lastElu)
      lastElu = performance.eventLoopUtilization()
      // The histogram reads NaN / huge sentinels before its first sample.
      const hasSamples = delay.count > 0
      const reading: RuntimeReading = {
        ts: wallClock(),
        uptimeSeconds: process.uptime(),
        memory: {
          rssBytes: memory.rss,
          heapUsedBytes: memory.heapUsed,
          heapTotalBytes: memory.heapTotal,
          externalBytes: memory.external,
          arrayBuffersBytes: memory.arrayBuffers,
        },
        eventLoopDelay: {
          meanMs: hasSamples ? delay.mean / NS_PER_MS : 0,
          p50Ms: hasSamples ? delay.percentile(50) / NS_PER_MS : 0,
          p99Ms: hasSamples ? delay.percentile(99) / NS_PER_MS : 0,
          maxMs: hasSamples ? delay.max / NS_PER_MS : 0,
        },
        eventLoopUtilization: elu.utilization,
        activeResources: process.getActiveResourcesInfo().length,
        gc: { ...gc, byKind: structuredClone(gc.byKind) },
      }
      delay.reset()
      return reading
    },
    close() {
      delay.disable()
      observer?.disconnect()
    },
  }
}
