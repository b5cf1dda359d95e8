import type { Signal } from '@preact/signals'
import type { RoutingDecision } from '../../api/types.js'
import { createRingBuffer } from '../ring-buffer.js'
import type { TopicHandler } from './topic-handler.js'

/** Requests per second and error rate over the recent window, from the routing feed. */
export interface TrafficStats {
  requestsPerSecond: number
  errorRate: number | null
}

/** Routing decisions per second a provider served recently, and the share that failed. */
export interface ProviderTraffic {
  requestsPerSecond: number
  errorRate: number | null
}

/** The signals `routing:decisions` writes. */
export interface RoutingTargets {
  routing: Signal<RoutingDecision[]>
  traffic: Signal<TrafficStats>
  providerTraffic: Signal<Record<string, ProviderTraffic>>
}

/** Options of {@link routingTopic}. */
export interface RoutingTopicOptions {
  feedSize: number
  /** Width of the requests/s and error-rate window (s). */
  rateWindowSeconds: number
  /** Width of the per-provider traffic window the topology animates (s). */
  providerWindowSeconds: number
  now: () => number
}

/** `routing:decisions` also refreshes its rates every frame: they move with time, not only with messages. */
export interface RoutingTopic extends TopicHandler<RoutingDecision> {
  refreshTraffic(): void
}

type Buckets = Map<number, { requests: number; errors: number }>

/**
 * `routing:decisions`: the latest decisions, newest first, and the request rates derived from them —
 * client requests over the whole dashboard for `rateWindowSeconds` (the pool's own calls left out), and per provider over a shorter window, so the
 * topology reacts within a few seconds. Rates count whole seconds only (the running one is incomplete).
 */
export function routingTopic(targets: RoutingTargets, options: RoutingTopicOptions): RoutingTopic {
  const { now, rateWindowSeconds: rateWindow, providerWindowSeconds: providerWindow } = options
  const decisions = createRingBuffer<RoutingDecision>(options.feedSize)
  // Requests and errors per wall-clock second.
  const secondBuckets: Buckets = new Map()
  const providerBuckets = new Map<string, Buckets>()

  function count(buckets: Buckets, second: number, failed: boolean): void {
    const bucket = buckets.get(second) ?? { requests: 0, errors: 0 }
    bucket.requests++
    if (failed) bucket.errors++
    buckets.set(second, bucket)
  }

  /** Sums the whole seconds of `buckets` inside the window, forgetting those past it. */
  function sum(buckets: Buckets, current: number, window: number) {
    let requests = 0
    let errors = 0
    for (const [second, bucket] of buckets) {
      if (second <= current - window) buckets.delete(second)
      else if (second < current) {
        requests += bucket.requests
        errors += bucket.errors
      }
    }
    return { requests, errors }
  }

  function trafficNow(): TrafficStats {
    const { requests, errors } = sum(secondBuckets, Math.floor(now() / 1_000), rateWindow)
    return {
      requestsPerSecond: requests / (rateWindow - 1),
      errorRate: requests === 0 ? null : errors / requests,
    }
  }

  function providerTrafficNow(): Record<string, ProviderTraffic> {
    const current = Math.floor(now() / 1_000)
    const result: Record<string, ProviderTraffic> = {}
    for (const [providerId, buckets] of providerBuckets) {
      const { requests, errors } = sum(buckets, current, providerWindow)
      if (buckets.size === 0) providerBuckets.delete(providerId)
      if (requests > 0)
        result[providerId] = {
          requestsPerSecond: requests / (providerWindow - 1),
          errorRate: errors / requests,
        }
    }
    return result
  }

  return {
    take(decision) {
      decisions.push(decision)
      const second = Math.floor(decision.ts / 1_000)
      const failed = decision.result === 'error'
      // Requests/s is client traffic; the pool's own calls still load their provider (below).
      if (!decision.internal) count(secondBuckets, second, failed)
      let own = providerBuckets.get(decision.providerId)
      if (!own) {
        own = new Map()
        providerBuckets.set(decision.providerId, own)
      }
      count(own, second, failed)
    },
    publish() {
      targets.routing.value = decisions.toArray().reverse()
    },
    reset() {
      decisions.clear()
      targets.routing.value = []
    },
    refreshTraffic() {
      // Replaced only when a figure changed, so views reading them re-render once a second, not per frame.
      const traffic = trafficNow()
      if (JSON.stringify(traffic) !== JSON.stringify(targets.traffic.value)) targets.traffic.value = traffic
      const perProvider = providerTrafficNow()
      if (JSON.stringify(perProvider) !== JSON.stringify(targets.providerTraffic.value))
        targets.providerTraffic.value = perProvider
    },
  }
}
