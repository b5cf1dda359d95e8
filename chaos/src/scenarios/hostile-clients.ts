import { availableParallelism } from 'node:os'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { connectWs, type TestWsClient } from '@chainpulse/devnet/testing'
import { toNumber } from '../invariants/chain-delivery.js'
import { everyRequestSucceeded, exactIds, noneHangs } from '../invariants/client-invariants.js'
import { p99WithinBaseline } from '../invariants/latency.js'
import { handlesReturned, listenersReturned, memoryReturned } from '../invariants/memory.js'
import { noHealthChanges } from '../invariants/upstream-invariants.js'
import { verdict } from '../invariants/verdict.js'
import { HOSTILE_ADDRESS, type HostileKind, hostileKinds } from '../load/hostile-clients.js'
import { spawnHostileClients } from '../load/hostile-process.js'
import { startHttpLoad } from '../load/http-load.js'
import type { ClientEvent } from '../record/history.js'
import { handleCount, type ResourceSample, sampleResources } from '../record/memory.js'
import { createPhases } from '../record/phases.js'
import type { Profile, Scenario, ScenarioResult } from '../scenario.js'
import { startStage } from '../setup/stage.js'
import { summarise } from '../summary.js'
import {
  CHAOS_POOL_KNOBS,
  P99_INVARIANT,
  P99_TARGET,
  READ_CALLS,
  REQUEST_DEADLINE_MS,
  SLACK_MS,
} from './pool-knobs.js'

