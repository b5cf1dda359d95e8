import { setTimeout as sleep } from 'node:timers/promises'
import { nodeCall, waitFor } from '@chainpulse/devnet/testing'
import {
  type CanonicalHistory,
  checkHeads,
  checkLogs,
  type Delivery,
  type DeliveryContext,
  type Head,
  type Log,
  liveLogKeys,
  type StreamCheck,
  toNumber,
} from '../invariants/chain-delivery.js'
import { everyRequestSucceeded, exactIds } from '../invariants/client-invariants.js'
import { quantile } from '../invariants/latency.js'
import { type Verdict, verdict } from '../invariants/verdict.js'
import { type FilterPoller, startFilterPoller } from '../load/filter-pollers.js'
import { connectSubscriber, type WsSubscriber } from '../load/ws-subscribers.js'
import { canonicalHistory, headsOfHashes, observeNode } from '../record/node-history.js'
import { createPhases } from '../record/phases.js'
import type { DeliveryRow, Profile, Scenario, ScenarioResult } from '../scenario.js'
import { devnetStats, reorgDevnetChain } from '../setup/devnet.js'
import { startStage } from '../setup/stage.js'
import { summarise } from '../summary.js'
import { CHAOS_POOL_KNOBS, REQUEST_DEADLINE_MS, SLACK_MS } from './pool-knobs.js'

const CHAIN = 'ethereum'
const BLOCK_TIME_MS = 1_000
const PROVIDERS = ['ethereum-alpha', 'ethereum-bravo', 'ethereum-charlie'] as const
/** Per subscription event, the chance a provider drops the socket instead (devnet `wsDropRate`). */
const WS_DROP_RATE = 0.1
/** Filter clients poll both their filters this often (viem's watchers poll every 4 s; faster here, so polls fall between faults). */
const POLL_PERIOD_MS = 250
/** Background transactions to the log emitter, so most blocks carry a few logs. */
const TRAFFIC_INTERVAL_MS = 250

/** How long the faults go on and how often each comes. */
interface FaultPlan {
  durationMs: number
  wsClients: number
  filterClients: number
  /** A provider is killed this often (round robin) and revived `downForMs` later. */
  killEveryMs: number
  downForMs: number
  /** Every provider's upstream sockets are dropped at once this often. */
  dropAllEveryMs: number
  /** The chain is reorganised this often, depths 1, 2, 3, 1, … */
  reorgEveryMs: number
}

const PLANS: Record<Profile, FaultPlan> = {
  // Kills at 1, 6, 11, 16 s; drop-alls at 3.5, 10.5, 17.5 s; reorgs of depth 1, 2, 3 at 5, 11, 17 s.
  short: {
    durationMs: 20_000,
    wsClients: 3,
    filterClients: 4,
    killEveryMs: 5_000,
    downForMs: 3_000,
    dropAllEveryMs: 7_000,
    reorgEveryMs: 6_000,
  },
  // The issue's two minutes: 24 kills, 8 drop-alls, 12 reorgs.
  long: {
    durationMs: 120_000,
    wsClients: 5,
    filterClients: 4,
    killEveryMs: 5_000,
    downForMs: 3_000,
    dropAllEveryMs: 15_000,
    reorgEveryMs: 10_000,
  },
}

type Fault =
  | { at: number; what: 'kill' | 'revive'; providerId: string }
  | { at: number; what: 'drop-all' }
  | { at: number; what: 'reorg'; depth: number }

/** The faults by time from the start of the chaos phase, in order. */
function faultTimeline(plan: FaultPlan): Fault[] {
  const timeline: Fault[] = []
  for (let k = 0, at = 1_000; at < plan.durationMs; k++, at += plan.killEveryMs) {
    const providerId = PROVIDERS[k % PROVIDERS.length]!
    timeline.push({ at, what: 'kill', providerId })
    timeline.push({ at: Math.min(at + plan.downForMs, plan.durationMs), what: 'revive', providerId })
  }
  for (let at = 3_500; at < plan.durationMs; at += plan.dropAllEveryMs)
    timeline.push({ at, what: 'drop-all' })
  for (let k = 0, at = 5_000; at < plan.durationMs; k++, at += plan.reorgEveryMs)
    timeline.push({ at, what: 'reorg', depth: 1 + (k % 3) })
  return timeline.sort((a, b) => a.at - b.at)
}

