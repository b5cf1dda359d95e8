/**
 * The subscription drop scenario, shared by the `subscription-latency` bench suite (full length, figures)
 * and its CI test (a shorter profile, invariants only): a devnet in its own process (one chain, several
 * simulated providers, background transactions so there are logs), a ChainPulse server in this process,
 * and real WebSocket clients subscribed to `newHeads` and `logs` on `/ws/rpc/ethereum` while upstream
 * sockets drop at random, every upstream socket is dropped at once now and then, providers are killed
 * and revived, and the node reorganises. What every client received is then checked against the node's
 * own canonical history, and each delivery is timed from the block's first arrival at a bare socket on
 * the node itself. Not a suite itself.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { DevnetOptions } from '@chainpulse/devnet'
import {
  connectWs,
  type DevnetProcess,
  nodeCall,
  observeHeadArrivals,
  spawnDevnetWith,
  type TestWsClient,
  waitFor,
} from '@chainpulse/devnet/testing'
import { type RunningChainPulse, startChainPulse } from '@chainpulse/server'

/** How long the scenario runs and how hard it shakes the upstreams. */
export interface DropScenarioProfile {
  /** Length of the chaos phase (ms); the settle phase and the checks come after it. */
  durationMs: number
  /** The node's block time (ms); the pool is told the same. */
  blockTimeMs: number
  clients: number
  providers: number
  /** Per subscription event, the chance that a provider drops the connection instead (devnet `wsDropRate`). */
  wsDropRate: number
  /** A provider is killed this often (ms), round robin, and revived `downForMs` later. */
  killEveryMs: number
  downForMs: number
  /** Every provider's upstream sockets are dropped at once this often (ms). */
  dropAllEveryMs: number
  /** The node reorganises this often (ms), depths 1, 2, 3, 1, … */
  reorgEveryMs: number
  /** Background transactions (ms between batches), so most blocks carry logs. */
  trafficIntervalMs: number
}

/** The profile of the full run (the two minutes). */
export const FULL_PROFILE: DropScenarioProfile = {
  durationMs: 120_000,
  blockTimeMs: 1_000,
  clients: 5,
  providers: 3,
  wsDropRate: 0.1,
  killEveryMs: 10_000,
  downForMs: 5_000,
  dropAllEveryMs: 20_000,
  reorgEveryMs: 12_000,
  trafficIntervalMs: 250,
}

/**
 * What CI runs: the same kinds of chaos in 25 s, packed closer together so each happens more than once
 * (kills at 2, 12 and 22 s, drop-alls at 6 and 16 s, reorgs of depth 1, 2 and 3 at 8, 14 and 20 s).
 */
export const CI_PROFILE: DropScenarioProfile = {
  ...FULL_PROFILE,
  durationMs: 25_000,
  clients: 3,
  downForMs: 3_000,
  dropAllEveryMs: 10_000,
  reorgEveryMs: 6_000,
}

/** What went on during the chaos phase, as it was done. */
export interface ChaosLog {
  kills: number
  dropAlls: number
  reorgs: number
}

/** One client's deliveries, checked. */
export interface ClientReport {
  heads: number
  logs: number
  removedLogs: number
  /** Reorgs the client saw on `newHeads` (a block at or below the previous one, linked to what came before). */
  reorgsSeen: number
  /** Every broken invariant, in words; empty when the client got exactly the node's canonical history. */
  violations: string[]
}

/** Everything one run measured. */
export interface DropScenarioResult {
  profile: DropScenarioProfile
  chaos: ChaosLog
  /** The checked block range: from the first block every client was subscribed for, to the settled head. */
  firstBlock: number
  lastBlock: number
  clients: ClientReport[]
  /** Delay of each `newHeads` notification of each client (ms), from the node's own announcement. */
  headDelaysMs: number[]
  /** Delay of each (added) log notification of each client (ms), from its block's announcement. */
  logDelaysMs: number[]
  /** Notifications whose block the observer on the node never saw (not timed). */
  untimed: number
}

const CHAIN = 'ethereum'

interface Head {
  number: string
  hash: string
  parentHash: string
}

interface Log {
  blockHash: string
  blockNumber: string
  logIndex: string
  removed?: boolean
}

const toNumber = (hex: string) => Number.parseInt(hex, 16)
const toHex = (value: number) => `0x${value.toString(16)}`
const logKey = (log: { blockHash: string; logIndex: string }) =>
  `${log.blockHash.toLowerCase()}:${toNumber(log.logIndex)}`

