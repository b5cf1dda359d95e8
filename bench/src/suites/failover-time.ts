import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FetchLike, ProviderPool, ProviderPoolOptions } from '@chainpulse/core'
import { createProviderPool } from '@chainpulse/core'
import { neutralPersonality } from '@chainpulse/devnet'
import { spawnDevnet } from '@chainpulse/devnet/testing'
import { createUndiciFetch } from '@chainpulse/server'
import { type BenchRow, type BenchSuite, formatNumber } from '../suite.js'
import { formatMs, percentile, rpcBody, startLoopbackUpstream } from './pool-bench-kit.js'

const DEAD = 'ethereum-alpha'
const HEALTHY = 'ethereum-bravo'
/** Per-attempt timeout for the hang scenario, for the pool and the naive loop alike. */
const ATTEMPT_TIMEOUT_MS = 200
const HEDGE_DELAY_MS = 50
const KILLED = { warmup: 50, measured: 300 }
const HUNG = { warmup: 3, measured: 40 }
const TARGET_KILLED_MS = 5
/** The pool's own part of a hang's failover beyond a plain wait-then-ask (its switch measures ≈ 0.3 ms). */
const TARGET_HANG_SLACK_MS = 2
const UNDICI_POOL =
  'ChainPulse pool over createUndiciFetch, as `chainpulse serve` runs it (priority, breaker kept closed)'

/** Instants of the request in flight (requests run one at a time), set by instrumented fetches. */
interface Marks {
  /** When the first provider's attempt failed (its fetch rejected). */
  failedAt: number
  /** When the next provider's fetch was called. */
  nextSentAt: number
}

/** Where the failing provider (A, first in the order) and the healthy one (B) answer. */
interface Endpoints {
  dead: string
  healthy: string
}

/** One way of making a request that must fail over from the dead/hung provider to the healthy one. */
interface Subject {
  name: string
  /** Sends one eth_chainId; resolves when answered; sets `marks` through its fetch. */
  request(marks: Marks): Promise<void>
  /** Whether this request failed over (for subjects that may skip the dead provider). */
  failedOver?: () => boolean
  close(): Promise<void>
}

interface Sample {
  total: number
  detect: number
  switch: number
  failover: number
  failedOver: boolean
}

function expectChainId(result: unknown): void {
  if (result !== '0x1') throw new Error(`unexpected eth_chainId answer ${String(result)}`)
}

async function post(url: string, id: number, signal?: AbortSignal): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: rpcBody(id, 'eth_chainId'),
    ...(signal ? { signal } : {}),
  })
  if (!response.ok) throw new Error(`HTTP ${response.status}`)
  return ((await response.json()) as { result?: unknown }).result
}

/**
 * A pool over the two providers, dead one first (strategy `priority`), with its fetch instrumented:
 * the global `fetch` (as a library user gets by default) or `createUndiciFetch` (as `chainpulse serve`
 * runs it).
 */
function poolSubject(
  name: string,
  { dead, healthy }: Endpoints,
  current: { marks: Marks },
  options: Partial<ProviderPoolOptions>,
  upstreamFetch: FetchLike & { close?: () => Promise<void> } = (url, init) => fetch(url, init),
): Subject {
  let lastAttempts = 0
  let lastFailoverCount = Number.NaN
  const pool: ProviderPool = createProviderPool({
    chains: [{ name: 'ethereum', chainId: 1 }],
    providers: [
      { id: DEAD, chain: 'ethereum', httpUrl: dead, priority: 0 },
      { id: HEALTHY, chain: 'ethereum', httpUrl: healthy, priority: 1 },
    ],
    strategy: 'priority',
    racing: false,
    // No head polls during the run: every call the dead provider gets is one of ours.
    headPollIntervalMs: 600_000,
    fetch: Object.assign(
      async (url: string, init: RequestInit) => {
        if (url !== dead) {
          current.marks.nextSentAt = performance.now()
          return upstreamFetch(url, init)
        }
        try {
          return await upstreamFetch(url, init)
        } catch (error) {
          current.marks.failedAt = performance.now()
          throw error
        }
      },
      // The instrumented wrapper keeps the deadline where the wrapped fetch keeps it.
      { enforcesTimeout: upstreamFetch.enforcesTimeout ?? false },
    ),
    ...options,
  })
  // Published synchronously before the request settles: each answer is checked against its decision.
  pool.pubsub.subscribe('routing:decisions', (decision) => {
    lastFailoverCount = decision.failoverCount
  })
  return {
    name,
    async request() {
      const answer = await pool.request({ chain: 'ethereum', method: 'eth_chainId' })
      if (answer.providerId !== HEALTHY) throw new Error(`answered by ${answer.providerId}`)
      lastAttempts = answer.attempts
      if (lastFailoverCount !== answer.attempts - 1)
        throw new Error(
          `routing:decisions said ${lastFailoverCount} failovers for ${answer.attempts} attempts`,
        )
      expectChainId(answer.result)
    },
    failedOver: () => lastAttempts > 1,
    close: async () => {
      await pool.close()
      await upstreamFetch.close?.()
    },
  }
}