/** A fault as done, on the run clock, for placing violations. */
interface DoneFault {
  at: number
  what: string
}

/**
 * Scenario 5: WebSocket clients subscribed to `newHeads` and the emitter's logs, and HTTP clients polling
 * a ChainPulse-served block filter and log filter (through the default route and round-robin), while
 * upstream sockets drop at random, all at once now and then, providers are killed and revived round
 * robin, and the chain reorganises 1–3 blocks deep. Once settled, each client's streams are checked
 * against the node's own canonical history: every block and log exactly once, in order, parents linked,
 * removed logs flagged; subscription and filter ids unchanged throughout.
 */
export const subscriptionsFilters: Scenario = {
  id: 'subscriptions-filters',
  title: 'Subscriptions and filters through socket drops, provider kills and reorgs',
  async run(profile: Profile): Promise<ScenarioResult> {
    const plan = PLANS[profile]
    const stage = await startStage({
      devnet: {
        seed: 5,
        chains: [
          {
            name: CHAIN,
            blockTimeMs: BLOCK_TIME_MS,
            traffic: { intervalMs: TRAFFIC_INTERVAL_MS },
            providers: PROVIDERS.map((id) => ({ id, preset: 'steady' as const })),
          },
        ],
      },
      chain: { name: CHAIN, chainId: 1, blockTimeMs: BLOCK_TIME_MS },
      websockets: true,
      pool: CHAOS_POOL_KNOBS,
    })
    const { clock, devnet, server, upstream } = stage
    const chain = devnet.manifest.chains[0]!
    const phases = createPhases(clock, 'subscribe')
    const subscribers: WsSubscriber[] = []
    const pollers: FilterPoller[] = []
    const node = await observeNode(chain.nodeWsUrl, clock).catch(async (error: unknown) => {
      await stage.stop()
      throw error
    })
    try {
      // A clean start: the clients subscribe and their filters are made before any socket drops.
      for (const id of PROVIDERS) await devnet.set(id, { wsDropRate: 0 })
      const wsUrl = `${server.url.replace(/^http/, 'ws')}/ws/rpc/${CHAIN}`
      for (let index = 0; index < plan.wsClients; index++)
        subscribers.push(await connectSubscriber(wsUrl, chain.emitterAddress, clock))
      const routes = [stage.rpcUrl, `${server.url}/rpc/round-robin/${CHAIN}`]
      for (let index = 0; index < plan.filterClients; index++)
        pollers.push(
          await startFilterPoller({
            url: routes[index % routes.length]!,
            client: index,
            address: chain.emitterAddress,
            periodMs: POLL_PERIOD_MS,
            timeoutMs: REQUEST_DEADLINE_MS + SLACK_MS,
            clock,
            phase: () => phases.current(),
          }),
        )
      await waitFor(
        () =>
          subscribers.every((subscriber) => subscriber.heads().length >= 2) &&
          pollers.every((poller) => poller.blocks.length >= 2),
        { timeoutMs: 10 * BLOCK_TIME_MS + 10_000, intervalMs: 50, what: 'two blocks at every client' },
      )
      // Checked from the block after the newest first block any client got: every client was listening
      // (and, for logs, subscribed before its heads or block filter) from then on.
      const announcedAtStart = node.announced()
      const firstHeights = [
        ...subscribers.map((subscriber) => toNumber(subscriber.heads()[0]!.value.number)),
        ...pollers.map((poller) => {
          const head = announcedAtStart.get(poller.blocks[0]!.value)
          if (!head)
            throw new Error(`block filter's first block ${poller.blocks[0]!.value} not announced by the node`)
          return toNumber(head.value.number)
        }),
      ]
      const firstBlock = Math.max(...firstHeights) + 1

      phases.enter('chaos')
      const chaosFrom = clock.now()
      for (const id of PROVIDERS) await devnet.set(id, { wsDropRate: WS_DROP_RATE })
      const done: DoneFault[] = []
      const failedReorgs: string[] = []
      for (const fault of faultTimeline(plan)) {
        const wait = chaosFrom + fault.at - clock.now()
        if (wait > 0) await sleep(wait)
        const at = clock.now()
        if (fault.what === 'kill' || fault.what === 'revive') {
          await (fault.what === 'kill' ? devnet.kill(fault.providerId) : devnet.revive(fault.providerId))
          stage.action(fault.providerId, fault.what)
          done.push({ at, what: `${fault.what} ${fault.providerId}` })
        } else if (fault.what === 'drop-all') {
          await Promise.all(PROVIDERS.map((id) => devnet.dropConnections(id)))
          for (const id of PROVIDERS) stage.action(id, 'drop sockets')
          done.push({ at, what: 'drop all upstream sockets' })
        } else if (fault.what === 'reorg') {
          // The devnet refuses a reorg when a block arrives while it runs; try again a moment later.
          for (let attempt = 1; attempt <= 3; attempt++) {
            try {
              const reorg = await reorgDevnetChain(devnet, CHAIN, fault.depth)
              const heights = `${reorg.replaced[0]?.number}–${reorg.replaced.at(-1)?.number}`
              done.push({ at: clock.now(), what: `reorg depth ${fault.depth} (blocks ${heights})` })
              break
            } catch (error) {
              failedReorgs.push(
                `depth ${fault.depth} at ${(at / 1_000).toFixed(1)} s, try ${attempt}: ${error}`,
              )
              await sleep(300)
            }
          }
        }
      }
      const rest = chaosFrom + plan.durationMs - clock.now()
      if (rest > 0) await sleep(rest)

      // Settle: every provider up and steady; then read the node's canonical history and wait (bounded)
      // until every client has caught up with it.
      phases.enter('settle')
      const settleFrom = clock.now()
      for (const id of PROVIDERS) {
        await devnet.revive(id)
        await devnet.set(id, { wsDropRate: 0 })
      }
      await sleep(2 * BLOCK_TIME_MS)
      const lastBlock = toNumber(await nodeCall<string>(chain.nodeUrl, 'eth_blockNumber'))
      const canonical = await canonicalHistory(chain.nodeUrl, chain.emitterAddress, firstBlock, lastBlock)
      const lastHash = canonical.hashes.get(lastBlock)!
      const hasAllLogs = (logs: readonly Delivery<Log>[]) => {
        const live = liveLogKeys(logs)
        return [...canonical.logs.keys()].every((key) => live.has(key))
      }
      await waitFor(
        () =>
          subscribers.every(
            (subscriber) =>
              subscriber.heads().some(({ value }) => value.hash === lastHash) &&
              hasAllLogs(subscriber.logs()),
          ) &&
          pollers.every(
            (poller) => poller.blocks.some(({ value }) => value === lastHash) && hasAllLogs(poller.logs),
          ),
        { timeoutMs: 15_000, intervalMs: 50, what: 'every client to reach the settled head' },
      ).catch(() => {
        // The checks below say what is missing.
      })
      // Ids are checked before anything is closed: a connection that closed by now closed on its own.
      const closedSockets = subscribers.flatMap((subscriber, index) =>
        subscriber.recording.closedAt === undefined
          ? []
          : [`ws client ${index}: connection closed at ${seconds(subscriber.recording.closedAt)}`],
      )
      await Promise.all(pollers.map((poller) => poller.stop()))
      const endedAt = clock.now()

      const announced = node.announced()
      const context = faultContext(done, canonical, announced)
      const blockHeads = await Promise.all(
        pollers.map((poller) => headsOfHashes(poller.blocks, announced, chain.nodeUrl)),
      )
      const streams = {
        'ws heads': subscribers.map((subscriber) => checkHeads(subscriber.heads(), canonical, context)),
        'ws logs': subscribers.map((subscriber) => checkLogs(subscriber.logs(), canonical, context)),
        'filter blocks': blockHeads.map(({ heads, unknown }) => {
          const check = checkHeads(heads, canonical, context)
          return { ...check, violations: [...unknown, ...check.violations] }
        }),
        'filter logs': pollers.map((poller) => checkLogs(poller.logs, canonical, context)),
      } satisfies Record<string, StreamCheck[]>
      const delivered = {
        'ws heads': subscribers.flatMap((subscriber) => delays(subscriber.heads(), (head) => head.hash)),
        'ws logs': subscribers.flatMap((subscriber) => delays(subscriber.logs(), (log) => log.blockHash)),
        'filter blocks': pollers.flatMap((poller) => delays(poller.blocks, (hash) => hash)),
        'filter logs': pollers.flatMap((poller) => delays(poller.logs, (log) => log.blockHash)),
      }
      const counts = {
        'ws heads': subscribers.reduce((sum, subscriber) => sum + subscriber.heads().length, 0),
        'ws logs': subscribers.reduce((sum, subscriber) => sum + subscriber.logs().length, 0),
        'filter blocks': pollers.reduce((sum, poller) => sum + poller.blocks.length, 0),
        'filter logs': pollers.reduce((sum, poller) => sum + poller.logs.length, 0),
      }
      function delays<T>(of: readonly Delivery<T>[], hashOf: (value: T) => string): number[] {
        return of.flatMap(({ at, value }) => {
          if ((value as { removed?: boolean }).removed) return []
          const from = announced.get(hashOf(value))?.at
          return from === undefined || from < chaosFrom ? [] : [at - from]
        })
      }

      const filterEvents = pollers.flatMap((poller) => poller.events)
      const strayIds = subscribers.flatMap((subscriber, index) =>
        [...subscriber.recording.notifications.keys()]
          .filter((id) => id !== subscriber.headsId && id !== subscriber.logsId)
          .map((id) => `ws client ${index}: notifications under subscription ${id}, not one it made`),
      )
      const strays = subscribers.flatMap((subscriber, index) =>
        subscriber.recording.strays.map(({ at, value }) => `ws client ${index}: ${context.at(at)}: ${value}`),
      )
      const stats = await Promise.all(PROVIDERS.map((id) => devnetStats(devnet, id)))
      const socketDrops = stats.reduce((sum, stat) => sum + stat.drops, 0)
      const reorgsDone = done.filter((fault) => fault.what.startsWith('reorg')).length
      const kinds = Object.keys(streams) as (keyof typeof streams)[]
      const reorgsSeen = Object.fromEntries(
        kinds.map((kind) => [kind, streams[kind].reduce((sum, check) => sum + check.reorgs, 0)]),
      )
      const verdicts: Verdict[] = [
        streamVerdict(
          'every WebSocket client got every canonical block once, in order, parent-linked',
          streams['ws heads'],
          'ws client',
          'newHeads',
        ),
        streamVerdict(
          'every WebSocket client got every canonical log once, in order, removed logs flagged',
          streams['ws logs'],
          'ws client',
          'logs',
        ),
        streamVerdict(
          'every block filter gave every canonical block once, in order, parent-linked',
          streams['filter blocks'],
          'filter client',
          'block filter',
        ),
        streamVerdict(
          'every log filter gave every canonical log once, in order, removed logs flagged',
          streams['filter logs'],
          'filter client',
          'log filter',
        ),
        verdict(
          'subscription ids unchanged: no notification under another id, no error frame, no connection closed',
          `${strayIds.length + strays.length + closedSockets.length} anomalies over ${subscribers.length} connections`,
          [...strayIds, ...strays, ...closedSockets],
        ),
        {
          ...everyRequestSucceeded(filterEvents),
          invariant:
            'filter ids unchanged: every filter call answered with a result (never "filter not found")',
        },
        exactIds(filterEvents),
        verdict(
          'the faults happened: kills, socket drops, reorgs, and every client kind saw a reorg',
          `${done.filter((fault) => fault.what.startsWith('kill')).length} kills, ${socketDrops} upstream sockets dropped, ${reorgsDone} reorgs; reorgs seen ${kinds.map((kind) => `${kind} ${reorgsSeen[kind]}`).join(', ')}`,
          [
            ...(socketDrops === 0 ? ['no upstream socket was dropped'] : []),
            ...(reorgsDone === 0 ? ['no reorg succeeded'] : []),
            ...kinds.filter((kind) => reorgsSeen[kind] === 0).map((kind) => `${kind}: no client saw a reorg`),
          ],
        ),
      ]
      const deliveries: DeliveryRow[] = kinds.map((kind) => ({
        kind,
        clients: streams[kind].length,
        deliveries: counts[kind],
        violations: streams[kind].reduce((sum, check) => sum + check.violations.length, 0),
        p50DelayMs: Math.round(quantile(delivered[kind], 0.5)),
        p99DelayMs: Math.round(quantile(delivered[kind], 0.99)),
      }))
      return {
        rows: summarise(
          filterEvents,
          phases.list.map((phase) => phase.name),
        ),
        deliveries,
        verdicts,
        notes: [
          `3 providers (steady preset), blocks every ${BLOCK_TIME_MS / 1_000} s with a transaction to the log emitter every ${TRAFFIC_INTERVAL_MS} ms; ${plan.wsClients} WebSocket clients on /ws/rpc/${CHAIN} (logs of the emitter, then newHeads); ${plan.filterClients} filter clients, half on /rpc/${CHAIN} and half on /rpc/round-robin/${CHAIN}, each with eth_newFilter (the emitter) and eth_newBlockFilter polled by eth_getFilterChanges every ${POLL_PERIOD_MS} ms. The table above counts the filter clients' calls.`,
          `Chaos for ${plan.durationMs / 1_000} s: wsDropRate ${WS_DROP_RATE} on every provider; a provider killed every ${plan.killEveryMs / 1_000} s round robin and revived ${plan.downForMs / 1_000} s later; every upstream socket dropped every ${plan.dropAllEveryMs / 1_000} s; a reorg (transactions kept, so their logs come back under new block hashes) every ${plan.reorgEveryMs / 1_000} s, depths 1, 2, 3 in turn. Done (times from the start of the run; the chaos phase began at ${seconds(chaosFrom)}): ${done.map((fault) => `${seconds(fault.at)} ${fault.what}`).join('; ')}.`,
          `Checked blocks ${firstBlock}–${lastBlock} (${canonical.logs.size} canonical logs), read from the node itself after the run settled; the delivery delays are from the node's own newHeads announcement of the block (a bare socket on anvil) to the client's receipt, for blocks announced from the start of the chaos phase (a filter's delays include up to one poll period). Settled from ${seconds(settleFrom)}.`,
          ...(failedReorgs.length
            ? [`Reorgs the devnet refused (a block arrived meanwhile; retried): ${failedReorgs.join('; ')}`]
            : []),
        ],
        history: { clients: filterEvents, upstream, phases: phases.list, endedAt },
      }
    } finally {
      await Promise.all(pollers.map((poller) => poller.stop()))
      await Promise.all(subscribers.map((subscriber) => subscriber.close()))
      await node.close()
      await stage.stop()
    }
  },
}

