import { readFile } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { createProviderPool } from '@chainpulse/core'
import { neutralPersonality, type PersonalityPatch } from '@chainpulse/devnet'
import type { DevnetProcess } from '@chainpulse/devnet/testing'
import { createUndiciFetch, parseConfigText } from '@chainpulse/server'
import { type BenchRow, type BenchSuite, formatNumber } from '../suite.js'
import {
  type BenchClient,
  type BenchProvider,
  countCall,
  createEthersFallback,
  createPlainFetch,
  createViemFallback,
  ethersFallbackName,
  expectZero,
  viemFallbackName,
} from './peer-clients.js'
import { type ComparisonOutcome, outcomeNotes, roleOf, spawnComparisonDevnet } from './peer-comparison.js'
import {
  addressFor,
  formatMs,
  formatPercent,
  type LoadResult,
  mergeLoad,
  percentile,
  runLoad,
} from './pool-bench-kit.js'

const CONCURRENCY = 4
/** Every subject gets the same warm-up: this long of the same traffic, alone, before the counted reads. */
const WARMUP_MS = 3_000
/** Reads per subject per turn; subjects take turns (A, B, C, A, B, C, …) until the timeline ends. */
const READS_PER_TURN = 30
/** A turn that has not finished its reads by then is cut off (its row says so). */
const TURN_DEADLINE_MS = 10_000
const SEED = 7
const BLOCK_TIME_MS = 250
const STALL = { stallMinMs: 200, stallMaxMs: 800 }

const TARGET = { success: 1, p99Share: 0.25, upstreamPerRead: 1.1 }

/**
 * Three providers with a heavy tail, listed to every client in this order. Their pushes come as far
 * behind as their answers (a provider 20 ms away is 20 ms away for both).
 */
const SCENARIO = [
  {
    id: 'ethereum-alpha',
    role: 'alpha',
    personality: { latencyMs: 20, jitterMs: 5, stallRate: 0.02, wsDelayMs: 20, wsJitterMs: 5 },
  },
  {
    id: 'ethereum-bravo',
    role: 'bravo',
    personality: { latencyMs: 35, jitterMs: 8, stallRate: 0.01, wsDelayMs: 35, wsJitterMs: 8 },
  },
  {
    id: 'ethereum-charlie',
    role: 'charlie',
    personality: { latencyMs: 50, jitterMs: 10, stallRate: 0.03, wsDelayMs: 50, wsJitterMs: 10 },
  },
] as const

/**
 * How a provider degrades during its shift: it serves four times slower and stalls three times as often;
 * its pushes keep their pace (its node still follows the chain; its request path is what suffers).
 */
function degraded(personality: (typeof SCENARIO)[number]['personality']): PersonalityPatch {
  return {
    latencyMs: personality.latencyMs * 4,
    jitterMs: personality.jitterMs * 4,
    stallRate: personality.stallRate * 3,
  }
}

/** The quality shifts, from the start of the counted reads: the best degrades for 20 s, then the next best. */
const PHASES = [
  { name: 'calm', untilS: 15, degraded: undefined },
  { name: 'alpha degraded', untilS: 35, degraded: 0 },
  { name: 'bravo degraded', untilS: 55, degraded: 1 },
  { name: 'calm again', untilS: 70, degraded: undefined },
] as const

interface Subject {
  name: string
  kind: 'chainpulse' | 'variant' | 'peer' | 'reference'
  create(providers: readonly BenchProvider[]): Promise<BenchClient>
}

/**
 * The `pool` section of the documented production example (examples/real-providers/chainpulse.yaml), as
 * `chainpulse serve` loads it, with its chains and providers swapped for the devnet's.
 */
async function productionPoolOptions() {
  const path = new URL('../../../examples/real-providers/chainpulse.yaml', import.meta.url)
  const { config } = parseConfigText(await readFile(path, 'utf8'), {
    source: 'examples/real-providers/chainpulse.yaml',
    env: { INFURA_API_KEY: 'bench', ALCHEMY_API_KEY: 'bench' },
  })
  const { chains: _chains, providers: _providers, ...knobs } = config.pool
  return knobs
}

/**
 * ChainPulse as its production example configures it; `strategy` overrides the file's for the
 * informative variant row (not the one the target is about).
 */