async function startDevnetProcess(profile: DropScenarioProfile): Promise<DevnetProcess> {
  const options: DevnetOptions = {
    seed: 14,
    chains: [
      {
        name: CHAIN,
        blockTimeMs: profile.blockTimeMs,
        traffic: { intervalMs: profile.trafficIntervalMs },
        providers: Array.from({ length: profile.providers }, () => ({ preset: 'steady' as const })),
      },
    ],
  }
  return spawnDevnetWith(options)
}

/** The chaos phase's actions, by time from its start (ms), in order. */
function chaosTimeline(
  profile: DropScenarioProfile,
  providerIds: readonly string[],
): { at: number; what: 'kill' | 'revive' | 'drop-all' | 'reorg'; providerId?: string; depth?: number }[] {
  const timeline: ReturnType<typeof chaosTimeline> = []
  for (let k = 0, at = 2_000; at < profile.durationMs; k++, at += profile.killEveryMs) {
    const providerId = providerIds[k % providerIds.length]!
    timeline.push({ at, what: 'kill', providerId })
    timeline.push({ at: Math.min(at + profile.downForMs, profile.durationMs), what: 'revive', providerId })
  }
  for (let at = 6_000; at < profile.durationMs; at += profile.dropAllEveryMs)
    timeline.push({ at, what: 'drop-all' })
  for (let k = 0, at = 8_000; at < profile.durationMs; k++, at += profile.reorgEveryMs)
    timeline.push({ at, what: 'reorg', depth: 1 + (k % 3) })
  return timeline.sort((a, b) => a.at - b.at)
}

async function runChaos(
  devnet: DevnetProcess,
  profile: DropScenarioProfile,
  log: (line: string) => void,
): Promise<ChaosLog> {
  const providerIds = devnet.manifest.providers.map((provider) => provider.id)
  const nodeUrl = devnet.manifest.chains[0]!.nodeUrl
  const chaos: ChaosLog = { kills: 0, dropAlls: 0, reorgs: 0 }
  const started = performance.now()
  for (const step of chaosTimeline(profile, providerIds)) {
    const wait = step.at - (performance.now() - started)
    if (wait > 0) await sleep(wait)
    const at = `${((performance.now() - started) / 1_000).toFixed(1)} s`
    switch (step.what) {
      case 'kill':
        await devnet.kill(step.providerId!)
        chaos.kills++
        log(`${at}: killed ${step.providerId}`)
        break
      case 'revive':
        await devnet.revive(step.providerId!)
        log(`${at}: revived ${step.providerId}`)
        break
      case 'drop-all':
        await Promise.all(providerIds.map((id) => devnet.dropConnections(id)))
        chaos.dropAlls++
        log(`${at}: dropped every upstream socket`)
        break
      case 'reorg': {
        await nodeCall(nodeUrl, 'anvil_reorg', [step.depth, []])
        chaos.reorgs++
        log(`${at}: reorg of depth ${step.depth}`)
        break
      }
    }
  }
  const rest = profile.durationMs - (performance.now() - started)
  if (rest > 0) await sleep(rest)
  return chaos
}

/** One WebSocket client of the proxy, subscribed to `newHeads` and to the emitter's logs. */
interface Subscriber {
  client: TestWsClient
  headsId: string
  logsId: string
}

async function subscribeClient(url: string, emitterAddress: string): Promise<Subscriber> {
  const client = await connectWs(url)
  // Logs first: every block delivered on `newHeads` from here on has its logs delivered too.
  const logsId = await client.subscribe(['logs', { address: emitterAddress }])
  const headsId = await client.subscribe(['newHeads'])
  return { client, headsId, logsId }
}

const headsOf = (subscriber: Subscriber) =>
  (subscriber.client.notifications.get(subscriber.headsId) ?? []) as { at: number; result: Head }[]
const logsOf = (subscriber: Subscriber) =>
  (subscriber.client.notifications.get(subscriber.logsId) ?? []) as { at: number; result: Log }[]

/** The hash each block number has on the chain as this client last heard it. */
function finalView(heads: readonly { result: Head }[]): Map<number, string> {
  const view = new Map<number, string>()
  for (const { result } of heads) {
    const number = toNumber(result.number)
    for (const known of [...view.keys()]) if (known >= number) view.delete(known)
    view.set(number, result.hash)
  }
  return view
}

