import { spawnDevnetWith } from '@chainpulse/devnet/testing'
import { everyRequestSucceeded, exactIds, noneHangs } from '../invariants/client-invariants.js'
import { quantile } from '../invariants/latency.js'
import { handlesReturned, listenersReturned, memoryFlat } from '../invariants/memory.js'
import { verdict } from '../invariants/verdict.js'
import { startBatchLoad } from '../load/batch-load.js'
import { startChurningFilters, startChurningSubscribers } from '../load/churning-clients.js'
import { startHttpLoad } from '../load/http-load.js'
import { startRunClock } from '../record/clock.js'
import type { UpstreamEvent } from '../record/history.js'
import { handleCount } from '../record/memory.js'
import { createPhases } from '../record/phases.js'
import type { Profile, Scenario, ScenarioResult } from '../scenario.js'
import { type ServerSample, spawnSampledServer } from '../setup/sampled-server.js'
import { waitForHealthz } from '../setup/server-process.js'
import { summarise } from '../summary.js'
import { CHAOS_POOL_KNOBS, READ_CALLS, REQUEST_DEADLINE_MS, SLACK_MS } from './pool-knobs.js'

const CHAIN = 'ethereum'
const BLOCK_TIME_MS = 1_000
const PROVIDERS = ['ethereum-alpha', 'ethereum-bravo', 'ethereum-charlie'] as const

/** The load and the faults of one profile. */
interface SoakPlan {
  loadMs: number
  /** The server is sampled this often under load. */
  sampleEveryMs: number
  /** Each WebSocket subscriber and each filter client lives this long, then another takes its place. */
  lifetimeMs: number
  /** A provider is killed this often (round robin, from `killEveryMs / 2`) and revived `downForMs` later. */
  killEveryMs: number
  downForMs: number
  /** Memory flatness is asserted (long) or only reported (short: 25 s says little about a leak). */
  assertFlat: boolean
}

const PLANS: Record<Profile, SoakPlan> = {
  short: {
    loadMs: 25_000,
    sampleEveryMs: 1_000,
    lifetimeMs: 6_000,
    killEveryMs: 14_000,
    downForMs: 4_000,
    assertFlat: false,
  },
  long: {
    loadMs: 30 * 60_000,
    sampleEveryMs: 5_000,
    lifetimeMs: 20_000,
    killEveryMs: 90_000,
    downForMs: 10_000,
    assertFlat: true,
  },
}

/** Steady load: about 60 single reads, 20 batched reads and 8 filter calls a second, on loopback. */
const HTTP_CLIENTS = 6
const HTTP_PERIOD_MS = 100
const BATCH_SIZE = 10
const BATCH_PERIOD_MS = 500
const WS_CLIENTS = 3
const FILTER_CLIENTS = 2
const FILTER_POLL_MS = 500

/**
 * Memory bounds after warm-up. The live heap (after a full collection) depends on what the server
 * holds, not on the machine's speed, and the load is rate-bound: a leak of 100 bytes a request (about
 * 16 MB a quarter of the long run at ~90 calls/s) breaks it, while bounded caches still filling in the
 * second quarter (benchmark windows, the response cache, the canonical chain) fit in 15 % + 5 MB. RSS
 * also holds memory V8 and malloc keep after a peak and hand back lazily, hence its wider bound.
 */
const HEAP_BOUND = { metric: 'heapUsedBytes', factor: 1.15, allowanceBytes: 5 * 1_048_576 } as const
const RSS_BOUND = { metric: 'rssBytes', factor: 1.25, allowanceBytes: 16 * 1_048_576 } as const
/** Handles after the load may exceed the baseline by this many: a health probe in flight (a socket, a timer). */
const HANDLE_TOLERANCE = 2
/** Keep-alive sockets the load left (the server's idle timeout, undici's) close within this. */
const SETTLE_MS = 20_000
/** The last revive is at least this long before the load ends. */
const REVIVED_BEFORE_END_MS = 5_000