function chainPulse(strategy?: 'leaderboard'): Subject {
  return {
    name: strategy
      ? `ChainPulse pool, the same but strategy ${strategy} (for comparison; not the configured one)`
      : 'ChainPulse pool (examples/real-providers/chainpulse.yaml: fastest, hedge maxHedges 1)',
    kind: strategy ? 'variant' : 'chainpulse',
    async create(providers) {
      const knobs = { ...(await productionPoolOptions()), ...(strategy ? { strategy } : {}) }
      const sent = providers.map(() => 0)
      // The upstream fetch `chainpulse serve` uses, counted.
      const upstreamFetch = createUndiciFetch()
      const pool = createProviderPool({
        ...knobs,
        chains: [{ name: 'ethereum', chainId: 1, blockTimeMs: BLOCK_TIME_MS }],
        providers: providers.map(({ id, httpUrl, wsUrl }) => ({ id, chain: 'ethereum', httpUrl, wsUrl })),
        fetch: (url, init) => {
          countCall(
            sent,
            providers.findIndex((provider) => provider.httpUrl === url),
          )
          return upstreamFetch(url, init)
        },
      })
      let attempts = 0
      let reads = 0
      return {
        sent,
        async read(address) {
          const answer = await pool.request({
            chain: 'ethereum',
            method: 'eth_getBalance',
            params: [address, 'latest'],
          })
          attempts += answer.attempts
          reads++
          expectZero(answer.result)
        },
        close: () => pool.close(),
        describe: () =>
          `${formatNumber(attempts / Math.max(1, reads), 3)} attempts per successful read (the pool's own count, warm-up included; a hedge is an attempt); breakers at the end: ${pool
            .providers('ethereum')
            .map((provider) => `${role(provider.id)} ${provider.breaker}`)
            .join(
              ', ',
            )}; recent eth_getBalance p95 / median of the last 8 calls at the end (the hedge delay is the p95 kept between the median and 3× the median, then between 50 ms and 2 s): ${pool
            .providers('ethereum')
            .map((provider) => {
              const recent = pool.store.recent('ethereum', provider.id, 'eth_getBalance')
              return `${role(provider.id)} ${formatMs(recent?.p95Ms ?? Number.NaN)} / ${formatMs(recent?.medianMs ?? Number.NaN)}`
            })
            .join(', ')}`,
      }
    },
  }
}

const viemSubject: Subject = {
  name: viemFallbackName,
  kind: 'peer',
  create: async (providers) => createViemFallback(providers),
}

const ethersSubject: Subject = {
  name: ethersFallbackName,
  kind: 'peer',
  create: async (providers) => createEthersFallback(providers),
}

const referenceSubject: Subject = {
  name: 'reference: plain fetch to alpha only (one provider, no routing)',
  kind: 'reference',
  async create(providers) {
    return createPlainFetch(providers[0]!.httpUrl, 0, providers.length)
  },
}

function role(providerId: string): string {
  return roleOf(SCENARIO, providerId)
}

interface ProviderCounters {
  requests: number
  stalls: number
}

/** Requests and stalls each scenario provider has counted so far, from the devnet's control API. */
async function devnetCounters(devnet: DevnetProcess): Promise<ProviderCounters[]> {
  const response = await fetch(`${devnet.manifest.controlUrl}/providers`)
  const listed = (await response.json()) as { id: string; stats: ProviderCounters }[]
  return SCENARIO.map(({ id }) => {
    const provider = listed.find((candidate) => candidate.id === id)
    if (!provider) throw new Error(`devnet has no provider ${id}`)
    return { requests: provider.stats.requests, stalls: provider.stats.stalls }
  })
}

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0)

interface Outcome extends ComparisonOutcome<Subject> {
  client?: BenchClient
  /** Counted reads by phase name. */
  byPhase: Map<string, LoadResult>
  /** Requests the devnet's providers received during the subject's turns, less the other clients' own. */
  upstream: number[]
}

/**
 * One chain, three providers with heavy tails (1–3 % of answers stall 200–800 ms) whose quality shifts
 * (the best degrades for 20 s, then the next), on a real devnet in its own process; the same reads
 * through ChainPulse as its production example configures it, viem's ranked fallback and ethers'
 * FallbackProvider, in interleaved turns.
 */