/** Keys of the logs a client holds once removals are applied. */
function liveLogs(logs: readonly { result: Log }[]): Set<string> {
  const live = new Set<string>()
  for (const { result } of logs) {
    if (result.removed) live.delete(logKey(result))
    else live.add(logKey(result))
  }
  return live
}

/** The node's canonical history of the checked range. */
interface Canonical {
  hashes: Map<number, string>
  logKeys: Set<string>
}

async function canonicalHistory(
  nodeUrl: string,
  emitterAddress: string,
  from: number,
  to: number,
): Promise<Canonical> {
  const hashes = new Map<number, string>()
  for (let number = from; number <= to; number++) {
    const block = await nodeCall<Head>(nodeUrl, 'eth_getBlockByNumber', [toHex(number), false])
    hashes.set(number, block.hash)
  }
  const logs = await nodeCall<Log[]>(nodeUrl, 'eth_getLogs', [
    { address: emitterAddress, fromBlock: toHex(from), toBlock: toHex(to) },
  ])
  return { hashes, logKeys: new Set(logs.map(logKey)) }
}

/**
 * Checks one client's `newHeads`: each block once, each one the child of the block before it as the
 * client knew it (a reorg shows as a block at or below the previous height, linked to the block below
 * it), and, once settled, exactly the node's canonical hashes over the range.
 */
function checkHeads(
  heads: readonly { result: Head }[],
  canonical: Canonical,
  from: number,
  to: number,
  violations: string[],
): number {
  const seen = new Set<string>()
  const view = new Map<number, string>()
  let tip: number | undefined
  let reorgs = 0
  for (const { result } of heads) {
    const number = toNumber(result.number)
    if (seen.has(result.hash)) violations.push(`block ${number} (${result.hash}) delivered twice`)
    seen.add(result.hash)
    if (tip !== undefined) {
      if (number > tip + 1) violations.push(`gap: block ${number} after ${tip}`)
      if (number <= tip) {
        reorgs++
        for (let above = number; above <= tip; above++) view.delete(above)
      }
      const parent = view.get(number - 1)
      if (parent === undefined && number <= tip)
        violations.push(`reorg to block ${number} deeper than what was delivered`)
      if (parent !== undefined && parent !== result.parentHash)
        violations.push(`block ${number}: parent ${result.parentHash}, but block ${number - 1} was ${parent}`)
    }
    view.set(number, result.hash)
    tip = number
  }
  const final = finalView(heads)
  for (let number = from; number <= to; number++) {
    const delivered = final.get(number)
    const expected = canonical.hashes.get(number)
    if (delivered !== expected)
      violations.push(`block ${number}: ended with ${delivered ?? 'nothing'}, the node has ${expected}`)
  }
  return reorgs
}

/**
 * Checks one client's logs: each added once and in chain order; a removal only of the newest log still
 * live (removals come newest first, and the new branch continues after what is left); and, once settled,
 * the live logs over the range equal to the node's canonical logs.
 */
function checkLogs(
  logs: readonly { result: Log }[],
  canonical: Canonical,
  from: number,
  to: number,
  violations: string[],
): void {
  const added = new Set<string>()
  const live: { key: string; block: number; index: number }[] = []
  for (const { result } of logs) {
    const key = logKey(result)
    const block = toNumber(result.blockNumber)
    const index = toNumber(result.logIndex)
    const newest = live[live.length - 1]
    if (result.removed) {
      if (newest?.key === key) live.pop()
      else violations.push(`log ${key} removed, but the newest live log is ${newest?.key ?? 'none'}`)
      continue
    }
    if (added.has(key)) violations.push(`log ${key} delivered twice`)
    if (newest && (block < newest.block || (block === newest.block && index <= newest.index)))
      violations.push(`log ${key} (block ${block}) out of order after block ${newest.block}`)
    added.add(key)
    live.push({ key, block, index })
  }
  const kept = new Set(live.filter(({ block }) => block >= from && block <= to).map(({ key }) => key))
  for (const key of kept)
    if (!canonical.logKeys.has(key)) violations.push(`log ${key} kept but not canonical`)
  for (const key of canonical.logKeys) if (!kept.has(key)) violations.push(`canonical log ${key} missing`)
}