const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`

/**
 * Scenario 8: the server (in its own process, sampled over IPC) under steady mixed traffic: single and
 * batched HTTP reads, WebSocket subscribers that come and go, filters created, polled and uninstalled,
 * and a provider killed and revived now and then. No request may fail; after the load, the server's
 * active handles, open connections and listeners return to their baseline; in the long profile (30
 * minutes) its live heap and RSS must be flat after warm-up.
 */
export const soak: Scenario = {
  id: 'soak',
  title: 'Soak: steady mixed traffic, memory and handles flat',
  async run(profile: Profile): Promise<ScenarioResult> {
    const plan = PLANS[profile]
    const devnet = await spawnDevnetWith({
      seed: 8,
      chains: [
        {
          name: CHAIN,
          blockTimeMs: BLOCK_TIME_MS,
          traffic: { intervalMs: 500 },
          providers: PROVIDERS.map((id, index) => ({
            id,
            preset: 'neutral' as const,
            personality: { latencyMs: 10 + 10 * index, jitterMs: 4 },
          })),
        },
      ],
    })
    let server: Awaited<ReturnType<typeof spawnSampledServer>> | undefined
    try {
      server = await spawnSampledServer({
        pool: {
          ...CHAOS_POOL_KNOBS,
          chains: [{ name: CHAIN, chainId: 1, blockTimeMs: BLOCK_TIME_MS }],
          providers: devnet.manifest.providers.map((provider) => ({
            id: provider.id,
            chain: CHAIN,
            httpUrl: provider.httpUrl,
            wsUrl: provider.wsUrl,
          })),
        },
        // Rate limits off (every client is one IP); the response cache on, as in production: it is
        // memory the server holds.
        server: { logLevel: 'silent', rateLimit: false },
      })
      await waitForHealthz(server.url, {
        timeoutMs: 60_000,
        accept: (health) => health.chains[0]?.healthyProviders === PROVIDERS.length,
      })
      const sampled = server
      const clock = startRunClock()
      const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

      // The baseline: the busiest of three samples of the idle server (a probe may be in flight).
      const idle: ServerSample[] = []
      for (let i = 0; i < 3; i++) {
        idle.push(await sampled.sample(clock.now()))
        await sleep(500)
      }
      const baseline = idle.reduce((a, b) => (handleCount(b) > handleCount(a) ? b : a))

      const phases = createPhases(clock, 'warm-up')
      const loadFrom = clock.now()
      const stopAtMs = loadFrom + plan.loadMs
      const rpcUrl = `${sampled.url}/rpc/${CHAIN}`
      const common = {
        clock,
        phase: () => phases.current(),
        stopAtMs,
        timeoutMs: REQUEST_DEADLINE_MS + SLACK_MS,
      }
      const reads = startHttpLoad({
        ...common,
        url: rpcUrl,
        clients: HTTP_CLIENTS,
        periodMs: HTTP_PERIOD_MS,
        calls: READ_CALLS,
      })
      const batches = startBatchLoad({
        ...common,
        url: rpcUrl,
        client: HTTP_CLIENTS,
        batchSize: BATCH_SIZE,
        periodMs: BATCH_PERIOD_MS,
        calls: READ_CALLS,
      })
      const filters = startChurningFilters({
        ...common,
        url: rpcUrl,
        firstClient: HTTP_CLIENTS + 1,
        clients: FILTER_CLIENTS,
        lifetimeMs: plan.lifetimeMs,
        pollMs: FILTER_POLL_MS,
      })
      const subscribers = startChurningSubscribers({
        url: `${sampled.url.replace('http:', 'ws:')}/ws/rpc/${CHAIN}`,
        clients: WS_CLIENTS,
        lifetimeMs: plan.lifetimeMs,
        minHeadsAfterMs: 3 * BLOCK_TIME_MS + SLACK_MS,
        clock,
        stopAtMs,
      })

      // Quarters as phases; samples; kills and revives, all on one timeline.
      const samples: ServerSample[] = []
      const upstream: UpstreamEvent[] = []
      const action = (providerId: string, what: string) =>
        upstream.push({ at: clock.now(), kind: 'action', providerId, action: what })
      const quarterNames = ['warm-up', '2nd quarter', '3rd quarter', 'last quarter']
      let kills = 0
      let nextSampleAt = loadFrom
      let nextKillAt = loadFrom + plan.killEveryMs / 2
      let down: { providerId: string; reviveAt: number } | undefined
      while (clock.now() < stopAtMs) {
        const now = clock.now()
        const quarter = quarterNames[Math.min(3, Math.floor(((now - loadFrom) / plan.loadMs) * 4))]!
        if (quarter !== phases.current()) phases.enter(quarter)
        if (now >= nextSampleAt) {
          nextSampleAt += plan.sampleEveryMs
          samples.push(await sampled.sample(now))
        }
        if (down && now >= down.reviveAt) {
          await devnet.revive(down.providerId)
          action(down.providerId, 'revive')
          down = undefined
        }
        // Every revive well before the load ends, so the pool has reconnected when handles are counted.
        if (!down && now >= nextKillAt && now + plan.downForMs < stopAtMs - REVIVED_BEFORE_END_MS) {
          const providerId = PROVIDERS[kills++ % PROVIDERS.length]!
          await devnet.kill(providerId)
          action(providerId, 'kill')
          down = { providerId, reviveAt: now + plan.downForMs }
          nextKillAt += plan.killEveryMs
        }
        await sleep(Math.max(0, Math.min(100, stopAtMs - clock.now())))
      }
      if (down) {
        await devnet.revive(down.providerId)
        action(down.providerId, 'revive')
      }
      await Promise.all([reads.stop(), batches.stop(), filters.stop(), subscribers.stop()])
      const loadEndedAt = clock.now()

      // Handles settle: keep-alive sockets close, WebSockets finish closing. Sampled until back or out of time.
      let after = await sampled.sample(clock.now())
      while (
        (handleCount(after) > handleCount(baseline) + HANDLE_TOLERANCE ||
          after.connections > baseline.connections) &&
        clock.now() < loadEndedAt + SETTLE_MS
      ) {
        await sleep(1_000)
        after = await sampled.sample(clock.now())
      }
      const settledMs = after.at - loadEndedAt
      const endedAt = clock.now()

      const events = [...reads.events, ...batches.events, ...filters.events]
      const peakListeners: Record<string, number> = {}
      for (const sample of samples)
        for (const [name, count] of Object.entries(sample.listeners))
          peakListeners[name] = Math.max(peakListeners[name] ?? 0, count)
      const flatness = [memoryFlat(samples, HEAP_BOUND), memoryFlat(samples, RSS_BOUND)]
      const verdicts = [
        everyRequestSucceeded(events),
        exactIds(events),
        noneHangs(events, REQUEST_DEADLINE_MS + SLACK_MS),
        verdict(
          'every WebSocket subscriber subscribed, got heads and left on its own terms',
          `${subscribers.counts.connections} connections, ${subscribers.counts.heads} heads, ${subscribers.counts.unsubscribed} unsubscribed first`,
          subscribers.failures,
        ),
        verdict(
          'every filter created was uninstalled',
          `${filters.counts.uninstalled} of ${filters.counts.filters}`,
          filters.counts.uninstalled === filters.counts.filters
            ? []
            : [`${filters.counts.filters - filters.counts.uninstalled} not uninstalled`],
        ),
        handlesReturned(baseline, after, HANDLE_TOLERANCE),
        verdict(
          'client connections on the server back to baseline after the load',
          `${baseline.connections} → ${after.connections}`,
          after.connections > baseline.connections
            ? [`${after.connections - baseline.connections} left open`]
            : [],
        ),
        listenersReturned(baseline, after, peakListeners),
        ...(plan.assertFlat ? flatness : []),
      ]
      const byQuarter = quarterNames.map((name, k) => {
        const of = samples.filter((sample) => {
          const t = (sample.at - loadFrom) / plan.loadMs
          return k === 3 ? t >= 0.75 : t >= k / 4 && t < (k + 1) / 4
        })
        const median = (metric: 'heapUsedBytes' | 'rssBytes') =>
          mb(
            quantile(
              of.map((sample) => sample[metric]),
              0.5,
            ),
          )
        return `${name} ${median('heapUsedBytes')} / ${median('rssBytes')}`
      })
      return {
        rows: summarise(events, quarterNames),
        verdicts,
        // Short: flatness reported only; 25 s of samples cannot tell a leak from caches filling.
        ...(plan.assertFlat ? {} : { targets: flatness }),
        notes: [
          `${plan.loadMs >= 60_000 ? `${plan.loadMs / 60_000} min` : `${plan.loadMs / 1_000} s`} of load: ${HTTP_CLIENTS} clients reading every ${HTTP_PERIOD_MS} ms, one sending a batch of ${BATCH_SIZE} reads every ${BATCH_PERIOD_MS} ms (a row counts a batch once), ${FILTER_CLIENTS} filter clients (a log and a block filter each, polled every ${FILTER_POLL_MS} ms, uninstalled after ${plan.lifetimeMs / 1_000} s, then new ones), ${WS_CLIENTS} WebSocket clients (newHeads and logs; each leaves after ${plan.lifetimeMs / 1_000} s, every other one unsubscribing first, and a new one comes). Response cache on, rate limits off.`,
          `3 providers (no injected errors); ${kills} kill(s), round robin, each revived after ${plan.downForMs / 1_000} s; killed at ${upstream
            .flatMap((event) =>
              event.kind === 'action' && event.action === 'kill' ? [`${Math.round(event.at / 1_000)}`] : [],
            )
            .join(', ')} s.`,
          `The server runs in its own process, sampled over IPC every ${plan.sampleEveryMs / 1_000} s (${samples.length} samples) after a full collection there: RSS, live heap, \`process.getActiveResourcesInfo()\`, listeners on its HTTP server and on \`process\`. Median live heap / RSS per quarter: ${byQuarter.join('; ')}.`,
          `Baseline (idle, before the load): ${handleCount(baseline)} handles, ${mb(baseline.heapUsedBytes)} heap, ${mb(baseline.rssBytes)} RSS; after the load (${Math.round(settledMs / 1_000)} s after it stopped): ${handleCount(after)} handles, ${mb(after.heapUsedBytes)} heap, ${mb(after.rssBytes)} RSS.`,
          `Flatness: the first quarter is warm-up; the last quarter's median must be within ${HEAP_BOUND.factor} × the second's + ${mb(HEAP_BOUND.allowanceBytes)} (live heap) and ${RSS_BOUND.factor} × + ${mb(RSS_BOUND.allowanceBytes)} (RSS)${plan.assertFlat ? '' : '; asserted in the long profile only'}.`,
        ],
        history: { clients: events, upstream, phases: phases.list, endedAt },
      }
    } finally {
      await server?.stop()
      await devnet.stop()
    }
  },
}