/** The naive loop: try the dead provider with fetch; on any error (or the timeout), try the next. */
function naiveSubject({ dead, healthy }: Endpoints, timeoutMs: number): Subject {
  let id = 1
  return {
    name: `baseline: naive loop (fetch A; on error or ${timeoutMs} ms timeout, fetch B)`,
    async request(marks) {
      try {
        expectChainId(await post(dead, id++, AbortSignal.timeout(timeoutMs)))
        throw new Error('the dead provider answered')
      } catch (error) {
        if (error instanceof Error && error.message === 'the dead provider answered') throw error
        marks.failedAt = performance.now()
      }
      marks.nextSentAt = performance.now()
      expectChainId(await post(healthy, id++))
    },
    failedOver: () => true,
    close: async () => {},
  }
}

function referenceSubject({ healthy }: Endpoints): Subject {
  let id = 1
  return {
    name: 'reference: plain fetch to the healthy provider alone (the second hop’s own cost)',
    async request() {
      expectChainId(await post(healthy, id++))
    },
    failedOver: () => false,
    close: async () => {},
  }
}

/**
 * B's own round trip after the same idle wait as a hung attempt: a loopback round trip right after the
 * process sat idle costs more than one in a busy loop (measured here: about 2× at p50), so this, not the
 * busy reference, is the floor of what follows a timeout.
 */
function idleReferenceSubject({ healthy }: Endpoints, idleMs: number): Subject {
  let id = 1
  return {
    name: `reference: idle ${idleMs} ms, then plain fetch to the healthy provider (the second hop’s own cost after the same wait)`,
    async request(marks) {
      await new Promise((resolve) => setTimeout(resolve, idleMs))
      marks.failedAt = performance.now()
      marks.nextSentAt = marks.failedAt
      expectChainId(await post(healthy, id++))
    },
    failedOver: () => true,
    close: async () => {},
  }
}

/** Runs the subjects' requests one at a time, interleaved (so drift falls on all alike). */
async function measure(
  subjects: Subject[],
  current: { marks: Marks },
  counts: { warmup: number; measured: number },
): Promise<Sample[][]> {
  const samples = subjects.map(() => [] as Sample[])
  for (let round = 0; round < counts.warmup + counts.measured; round++) {
    for (const [index, subject] of subjects.entries()) {
      const marks: Marks = { failedAt: Number.NaN, nextSentAt: Number.NaN }
      current.marks = marks
      const start = performance.now()
      await subject.request(marks)
      const end = performance.now()
      if (round < counts.warmup) continue
      samples[index]!.push({
        total: end - start,
        detect: marks.failedAt - start,
        switch: marks.nextSentAt - marks.failedAt,
        failover: end - marks.failedAt,
        failedOver: subject.failedOver?.() ?? false,
      })
    }
  }
  return samples
}

function row(scenario: string, subject: Subject, samples: Sample[]): BenchRow {
  const failedOver = samples.filter((sample) => sample.failedOver)
  const of = (key: keyof Omit<Sample, 'failedOver'>, p: number) =>
    failedOver.length
      ? formatMs(
          percentile(
            failedOver.map((sample) => sample[key]),
            p,
          ),
        )
      : '–'
  return {
    subject: `${scenario}: ${subject.name}`,
    figures: {
      requests: formatNumber(samples.length),
      'failed over': formatNumber(failedOver.length),
      'failure seen after (p50)': of('detect', 50),
      'failure → next sent (p50 / p99)': failedOver.length
        ? `${of('switch', 50)} / ${of('switch', 99)}`
        : '–',
      'failure → answer (p50 / p99)': failedOver.length
        ? `${of('failover', 50)} / ${of('failover', 99)}`
        : '–',
      'total (p50 / p99)': `${formatMs(
        percentile(
          samples.map((sample) => sample.total),
          50,
        ),
      )} / ${formatMs(
        percentile(
          samples.map((sample) => sample.total),
          99,
        ),
      )}`,
    },
  }
}