/** Runs the scenario once with `profile`; `log` hears what the chaos phase does. */
export async function runDropScenario(
  profile: DropScenarioProfile,
  log: (line: string) => void = () => {},
): Promise<DropScenarioResult> {
  const devnet = await startDevnetProcess(profile)
  const chain = devnet.manifest.chains[0]!
  let server: RunningChainPulse | undefined
  const subscribers: Subscriber[] = []
  const observer = observeHeadArrivals([{ id: 'node', wsUrl: chain.nodeWsUrl }])
  try {
    for (const { id } of devnet.manifest.providers) await devnet.set(id, { wsDropRate: 0 })
    server = await startChainPulse({
      pool: {
        chains: [{ name: CHAIN, chainId: chain.chainId, blockTimeMs: profile.blockTimeMs }],
        providers: devnet.manifest.providers.map(({ id, httpUrl, wsUrl }) => ({
          id,
          chain: CHAIN,
          httpUrl,
          wsUrl,
        })),
      },
      server: { logLevel: 'silent', rateLimit: false },
      logger: false,
      listen: { port: 0, host: '127.0.0.1' },
    })
    const url = `${server.url.replace(/^http/, 'ws')}/ws/rpc/${CHAIN}`
    for (let index = 0; index < profile.clients; index++)
      subscribers.push(await subscribeClient(url, chain.emitterAddress))
    await waitFor(() => subscribers.every((subscriber) => headsOf(subscriber).length >= 2), {
      timeoutMs: 10 * profile.blockTimeMs + 10_000,
      what: 'two blocks at every client',
    })
    // Blocks from here on were announced by the node after every client subscribed.
    const firstBlock = Math.max(
      ...subscribers.map((subscriber) => toNumber(headsOf(subscriber)[0]!.result.number)),
    )
    const chaosStartedAt = performance.now()

    for (const { id } of devnet.manifest.providers) await devnet.set(id, { wsDropRate: profile.wsDropRate })
    const chaos = await runChaos(devnet, profile, log)
    const chaosEndedAt = performance.now()

    // Settle: every provider up and steady, then wait until every client caught up with the node.
    for (const { id } of devnet.manifest.providers) {
      await devnet.revive(id)
      await devnet.set(id, { wsDropRate: 0 })
    }
    await sleep(2 * profile.blockTimeMs)
    const lastBlock = toNumber(await nodeCall<string>(chain.nodeUrl, 'eth_blockNumber'))
    const canonical = await canonicalHistory(chain.nodeUrl, chain.emitterAddress, firstBlock, lastBlock)
    await waitFor(
      () =>
        subscribers.every((subscriber) => {
          const view = finalView(headsOf(subscriber))
          const live = liveLogs(logsOf(subscriber))
          return (
            view.get(lastBlock) === canonical.hashes.get(lastBlock) &&
            [...canonical.logKeys].every((key) => live.has(key))
          )
        }),
      { timeoutMs: 15_000, intervalMs: 50, what: 'every client to reach the settled head' },
    ).catch(() => {
      // The checks below say what is missing.
    })

    const reports: ClientReport[] = []
    const headDelaysMs: number[] = []
    const logDelaysMs: number[] = []
    let untimed = 0
    const observedAt = (hash: string) => observer.arrivals.get(hash)?.get('node')
    const timed = (hash: string, at: number, into: number[]) => {
      const announced = observedAt(hash)
      if (announced === undefined) untimed++
      else if (announced >= chaosStartedAt && announced <= chaosEndedAt) into.push(at - announced)
    }
    for (const subscriber of subscribers) {
      const heads = headsOf(subscriber)
      const logs = logsOf(subscriber)
      const violations: string[] = []
      const reorgsSeen = checkHeads(heads, canonical, firstBlock, lastBlock, violations)
      checkLogs(logs, canonical, firstBlock, lastBlock, violations)
      for (const { at, result } of heads) timed(result.hash, at, headDelaysMs)
      for (const { at, result } of logs) if (!result.removed) timed(result.blockHash, at, logDelaysMs)
      reports.push({
        heads: heads.length,
        logs: logs.filter(({ result }) => !result.removed).length,
        removedLogs: logs.filter(({ result }) => result.removed).length,
        reorgsSeen,
        violations,
      })
    }
    return {
      profile,
      chaos,
      firstBlock,
      lastBlock,
      clients: reports,
      headDelaysMs,
      logDelaysMs,
      untimed,
    }
  } finally {
    observer.close()
    await Promise.all(subscribers.map((subscriber) => subscriber.client.close()))
    await server?.close()
    await devnet.stop()
  }
}