const seconds = (ms: number) => `${(ms / 1_000).toFixed(1)} s`

/** Places a violation: the last fault before a delivery, or before the node announced a block. */
function faultContext(
  done: readonly DoneFault[],
  canonical: CanonicalHistory,
  announced: ReadonlyMap<string, Delivery<Head>>,
): DeliveryContext {
  const before = (at: number) => {
    const fault = done.findLast((entry) => entry.at <= at)
    return fault ? `${seconds(at - fault.at)} after ${fault.what}` : 'before any fault'
  }
  return {
    at: (ms) => `at ${seconds(ms)} (${before(ms)})`,
    block(number) {
      const hash = canonical.hashes.get(number)
      const at = hash === undefined ? undefined : announced.get(hash)?.at
      return at === undefined ? '' : ` (announced by the node at ${seconds(at)}, ${before(at)})`
    },
  }
}

/** One verdict over every client's check of one stream kind, each violation naming its client. */
function streamVerdict(
  invariant: string,
  checks: readonly StreamCheck[],
  who: string,
  what: string,
): Verdict {
  const violations = checks.flatMap((check, index) =>
    check.violations.map((violation) => `${who} ${index} ${what}: ${violation}`),
  )
  const broken = checks.filter((check) => check.violations.length > 0).length
  return verdict(
    invariant,
    `${broken} of ${checks.length} clients with violations (${violations.length} in all)`,
    violations,
  )
}