export const peerTailsSuite: BenchSuite = {
  id: 'peer-tails',
  title: 'Peer comparison on realistic tails: stalls and quality shifts, ChainPulse vs viem vs ethers',
  async run() {
    const { devnet, providers } = await spawnComparisonDevnet(SCENARIO, {
      blockTimeMs: BLOCK_TIME_MS,
      seed: SEED,
    })
    const subjects = [chainPulse(), viemSubject, ethersSubject, referenceSubject, chainPulse('leaderboard')]
    const outcomes: Outcome[] = subjects.map((subject) => ({
      subject,
      byPhase: new Map(),
      upstream: SCENARIO.map(() => 0),
    }))
    const calm = async () => {
      for (const { id, personality } of SCENARIO)
        await devnet.set(id, { ...neutralPersonality, ...STALL, ...personality })
    }
    let nextAddress = 0
    const reader = (client: BenchClient) => () => client.read(addressFor(nextAddress++))
    let rounds = 0
    let counted: { requests: number; stalls: number } = { requests: 0, stalls: 0 }
    const loadAtStart = formatNumber(loadavg()[0]!, 1)
    const started = performance.now()
    try {
      await calm()
      for (const outcome of outcomes) {
        try {
          outcome.client = await outcome.subject.create(providers)
          await runLoad(reader(outcome.client), Number.POSITIVE_INFINITY, CONCURRENCY, WARMUP_MS)
        } catch (error) {
          outcome.error = error instanceof Error ? error.message : String(error)
        }
      }
      const live = outcomes.filter((outcome) => outcome.client && outcome.error === undefined)
      const countersAtStart = await devnetCounters(devnet)
      const timelineStart = performance.now()
      let phaseIndex = 0
      // Turns in rounds (A, B, C, A, B, C, …), the order rotating each round, so each phase and any
      // drift on a busy machine fall on every subject alike. Shifts take effect between rounds, so every
      // subject gets the same number of turns in each phase.
      for (;;) {
        const elapsedS = (performance.now() - timelineStart) / 1000
        while (phaseIndex < PHASES.length && elapsedS >= PHASES[phaseIndex]!.untilS) {
          phaseIndex++
          if (phaseIndex === PHASES.length) break
          await calm()
          const shifted = PHASES[phaseIndex]!.degraded
          if (shifted !== undefined)
            await devnet.set(SCENARIO[shifted].id, degraded(SCENARIO[shifted].personality))
        }
        if (phaseIndex === PHASES.length) break
        const phase = PHASES[phaseIndex]!
        for (let offset = 0; offset < live.length; offset++) {
          const outcome = live[(rounds + offset) % live.length]!
          const client = outcome.client!
          const others = live.filter((other) => other !== outcome)
          const sentBefore = others.map((other) => [...other.client!.sent])
          const countersBefore = await devnetCounters(devnet)
          const load = await runLoad(reader(client), READS_PER_TURN, CONCURRENCY, TURN_DEADLINE_MS)
          const countersAfter = await devnetCounters(devnet)
          outcome.load = mergeLoad(outcome.load, load)
          outcome.byPhase.set(phase.name, mergeLoad(outcome.byPhase.get(phase.name), load))
          for (const index of SCENARIO.keys()) {
            // What the idle clients sent meanwhile (viem's ranking pings, ChainPulse's health probes)
            // reached the same providers: it is theirs, not this subject's.
            const background = sum(
              others.map((other, o) => other.client!.sent[index]! - sentBefore[o]![index]!),
            )
            outcome.upstream[index]! +=
              countersAfter[index]!.requests - countersBefore[index]!.requests - background
          }
        }
        rounds++
      }
      const countersAtEnd = await devnetCounters(devnet)
      counted = {
        requests: sum(countersAtEnd.map((c, i) => c.requests - countersAtStart[i]!.requests)),
        stalls: sum(countersAtEnd.map((c, i) => c.stalls - countersAtStart[i]!.stalls)),
      }
      for (const outcome of outcomes) outcome.detail = outcome.client?.describe?.()
    } finally {
      for (const outcome of outcomes) await outcome.client?.close().catch(() => {})
      await devnet.stop()
    }
    const elapsedS = (performance.now() - started) / 1000

    const p99Of = (load: LoadResult | undefined) => (load ? percentile(load.latencies, 99) : Number.NaN)
    const perRead = (outcome: Outcome) => sum(outcome.upstream) / (outcome.load?.completed ?? Number.NaN)
    const successOf = (load: LoadResult) => (load.completed - load.failures) / load.completed
    const rows = outcomes.map((outcome): BenchRow => {
      const { load } = outcome
      if (!load || outcome.error !== undefined)
        return { subject: outcome.subject.name, figures: { success: `error: ${outcome.error}` } }
      return {
        subject: outcome.subject.name,
        figures: {
          reads: `${formatNumber(load.completed)}${load.timedOut ? ' (cut off)' : ''}`,
          success: formatPercent(successOf(load)),
          p50: formatMs(percentile(load.latencies, 50)),
          p99: formatMs(p99Of(load)),
          max: formatMs(Math.max(...load.latencies)),
          'upstream calls per read': formatNumber(perRead(outcome), 3),
          'p99 by phase (calm / alpha degraded / bravo degraded / calm again)': PHASES.map(({ name }) =>
            formatMs(p99Of(outcome.byPhase.get(name))),
          ).join(' / '),
          'calls to alpha / bravo / charlie': outcome.upstream
            .map((count) => formatNumber(count))
            .join(' / '),
        },
      }
    })

    const primary = outcomes[0]!
    const peers = outcomes.filter((outcome) => outcome.subject.kind === 'peer' && outcome.load)
    const bestPeerP99 = Math.min(...peers.map((peer) => p99Of(peer.load)))
    const bestPeer = peers.find((peer) => p99Of(peer.load) === bestPeerP99)
    const reference = outcomes.find((outcome) => outcome.subject.kind === 'reference')
    const variant = outcomes.find((outcome) => outcome.subject.kind === 'variant')
    const primaryP99 = p99Of(primary.load)
    const checks = primary.load
      ? {
          success: successOf(primary.load) >= TARGET.success && !primary.load.timedOut,
          p99: primaryP99 <= TARGET.p99Share * bestPeerP99,
          upstream: perRead(primary) <= TARGET.upstreamPerRead,
        }
      : { success: false, p99: false, upstream: false }
    const verdict = (ok: boolean) => (ok ? 'met' : '**not met**')

    return {
      rows,
      target: `ChainPulse: ${formatPercent(TARGET.success)} success (${verdict(checks.success)}), p99 ≤ ${TARGET.p99Share}× the best peer's (best peer p99 ${formatMs(bestPeerP99)}, so ≤ ${formatMs(TARGET.p99Share * bestPeerP99)}; measured ${formatMs(primaryP99)}, ${formatNumber(primaryP99 / bestPeerP99, 2)}×: ${verdict(checks.p99)}), ≤ ${TARGET.upstreamPerRead} upstream calls per read (measured ${formatNumber(perRead(primary), 3)}: ${verdict(checks.upstream)})`,
      met: checks.success && checks.p99 && checks.upstream,
      notes: [
        `Devnet (spawnDevnet, its own process; one anvil chain, ${BLOCK_TIME_MS} ms blocks, no background traffic, seed ${SEED}) with three simulated providers, listed to every client in this order: ${SCENARIO.map(
          ({ role, personality }) =>
            `${role} (latencyMs ${personality.latencyMs}, jitterMs ${personality.jitterMs}, stallRate ${formatPercent(personality.stallRate)})`,
        ).join(
          ', ',
        )}. A stall holds an answer back a further ${STALL.stallMinMs}–${STALL.stallMaxMs} ms (uniform), drawn by the devnet's seeded fault plan. WebSocket pushes (newHeads, which ChainPulse's leaderboard races) come as far behind as each provider's answers (wsDelayMs and wsJitterMs = latencyMs and jitterMs).`,
        `Quality shifts, from the first counted read: ${PHASES.map(({ name, untilS }) => `${name} until ${untilS} s`).join(', ')}. A degraded provider is four times slower (latencyMs and jitterMs ×4) and stalls three times as often; the other two keep their calm personality. Shifts take effect between rounds (every subject gets the same turns in each phase). The devnet stalled ${formatNumber(counted.stalls)} of the ${formatNumber(counted.requests)} requests it received during the counted turns (${formatPercent(counted.stalls / Math.max(1, counted.requests))}).`,
        `Each read: eth_getBalance(address, "latest") of a different address every call (no client-side cache or de-duplication can answer it; every answer is checked to be 0). ${CONCURRENCY} reads in flight, closed loop. Every client is built first and gets ${WARMUP_MS / 1000} s of the same traffic alone as warm-up; then the subjects take turns of ${READS_PER_TURN} reads (A, B, C, D, E, then B, C, D, E, A, …: the order rotates each round), each alone on the devnet during its turn, until the timeline ends (${formatNumber(rounds)} rounds). p50/p99/max are over every counted read, failed ones included.`,
        "Upstream calls are counted at the devnet's providers (their request counters, read from the control API before and after each turn), less what the other, idle clients' own hooks saw them send meanwhile (viem's ranking pings, ChainPulse's health probes), so hedges, failovers, retries and a subject's own pings and probes all count; ChainPulse's WebSocket subscriptions are messages to the providers too and count when they happen in its turns.",
        "ChainPulse: createProviderPool with the `pool` section of examples/real-providers/chainpulse.yaml as `chainpulse serve` parses it (strategy fastest, hedge { maxHedges: 1 } with the default delay — the provider's recent p95 for the method kept between the median of its last 8 calls and 3× that median —, requestTimeoutMs 5000, every other knob at its default), the devnet's chain and providers (httpUrl + wsUrl) in place of the file's, and the server's undici fetch. viem: createPublicClient over fallback of three http() transports with rank: true defaults (net_listening ping every 4 s, 10 samples, weights latency 0.3 / stability 0.7). ethers: FallbackProvider with quorum 1, equal priority and weight, stallTimeout 400 ms, static network.",
        `ChainPulse p99 relative to each peer: ${peers
          .map(
            (peer) => `${formatNumber(primaryP99 / p99Of(peer.load), 2)}× ${peer.subject.name.split(' ')[0]}`,
          )
          .join(', ')}${
          reference?.load
            ? `; relative to alpha alone (reference row): ${formatNumber(primaryP99 / p99Of(reference.load), 2)}×`
            : ''
        }.${bestPeer ? ` The best peer is ${bestPeer.subject.name.split(' ')[0]}.` : ''}`,
        `What limits ChainPulse here. (1) A stall lasts at least ${STALL.stallMinMs} ms, so a client that sends each read once has a p99 of a stall as soon as more than 1 % of its reads meet one (the peers, and alpha alone); ChainPulse's hedge rescues a stalled read, but only after the first provider's hedge delay — its recent p95 for the method kept between the median of its last 8 calls and 3× that median, so a stall-heavy tail cannot push it into the stalls (50 ms at least; the figures at the end of the run are in its note below) — plus the second provider's answer. With 1–6 % of first attempts stalling, more than 1 % of reads are such rescues, so its p99 is about that sum, not a healthy read's time. (2) The configured strategy, fastest, ranks by the median of each provider's last 8 answers, so it leaves a degraded provider within a few of its calls, and sends one decision in 20 to the least-sampled runner-up, so a recovered provider wins its place back; ChainPulse's p99 by phase is ${PHASES.map(({ name }) => formatMs(p99Of(primary.byPhase.get(name)))).join(' / ')}. ${variant?.load ? `The same configuration with strategy leaderboard, which ranks by who pushes new heads first (a provider whose request path degrades while its node keeps up still wins those races, so it stays first through its shift), had p99 ${formatMs(p99Of(variant.load))} (${formatNumber(p99Of(variant.load) / bestPeerP99, 2)}× the best peer), and sent ${formatNumber(variant.upstream[0]!)} of its upstream calls to alpha. ` : ''}(3) The machine: 2 cores shared with other work (load average ${loadAtStart} at the start, ${formatNumber(loadavg()[0]!, 1)} at the end); reads through every client take longer than the providers' configured latency (alpha alone: p50 ${reference?.load ? formatMs(percentile(reference.load.latencies, 50)) : '–'} for a 20 ms provider), and a phase's p99 rests on about ${formatNumber((primary.load?.completed ?? 0) / PHASES.length)} reads per subject (its 2nd–3rd slowest).`,
        ...outcomeNotes(outcomes),
        `Whole suite: ${formatNumber(elapsedS, 1)} s, devnet start and stop included.`,
      ],
    }
  },
}