const WARM_UP_MS = 2_000
const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`
/**
 * Room for the live heap after the attack: the server, the devnet fronts and the clients share this
 * process, and caches that fill once (compiled code, connection pools) are not growth.
 */
const HEAP_TOLERANCE_BYTES = 16 * 1_048_576
/**
 * Room for RSS after the attack: V8 and malloc keep pages after a peak (thousands of sockets, MBs of
 * bodies) and hand them back lazily, so RSS is held to a wider bound than the live heap.
 */
const RSS_TOLERANCE_BYTES = 64 * 1_048_576
/** Handles after the attack may exceed the idle baseline by this many: probes in flight (sockets, timers). */
const HANDLE_TOLERANCE = 4
/** The pool's upstream keep-alive sockets opened under load close after 30 s idle (its undici default). */
const SETTLE_MS = 35_000
/**
 * What a slow WebSocket reader may have been sent before the server closes it: the server's
 * `ws.maxBufferedBytes` (4 MB default), the message that went over it (≤ 1 MB) and the kernel's socket
 * buffers on both sides of loopback (a few MB); the reader asks for about 13 MB.
 */
const SLOW_WS_BOUND_BYTES = 10 * 1_048_576

/**
 * `CHAOS_HOSTILE_KINDS=slowWsReader,hugeBatch pnpm chaos hostile-clients` runs only those kinds, to see
 * which one costs the server what (such a run fails "every kind of hostile client ran"). Unset: all.
 */
function selectedKinds(): readonly HostileKind[] | undefined {
  const value = process.env.CHAOS_HOSTILE_KINDS
  if (!value) return undefined
  const kinds = value.split(',').map((kind) => kind.trim())
  const unknown = kinds.filter((kind) => !hostileKinds.includes(kind as HostileKind))
  if (unknown.length)
    throw new Error(`CHAOS_HOSTILE_KINDS: unknown ${unknown.join(', ')}; known: ${hostileKinds.join(', ')}`)
  return kinds as HostileKind[]
}

/** The five slowest normal requests sent during the attack, for the notes: when a stall was, and who. */
function slowestUnderAttack(events: readonly ClientEvent[], attackFrom: number): string {
  return [...events]
    .filter((event) => event.phase === 'under attack')
    .sort((a, b) => b.durationMs - a.durationMs)
    .slice(0, 5)
    .map(
      (event) =>
        `+${Math.round(event.sentAt - attackFrom)} ms: ${Math.round(event.durationMs)} ms, ${event.method}, ${event.provider ?? 'no provider'}`,
    )
    .join('; ')
}

/**
 * The event-loop delay and CPU time of this process (the server's, shared with the fronts and the normal
 * clients) per phase: what hostile clients cost every normal request. CPU time is the steadier figure on
 * a busy machine, where the loop's delay also counts the time other processes held the cores.
 */
function watchEventLoop() {
  const histogram = monitorEventLoopDelay({ resolution: 10 })
  histogram.enable()
  let cpu = process.cpuUsage()
  let since = performance.now()
  const byPhase: { phase: string; p99Ms: number; maxMs: number; cpuShare: number }[] = []
  return {
    /** Closes the current reading (kept as `phase`'s; dropped when `undefined`) and starts the next. */
    mark(phase: string | undefined) {
      const used = process.cpuUsage(cpu)
      const now = performance.now()
      if (phase !== undefined)
        byPhase.push({
          phase,
          p99Ms: histogram.percentile(99) / 1e6,
          maxMs: histogram.max / 1e6,
          cpuShare: (used.user + used.system) / 1_000 / (now - since),
        })
      histogram.reset()
      cpu = process.cpuUsage()
      since = now
    },
    stop() {
      histogram.disable()
      return byPhase
    },
  }
}

/**
 * Scenario 6: hostile clients join normal load (malformed bodies, deep nesting, huge and oversized
 * batches, calls every node rejects, slow HTTP readers, a WebSocket client that subscribes and stops
 * reading, slowloris connections, thousands of idle sockets). Every normal request must still succeed
 * with its p99 within 2× the baseline's, no provider's health may change, well-behaved WebSocket
 * subscribers keep every head, the slow WebSocket reader is closed (1008) after a bounded amount, and
 * the live heap, RSS, active handles and listeners return to their baseline once the hostile clients
 * are gone.
 */
export const hostileClients: Scenario = {
  id: 'hostile-clients',
  title: 'Hostile clients mixed into normal load',
  async run(profile: Profile): Promise<ScenarioResult> {
    const phaseMs = profile === 'short' ? 4_000 : 60_000
    const idleSockets = profile === 'short' ? 1_000 : 5_000
    const stage = await startStage({
      devnet: {
        seed: 6,
        chains: [
          {
            name: 'ethereum',
            blockTimeMs: 800,
            providers: [
              { id: 'ethereum-alpha', preset: 'neutral', personality: { latencyMs: 15, jitterMs: 4 } },
              { id: 'ethereum-bravo', preset: 'neutral', personality: { latencyMs: 25, jitterMs: 6 } },
              { id: 'ethereum-charlie', preset: 'neutral', personality: { latencyMs: 35, jitterMs: 8 } },
            ],
          },
        ],
      },
      chain: { name: 'ethereum', chainId: 1, blockTimeMs: 800 },
      pool: CHAOS_POOL_KNOBS,
    })
    const subscribers: TestWsClient[] = []
    try {
      const { clock, upstream } = stage
      const emitters = { 'http server': stage.server.app.server, process }
      // The idle baseline: the busiest of three samples (a probe may be in flight).
      const idle: ResourceSample[] = []
      for (let i = 0; i < 3; i++) {
        idle.push(sampleResources(emitters))
        await new Promise((resolve) => setTimeout(resolve, 300))
      }
      const idleBaseline = idle.reduce((a, b) => (handleCount(b) > handleCount(a) ? b : a))
      const phases = createPhases(clock, 'warm-up')
      // Well-behaved WebSocket subscribers, reading every head, next to the slow ones.
      const wsUrl = `${stage.rpcUrl.replace('http:', 'ws:').replace('/rpc/', '/ws/rpc/')}`
      const heads = new Map<TestWsClient, { at: number; number: number }[]>()
      for (let i = 0; i < 2; i++) {
        const client = await connectWs(wsUrl)
        subscribers.push(client)
        const id = await client.subscribe(['newHeads'])
        const seen: { at: number; number: number }[] = []
        heads.set(client, seen)
        client.socket.on('message', (data) => {
          const message = JSON.parse(String(data)) as {
            params?: { subscription?: string; result?: { number?: string } }
          }
          if (message.params?.subscription === id && message.params.result?.number)
            seen.push({ at: clock.now(), number: toNumber(message.params.result.number) })
        })
      }
      // Loaded before the normal load starts, started with the attack: on a busy machine loading takes
      // seconds, which must eat neither into the load's phases nor past its hard stop.
      const kinds = selectedKinds()
      const hostileClients = await spawnHostileClients({
        url: stage.rpcUrl,
        durationMs: phaseMs,
        idleSockets,
        kinds,
      })
      let subscriberCloses = 0
      for (const client of subscribers) void client.closed.then(() => subscriberCloses++)
      const load = startHttpLoad({
        url: stage.rpcUrl,
        clients: 8,
        periodMs: 100,
        calls: READ_CALLS,
        timeoutMs: REQUEST_DEADLINE_MS + SLACK_MS,
        clock,
        phase: () => phases.current(),
        stopAtMs: clock.now() + WARM_UP_MS + 3 * phaseMs + 10_000,
      })
      const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
      await sleep(WARM_UP_MS)
      phases.enter('baseline')
      const loop = watchEventLoop()
      await sleep(phaseMs)
      loop.mark('baseline')
      const before = sampleResources(emitters)
      // The full collection of the sample is no phase's work.
      loop.mark(undefined)
      phases.enter('under attack')
      const attackFrom = clock.now()
      hostileClients.start()
      await sleep(phaseMs)
      const hostile = await hostileClients.stop()
      loop.mark('under attack')
      phases.enter('after')
      await sleep(phaseMs)
      loop.mark('after')
      const loopDelays = loop.stop()
      const closesBeforeEnd = subscriberCloses
      await load.stop()
      await Promise.all(subscribers.map((client) => client.close()))
      const loadEndedAt = clock.now()
      let after = sampleResources(emitters)
      while (
        handleCount(after) > handleCount(idleBaseline) + HANDLE_TOLERANCE &&
        clock.now() < loadEndedAt + SETTLE_MS
      ) {
        await new Promise((resolve) => setTimeout(resolve, 1_000))
        after = sampleResources(emitters)
      }
      const settledMs = clock.now() - loadEndedAt
      const endedAt = clock.now()
      const attackTo = phases.startOf('after')
      const wsHeads = [...heads.values()]
      const wsGaps = wsHeads.flatMap((seen, client) =>
        seen
          .slice(1)
          .flatMap((head, k) =>
            head.number === seen[k]!.number + 1
              ? []
              : [`subscriber ${client}: head ${seen[k]!.number} then ${head.number}`],
          ),
      )
      const slowWs = hostile.slowWsReaders

      const events = load.events.filter((event) => event.phase !== 'warm-up')
      const sentKinds = Object.entries(hostile.sent)
      const verdicts = [
        everyRequestSucceeded(events),
        exactIds(events),
        noneHangs(events, REQUEST_DEADLINE_MS + SLACK_MS),
        p99WithinBaseline(events, { baselinePhase: 'baseline', ...P99_INVARIANT }),
        noHealthChanges(upstream, { from: attackFrom, to: endedAt }),
        memoryReturned(before.heapUsedBytes, after.heapUsedBytes, HEAP_TOLERANCE_BYTES),
        verdict(
          `RSS back within ${RSS_TOLERANCE_BYTES / 1_048_576} MB of its baseline`,
          `${mb(before.rssBytes)} → ${mb(after.rssBytes)}`,
          after.rssBytes - before.rssBytes > RSS_TOLERANCE_BYTES
            ? [`grew by ${mb(after.rssBytes - before.rssBytes)}`]
            : [],
        ),
        handlesReturned(idleBaseline, after, HANDLE_TOLERANCE),
        listenersReturned(idleBaseline, after, before.listeners),
        verdict(
          `every WebSocket client that stopped reading was closed with 1008 after at most ${mb(SLOW_WS_BOUND_BYTES)}`,
          slowWs
            .map(
              (reader) =>
                `${mb(reader.receivedBytes)} of ${mb(reader.askedBytes)} asked, ${reader.ending}${reader.closeCode === undefined ? '' : ` ${reader.closeCode}`}`,
            )
            .join('; '),
          slowWs.flatMap((reader, index) => [
            ...(reader.upgraded ? [] : [`reader ${index}: no 101 handshake`]),
            ...(reader.closeCode === 1008
              ? []
              : [`reader ${index}: ${reader.ending}, close code ${reader.closeCode ?? 'none'}`]),
            ...(reader.receivedBytes > SLOW_WS_BOUND_BYTES
              ? [`reader ${index}: sent ${mb(reader.receivedBytes)}`]
              : []),
          ]),
        ),
        verdict(
          'well-behaved WebSocket subscribers kept their subscription: every head in order, heads during the attack',
          wsHeads
            .map(
              (seen) =>
                `${seen.length} heads, ${seen.filter((head) => head.at >= attackFrom && head.at < attackTo).length} during the attack`,
            )
            .join('; '),
          [
            ...(closesBeforeEnd > 0 ? [`${closesBeforeEnd} closed by the server`] : []),
            ...wsGaps,
            ...wsHeads.flatMap((seen, client) =>
              seen.some((head) => head.at >= attackFrom && head.at < attackTo)
                ? []
                : [`subscriber ${client}: no head during the attack`],
            ),
          ],
        ),
        verdict(
          'every kind of hostile client ran',
          sentKinds.map(([kind, count]) => `${kind} ${count}`).join(', '),
          sentKinds.filter(([, count]) => count === 0).map(([kind]) => `${kind} sent nothing`),
        ),
      ]
      // "Unchanged p99" (2×) is reported, not asserted: on a 2-core machine the attack's own work (a
      // thousand pipelined full-block reads, parsing huge bodies) takes CPU from the normal requests.
      const targets = [p99WithinBaseline(events, { baselinePhase: 'baseline', ...P99_TARGET })]
      return {
        targets,
        rows: summarise(
          events,
          phases.list.map((phase) => phase.name).filter((phase) => phase !== 'warm-up'),
        ),
        verdicts,
        notes: [
          `3 providers; 8 normal clients, one request per 100 ms each; ${phaseMs / 1_000} s per phase; the table counts normal requests only.`,
          `Hostile (sent): ${sentKinds.map(([kind, count]) => `${kind} ${count}`).join(', ')}; answers: ${JSON.stringify(hostile.statuses)} (0: no answer, the connection refused or cut). The hostile clients connect from ${HOSTILE_ADDRESS}, the normal ones from 127.0.0.1, as from two hosts: the server's per-IP connection cap (\`http.maxConnectionsPerIp\`, 256 by default) refuses the attacker's sockets past it and never the normal clients'.`,
          `Slow WebSocket reader(s): ${slowWs.length}; each subscribes to newHeads and logs, then over three quarters of the attack sends ${mb(slowWs[0]?.askedBytes ?? 0)} worth of refused calls (in messages of 20 calls, each answer echoing a ~5 KB id) and reads nothing until 2 s after its last message (or the attack's end, if sooner), when it reads what it was sent, up to the server's close frame. 2 well-behaved WebSocket subscribers (newHeads) run throughout.`,
          'The hostile clients run in their own process; the server, the recording fronts and the normal clients share one, the devnet has its own.',
          `That shared process, by phase: event-loop delay p99 / max, CPU time per wall-clock time: ${loopDelays.map(({ phase, p99Ms, maxMs, cpuShare }) => `${phase} ${p99Ms.toFixed(0)} / ${maxMs.toFixed(0)} ms, ${(cpuShare * 100).toFixed(0)} %`).join('; ')}.`,
          `The hostile process used ${(hostile.cpuMs / 1_000).toFixed(1)} s of CPU over the ${phaseMs / 1_000} s attack (its stop included), on a machine of ${availableParallelism()} cores.`,
          `Slowest normal requests under attack (sent at, from the attack's start: duration, method, provider): ${slowestUnderAttack(
            events,
            attackFrom,
          )}.`,
          ...(kinds ? [`Diagnosis run: only ${kinds.join(', ')} (CHAOS_HOSTILE_KINDS).`] : []),
          `Memory (this process, after a full collection): live heap ${mb(before.heapUsedBytes)} at the end of the baseline → ${mb(after.heapUsedBytes)} after; RSS ${mb(before.rssBytes)} → ${mb(after.rssBytes)}. Handles: ${handleCount(idleBaseline)} idle before the load, ${handleCount(before)} under normal load, ${handleCount(after)} ${Math.round(settledMs / 1_000)} s after the load stopped.`,
        ],
        history: { clients: events, upstream, phases: phases.list, endedAt },
      }
    } finally {
      await Promise.all(subscribers.map((client) => client.close()))
      await stage.stop()
    }
  },
}