/** A port nothing listens on (bound, then closed): connecting to it is refused at once, as to a dead node. */
async function refusedUrl(): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return `http://127.0.0.1:${port}`
}

/** A server that accepts every request and never answers, as a hung node does. */
async function startHungServer(): Promise<{ server: Server; url: string }> {
  const server = createServer(() => {})
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

function closeServer(server: Server | undefined): Promise<unknown> {
  if (!server) return Promise.resolve()
  server.closeAllConnections()
  return new Promise((resolve) => server.close(resolve))
}

/**
 * Failover time for a killed provider (connection refused) and a hung one (accepts, never answers), first
 * in the order, with a healthy one behind it; measured twice: with B on a real devnet in its own process
 * (anvil behind it), and with B a minimal loopback server, so the failover's own cost shows without B's.
 */
export const failoverTimeSuite: BenchSuite = {
  id: 'failover-time',
  title: 'Failover time: killed and hung provider',
  async run() {
    const devnet = await spawnDevnet([
      '--chains',
      'ethereum',
      '--providers',
      '2',
      '--block-time',
      '1000',
      '--no-traffic',
      '--seed',
      '7',
    ])
    const loopback = await startLoopbackUpstream()
    const hungServer = await startHungServer()
    const current = { marks: { failedAt: Number.NaN, nextSentAt: Number.NaN } as Marks }
    const rows: BenchRow[] = []
    const subjects: Subject[] = []
    const figures = {
      killedDevnetP99: Number.NaN,
      killedLoopbackP99: Number.NaN,
      killedLoopbackGlobalFetchP99: Number.NaN,
      naiveLoopbackP99: Number.NaN,
      hungDevnetP99: Number.NaN,
      hungLoopbackP99: Number.NaN,
      hungLoopbackGlobalFetchP99: Number.NaN,
      idleReferenceTotalP99: Number.NaN,
      referenceDevnetP99: Number.NaN,
      referenceLoopbackP99: Number.NaN,
      switchP99: Number.NaN,
      defaultBreakerFailovers: 0,
    }
    const started = performance.now()
    const neverTrip = { breaker: { failureThreshold: 1_000_000 } }
    const timeout = { requestTimeoutMs: ATTEMPT_TIMEOUT_MS }
    const p99 = (samples: Sample[], key: keyof Omit<Sample, 'failedOver'>) =>
      percentile(
        samples.map((sample) => sample[key]),
        99,
      )
    try {
      for (const id of [DEAD, HEALTHY]) await devnet.set(id, neutralPersonality)
      await devnet.kill(DEAD)
      const url = (id: string) => devnet.manifest.providers.find((provider) => provider.id === id)!.httpUrl
      const onDevnet: Endpoints = { dead: url(DEAD), healthy: url(HEALTHY) }
      const onLoopback: Endpoints = { dead: await refusedUrl(), healthy: loopback.url }

      const killed = [
        poolSubject('ChainPulse pool (priority, breaker kept closed)', onDevnet, current, neverTrip),
        naiveSubject(onDevnet, ATTEMPT_TIMEOUT_MS),
        referenceSubject(onDevnet),
        poolSubject('ChainPulse pool (priority, default breaker)', onDevnet, current, {}),
      ]
      const killedOnLoopback = [
        poolSubject('ChainPulse pool (priority, breaker kept closed)', onLoopback, current, neverTrip),
        naiveSubject(onLoopback, ATTEMPT_TIMEOUT_MS),
        referenceSubject(onLoopback),
        poolSubject(UNDICI_POOL, onLoopback, current, neverTrip, createUndiciFetch()),
      ]
      subjects.push(...killed, ...killedOnLoopback)
      const killedSamples = await measure(killed, current, KILLED)
      for (const [index, subject] of killed.entries())
        rows.push(row('killed, devnet B', subject, killedSamples[index]!))
      const killedLoopbackSamples = await measure(killedOnLoopback, current, KILLED)
      for (const [index, subject] of killedOnLoopback.entries())
        rows.push(row('killed, loopback B', subject, killedLoopbackSamples[index]!))
      figures.killedDevnetP99 = p99(killedSamples[0]!, 'failover')
      figures.referenceDevnetP99 = p99(killedSamples[2]!, 'total')
      figures.switchP99 = p99(killedSamples[0]!, 'switch')
      figures.killedLoopbackP99 = p99(killedLoopbackSamples[3]!, 'failover')
      figures.killedLoopbackGlobalFetchP99 = p99(killedLoopbackSamples[0]!, 'failover')
      figures.naiveLoopbackP99 = p99(killedLoopbackSamples[1]!, 'failover')
      figures.referenceLoopbackP99 = p99(killedLoopbackSamples[2]!, 'total')
      // The default-breaker pool: how many of all its requests (warm-up included) still paid a failover.
      figures.defaultBreakerFailovers = killedSamples[3]!.filter((sample) => sample.failedOver).length

      await devnet.set(DEAD, { mode: 'hang' })
      const hungOnLoopback: Endpoints = { dead: hungServer.url, healthy: loopback.url }
      const poolName = `ChainPulse pool (priority, requestTimeoutMs ${ATTEMPT_TIMEOUT_MS}, breaker kept closed)`
      const hung = [
        poolSubject(poolName, onDevnet, current, { ...neverTrip, ...timeout }),
        naiveSubject(onDevnet, ATTEMPT_TIMEOUT_MS),
        poolSubject(
          `ChainPulse pool + hedge { delayMs: ${HEDGE_DELAY_MS} } (breaker kept closed)`,
          onDevnet,
          current,
          { ...neverTrip, ...timeout, hedge: { delayMs: HEDGE_DELAY_MS } },
        ),
        poolSubject(poolName, hungOnLoopback, current, { ...neverTrip, ...timeout }),
        poolSubject(
          UNDICI_POOL.replace(', breaker', `, requestTimeoutMs ${ATTEMPT_TIMEOUT_MS}, breaker`),
          hungOnLoopback,
          current,
          { ...neverTrip, ...timeout },
          createUndiciFetch(),
        ),
        idleReferenceSubject(hungOnLoopback, ATTEMPT_TIMEOUT_MS),
      ]
      subjects.push(...hung)
      const hungSamples = await measure(hung, current, HUNG)
      hung.forEach((subject, index) => {
        // A hedged request never sees its first attempt fail: the hedge answers and the hung one is
        // cancelled. Only its total time is meaningful.
        const samples =
          index === 2
            ? hungSamples[index]!.map((sample) => ({ ...sample, failedOver: false }))
            : hungSamples[index]!
        rows.push(row(index >= 3 ? 'hang, loopback B' : 'hang, devnet B', subject, samples))
      })
      figures.hungDevnetP99 = p99(hungSamples[0]!, 'total')
      figures.hungLoopbackP99 = p99(hungSamples[4]!, 'total')
      figures.idleReferenceTotalP99 = p99(hungSamples[5]!, 'total')
      figures.hungLoopbackGlobalFetchP99 = p99(hungSamples[3]!, 'total')
    } finally {
      for (const subject of subjects) await subject.close().catch(() => {})
      await devnet.stop()
      await closeServer(loopback.server)
      await closeServer(hungServer.server)
    }

    const elapsedS = (performance.now() - started) / 1000
    // Bounded by the attempt timeout: no slower than waiting out the timeout and then asking B, which the
    // idle reference does (same timer, same wake-up), plus the pool's own switch.
    const hangBound = figures.idleReferenceTotalP99 + TARGET_HANG_SLACK_MS
    const met = figures.killedLoopbackP99 < TARGET_KILLED_MS && figures.hungLoopbackP99 <= hangBound
    return {
      rows,
      target: `killed provider: < ${TARGET_KILLED_MS} ms from the failed attempt to the next provider's answer on loopback (p99 with a loopback B, over createUndiciFetch: ${formatMs(figures.killedLoopbackP99)}; over the global fetch: ${formatMs(figures.killedLoopbackGlobalFetchP99)}, naive fetch loop ${formatMs(figures.naiveLoopbackP99)}; with the devnet's B, anvil behind it: ${formatMs(figures.killedDevnetP99)}); hung provider: bounded by the attempt timeout, i.e. answered within what waiting out requestTimeoutMs ${ATTEMPT_TIMEOUT_MS} ms and then asking B takes (idle reference, p99 ${formatMs(figures.idleReferenceTotalP99)}) + ${TARGET_HANG_SLACK_MS} ms (p99 with a loopback B, over createUndiciFetch: ${formatMs(figures.hungLoopbackP99)}; over the global fetch: ${formatMs(figures.hungLoopbackGlobalFetchP99)}; devnet B: ${formatMs(figures.hungDevnetP99)})`,
      met,
      notes: [
        `Two setups. Devnet B: spawnDevnet in its own process (one anvil chain, 2 providers, neutral personalities); A is killed (mode down: connection refused) or hung (mode hang: accepts the request, never answers); B answers eth_chainId through anvil (devnet → anvil round trip). Loopback B: A is a closed port on 127.0.0.1 (refused) or a server that never answers; B is a minimal node:http JSON-RPC server in the benchmark process that answers at once. In both, A is first in the order (strategy priority: A priority 0, B priority 1); racing off, no head polls during the run.`,
        `Requests run one at a time, subjects of a setup interleaved request by request; killed: ${KILLED.measured} timed requests each after ${KILLED.warmup} warm-up; hang: ${HUNG.measured} each after ${HUNG.warmup}. Every answer is checked (eth_chainId 0x1, answered by B; for the pool, its routing:decisions event agreed with the attempts).`,
        'Instants come from instrumented fetches (the pool’s fetch option; the naive loop’s own code): "failure seen after" = request start → A’s fetch rejected (connect refused, or the attempt timeout’s abort); "failure → next sent" = that rejection → B’s fetch called (the pool’s own switching cost: error classification, breaker, metrics, strategy order); "failure → answer" adds B’s round trip. Percentiles are over requests that failed over.',
        '"Breaker kept closed" (failureThreshold 1,000,000) makes every request pay the failover, which is what is measured. With the default breaker (5 consecutive failures, then open for 10 s) the pool stops trying the dead provider: ' +
          `${figures.defaultBreakerFailovers} of its ${KILLED.measured} timed requests failed over (the 5 that opened it were in its warm-up), and its total is the healthy provider’s own cost.`,
        `The verdict uses the loopback setup, where B's own round trip is the floor (p99 ${formatMs(figures.referenceLoopbackP99)}, reference row): the issue asks for the failover time on loopback. With the devnet's B, B's own p99 was ${formatMs(figures.referenceDevnetP99)} (reference row) against ${formatMs(figures.switchP99)} p99 for the pool's own switch (failure → next sent): there that hop, not the failover, decides the figure.`,
        'Rows "over createUndiciFetch": the same pool with the fetch `chainpulse serve` injects (undici `request`, which keeps the attempt deadline itself). The verdict uses them. Over Node 20’s global fetch (the library’s default) the pool’s own switch is as fast, but a tail of several ms comes and goes from run to run in every global-fetch row, the plain reference without any failover included (five runs while this was written, p99: pool 0.9–6.9 ms, naive loop 0.7–2.2 ms, reference alone 1.3–8.0 ms), so it belongs to fetch and this VM, not to the failover; over createUndiciFetch the pool stayed within 0.7–1.1 ms.',
        `Hang: what follows the timeout is B's round trip after ${ATTEMPT_TIMEOUT_MS} ms of idling, which costs more than in a busy loop (this VM wakes slowly; idle reference row, "failure → answer"), and this VM's timers fire up to a few ms late after such a wait. The idle reference (a ${ATTEMPT_TIMEOUT_MS} ms timer, then a plain fetch to B, no failover) pays both; the hang's verdict compares the pool's total with it. With 40 requests per subject, the hang p99s are in effect the maxima.`,
        `Hedge row: after ${HEDGE_DELAY_MS} ms without an answer the read also goes to B and the first answer wins; the hung attempt is cancelled, so it has no "failure" instant.`,
        `Whole suite: ${formatNumber(elapsedS, 1)} s, devnet start and stop included.`,
      ],
    }
  },
}
