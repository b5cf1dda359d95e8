import { type Devnet, startDevnet } from '@chainpulse/devnet'
import { poolOverDevnet, resetProviders, threeProviderDevnet, waitFor } from '@chainpulse/devnet/testing'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { AllProvidersFailedError, NoProviderAvailableError } from '../errors/errors.js'
import type { ProviderPoolEvent } from '../pubsub/topics.js'
import type { ProviderPoolOptions } from './options.js'
import { createProviderPool } from './provider-pool.js'
import type { ProviderPool } from './types.js'

// One real devnet for the file: one chain with fast blocks and three providers in front of its anvil
// node. Every test starts from neutral personalities and builds its own pool.
let devnet: Devnet
const ids = ['ethereum-alpha', 'ethereum-bravo', 'ethereum-charlie'] as const

beforeAll(async () => {
  devnet = await startDevnet(threeProviderDevnet)
})
afterAll(async () => {
  await devnet?.stop()
})
beforeEach(() => resetProviders(devnet))

/** Every upstream attempt, and every provider event, in the order they happened. */
interface Recorder {
  log: string[]
  attempts(providerId: string): number
  events(type: ProviderPoolEvent['type'], providerId: string): number
}

const pools: ProviderPool[] = []
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()))
})

function makePool(
  options: Partial<ProviderPoolOptions> = {},
  providerOptions: Record<string, object> = {},
): { pool: ProviderPool; recorder: Recorder } {
  const byUrl = new Map(devnet.manifest.providers.map((provider) => [provider.httpUrl, provider.id]))
  const log: string[] = []
  const { chains, providers } = poolOverDevnet(devnet.manifest, { ws: true })
  const pool = createProviderPool({
    chains,
    providers: providers.map((provider) => ({ ...provider, ...providerOptions[provider.id] })),
    racing: false,
    requestTimeoutMs: 2_000,
    fetch: (url, init) => {
      const providerId = byUrl.get(url) ?? url
      log.push(`attempt:${providerId}`)
      const body = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined
      if (body?.method) log.push(`call:${providerId}:${body.method}`)
      return fetch(url, init)
    },
    ...options,
  })
  pool.pubsub.subscribe('provider_pool:events', (event) => log.push(`${event.type}:${event.providerId}`))
  pools.push(pool)
  const count = (entry: string) => log.filter((line) => line === entry).length
  return {
    pool,
    recorder: {
      log,
      attempts: (providerId) => count(`attempt:${providerId}`),
      events: (type, providerId) => count(`${type}:${providerId}`),
    },
  }
}

/** Runs `total` reads with `concurrency` in flight; returns how many failed. */
async function readMany(
  pool: ProviderPool,
  total: number,
  concurrency = 8,
  onProgress?: (done: number) => Promise<void> | void,
  method = 'eth_blockNumber',
): Promise<{ failed: unknown[]; servedBy: Map<string, number> }> {
  const failed: unknown[] = []
  const servedBy = new Map<string, number>()
  let started = 0
  let done = 0
  const worker = async () => {
    while (started < total) {
      started++
      try {
        const { providerId } = await pool.request({ chain: 'ethereum', method, params: [] })
        servedBy.set(providerId, (servedBy.get(providerId) ?? 0) + 1)
      } catch (error) {
        failed.push(error)
      }
      done++
      await onProgress?.(done)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return { failed, servedBy }
}

describe('createProviderPool against the devnet', () => {
  it('loses no read while one of three providers is killed and revived; its first unanswered call has the probes take it out of rotation, and no client read reaches it until it is back', async () => {
    const { pool, recorder } = makePool({
      strategy: 'round-robin',
      healthCheck: { intervalMs: 500, timeoutMs: 500 },
      // Every read its own upstream call, so the rotation reaches bravo often.
      coalescing: false,
    })
    const bravo = devnet.provider('ethereum-bravo')
    const { failed } = await readMany(
      pool,
      300,
      8,
      async (done) => {
        if (done === 100) await bravo.kill()
      },
      'net_version',
    )
    expect(failed).toEqual([])
    expect(recorder.attempts('ethereum-bravo')).toBeGreaterThan(30)
    await waitFor(() => recorder.events('unhealthy', 'ethereum-bravo') > 0, {
      timeoutMs: 2_000,
      what: 'bravo down',
    })
    const down = recorder.log.indexOf('unhealthy:ethereum-bravo')
    // Reads in flight when it went down may have tried it; none started after.
    const clientCallsAfterDown = recorder.log
      .slice(down + 1)
      .filter((entry) => entry === 'call:ethereum-bravo:net_version')
    expect(clientCallsAfterDown).toEqual([])

    await bravo.revive()
    await waitFor(
      () => pool.providers().find((provider) => provider.id === 'ethereum-bravo')?.health === 'healthy',
      { timeoutMs: 5_000, what: 'bravo back in rotation' },
    )
    const after = await readMany(pool, 60, 1, undefined, 'net_version')
    expect(after.failed).toEqual([])
    expect(after.servedBy.get('ethereum-bravo')).toBeGreaterThanOrEqual(15)
  })

  it('without health probes, loses no read while one of three providers is killed and revived; the dead one only gets half-open trials', async () => {
    const { pool, recorder } = makePool({
      strategy: 'round-robin',
      healthCheck: false,
      breaker: { failureThreshold: 3, halfOpenAfterMs: 300 },
    })
    const bravo = devnet.provider('ethereum-bravo')
    const { failed } = await readMany(pool, 500, 8, async (done) => {
      if (done === 100) await bravo.kill()
    })
    expect(failed).toEqual([])
    expect(recorder.events('circuit_open', 'ethereum-bravo')).toBeGreaterThan(0)

    // While the breaker is open, every attempt on bravo must be the probe of a half-open period.
    const firstOpen = recorder.log.indexOf('circuit_open:ethereum-bravo')
    let probesAllowed = 0
    for (const entry of recorder.log.slice(firstOpen + 1)) {
      if (entry === 'circuit_half_open:ethereum-bravo') probesAllowed++
      if (entry === 'attempt:ethereum-bravo') {
        expect(probesAllowed).toBeGreaterThan(0)
        probesAllowed--
      }
    }

    await bravo.revive()
    await waitFor(
      async () => {
        await pool.request({ chain: 'ethereum', method: 'eth_chainId' })
        return pool.providers().find((provider) => provider.id === 'ethereum-bravo')?.breaker === 'closed'
      },
      { timeoutMs: 5_000, what: 'bravo back in rotation' },
    )
    const after = await readMany(pool, 60, 1)
    expect(after.failed).toEqual([])
    expect(after.servedBy.get('ethereum-bravo')).toBeGreaterThanOrEqual(15)
  })

  it.each([
    ['a 5xx', { errorRate: 1, errorMix: { serverError: 1, rateLimit: 0, rpcError: 0, malformed: 0 } }],
    [
      'a malformed body',
      { errorRate: 1, errorMix: { serverError: 0, rateLimit: 0, rpcError: 0, malformed: 1 } },
    ],
    [
      'an upstream JSON-RPC internal error',
      { errorRate: 1, errorMix: { serverError: 0, rateLimit: 0, rpcError: 1, malformed: 0 } },
    ],
    ['a hang', { mode: 'hang' as const }],
  ])('serves every read through the others when one provider answers with %s', async (_, personality) => {
    const { pool } = makePool({ strategy: 'round-robin', requestTimeoutMs: 300 })
    await devnet.provider('ethereum-bravo').set(personality)
    const { failed, servedBy } = await readMany(pool, 60, 4)
    expect(failed).toEqual([])
    expect(servedBy.get('ethereum-bravo') ?? 0).toBe(0)
  })

  it('sends nothing to a rate-limited provider before its Retry-After', async () => {
    // Requests only: background probes would be attempts of their own in the recorder.
    const { pool, recorder } = makePool({ strategy: 'round-robin', healthCheck: false })
    await devnet.provider('ethereum-bravo').set({
      errorRate: 1,
      retryAfterSeconds: 2,
      errorMix: { serverError: 0, rateLimit: 1, rpcError: 0, malformed: 0 },
    })
    const started = performance.now()
    const { failed } = await readMany(pool, 90, 3)
    const elapsed = performance.now() - started
    expect(failed).toEqual([])
    expect(elapsed).toBeLessThan(2_000) // otherwise the window below proves nothing
    expect(recorder.attempts('ethereum-bravo')).toBe(1)
    expect(recorder.events('cooldown_start', 'ethereum-bravo')).toBe(1)
    expect(pool.providers().find((provider) => provider.id === 'ethereum-bravo')?.health).toBe('cooldown')
  })

  it('fails fast with a typed error, sending nothing, once every breaker is open', async () => {
    const { pool, recorder } = makePool({
      breaker: { failureThreshold: 2, halfOpenAfterMs: 60_000 },
      healthCheck: false,
    })
    for (const id of ids) await devnet.provider(id).kill()
    const errors: unknown[] = []
    for (let index = 0; index < 4; index++) {
      errors.push(
        await pool.request({ chain: 'ethereum', method: 'eth_blockNumber' }).catch((error) => error),
      )
    }
    expect(errors[0]).toBeInstanceOf(AllProvidersFailedError)
    const attemptsBefore = recorder.log.filter((entry) => entry.startsWith('attempt:')).length
    const fast = await pool.request({ chain: 'ethereum', method: 'eth_blockNumber' }).catch((error) => error)
    expect(fast).toBeInstanceOf(NoProviderAvailableError)
    expect((fast as NoProviderAvailableError).routing.attempts).toBe(0)
    expect(Object.values((fast as NoProviderAvailableError).reasons)).toEqual([
      'circuit open',
      'circuit open',
      'circuit open',
    ])
    expect(recorder.log.filter((entry) => entry.startsWith('attempt:')).length).toBe(attemptsBefore)
  })

  it('does not use a lagging provider for latest-dependent calls', async () => {
    const { pool } = makePool({ strategy: 'round-robin', racing: true, maxLagBlocks: 2 })
    await devnet.provider('ethereum-bravo').set({ lagBlocks: 6 })
    await waitFor(
      () => pool.providers().find((provider) => provider.id === 'ethereum-bravo')?.health === 'lagging',
      {
        timeoutMs: 5_000,
        what: 'bravo marked lagging',
      },
    )
    const latest = await readMany(pool, 40, 2)
    expect(latest.failed).toEqual([])
    expect(latest.servedBy.get('ethereum-bravo') ?? 0).toBe(0)
    // Calls pinned to a block still use it.
    const pinned = new Set<string>()
    for (let index = 0; index < 9; index++) {
      pinned.add(
        (await pool.request({ chain: 'ethereum', method: 'eth_getBlockByNumber', params: ['0x1', false] }))
          .providerId,
      )
    }
    expect(pinned.has('ethereum-bravo')).toBe(true)
  })
})

describe('routing strategies against the devnet', () => {
  /**
   * A pool with hedging off: on a busy machine a hedge can win a read the strategy sent elsewhere, and
   * these tests check what the strategy picks (hedging has its own tests).
   */
  const routingPool = (
    options: Partial<ProviderPoolOptions> = {},
    providerOptions: Record<string, object> = {},
  ) => makePool({ hedge: false, ...options }, providerOptions)

  /** Sequential reads after a warm-up; returns who served the measured ones. */
  async function routeAfterWarmUp(pool: ProviderPool, warmUp: number, measured: number) {
    await readMany(pool, warmUp, 1)
    return (await readMany(pool, measured, 1)).servedBy
  }

  it('priority always uses the first healthy provider by priority', async () => {
    const { pool } = routingPool(
      { strategy: 'priority', breaker: { failureThreshold: 1, halfOpenAfterMs: 60_000 } },
      {
        'ethereum-alpha': { priority: 2 },
        'ethereum-bravo': { priority: 0 },
        'ethereum-charlie': { priority: 1 },
      },
    )
    expect((await readMany(pool, 10, 1)).servedBy).toEqual(new Map([['ethereum-bravo', 10]]))
    await devnet.provider('ethereum-bravo').kill()
    expect((await readMany(pool, 10, 1)).servedBy).toEqual(new Map([['ethereum-charlie', 10]]))
  })

  it('round-robin rotates evenly', async () => {
    const { pool } = routingPool({ strategy: 'round-robin' })
    const { servedBy } = await readMany(pool, 30, 1)
    expect([...servedBy.values()]).toEqual([10, 10, 10])
  })

  it('leaderboard follows who really wins the newHeads races', async () => {
    const { pool } = routingPool({ strategy: 'leaderboard', racing: true })
    await devnet.provider('ethereum-alpha').set({ wsDelayMs: 40 })
    await devnet.provider('ethereum-charlie').set({ wsDelayMs: 20 })
    await waitFor(() => (pool.store.leaderboard('ethereum')[0]?.totalRaces ?? 0) >= 8, {
      timeoutMs: 10_000,
      what: 'eight races',
    })
    expect(pool.store.leaderboard('ethereum')[0]?.providerId).toBe('ethereum-bravo')
    const { servedBy } = await readMany(pool, 20, 1)
    expect(servedBy.get('ethereum-bravo')).toBe(20)
  })

  it('fastest follows the measured latency per method after a warm-up', async () => {
    const { pool } = routingPool({ strategy: 'fastest' })
    await devnet.provider('ethereum-alpha').set({ latencyMs: 40 })
    await devnet.provider('ethereum-bravo').set({ latencyMs: 2 })
    await devnet.provider('ethereum-charlie').set({ latencyMs: 20 })
    const servedBy = await routeAfterWarmUp(pool, 30, 20)
    expect(servedBy.get('ethereum-bravo')).toBeGreaterThanOrEqual(18)
  })

  it('cheapest picks the cheapest provider that meets its SLO', async () => {
    const cost = (value: number) => ({ costPerMethod: { eth_blockNumber: value } })
    const { pool, recorder } = routingPool(
      { strategy: 'cheapest' },
      { 'ethereum-alpha': cost(3), 'ethereum-bravo': cost(1), 'ethereum-charlie': cost(2) },
    )
    // bravo is cheapest but fails every call: once measured, it misses the error-rate SLO.
    await devnet.provider('ethereum-bravo').set({
      errorRate: 1,
      errorMix: { serverError: 1, rateLimit: 0, rpcError: 0, malformed: 0 },
    })
    await readMany(pool, 20, 1)
    const bravoAttemptsBefore = recorder.attempts('ethereum-bravo')
    const { servedBy, failed } = await readMany(pool, 20, 1)
    expect(failed).toEqual([])
    expect(servedBy).toEqual(new Map([['ethereum-charlie', 20]]))
    expect(recorder.attempts('ethereum-bravo')).toBe(bravoAttemptsBefore)
  })
})

describe('racing and subscriptions against the devnet', () => {
  it('delivers every block and log exactly once, in order, while upstreams keep dropping; unsubscribing leaves nothing behind', async () => {
    const soakMs = Number(process.env.CHAINPULSE_SOAK_MS ?? 60_000)
    const { pool } = makePool({ headPollIntervalMs: 500 })
    const chain = devnet.chain('ethereum')
    for (const [index, id] of ids.entries()) await devnet.provider(id).set({ wsDelayMs: index * 5 })
    const blocks: { number: string; hash: string; parentHash: string }[] = []
    const logs: { blockHash: string; logIndex: string; removed?: boolean }[] = []
    const heads = pool.subscribe('ethereum', 'newHeads', (block) => blocks.push(block))
    const logSubscription = pool.subscribe('ethereum', { logs: {} }, (log) => logs.push(log))
    chain.traffic.start()

    // Drop the provider that is currently delivering first (and, every third time, all of them).
    const started = performance.now()
    let round = 0
    while (performance.now() - started < soakMs) {
      await new Promise((resolve) => setTimeout(resolve, 2_500))
      const active = pool.pubsub.recent('blocks:new', 1)[0]?.firstProviderId
      const victims = ++round % 3 === 0 ? ids : ids.filter((id) => id === active)
      for (const id of victims) await devnet.provider(id).dropConnections()
    }
    chain.traffic.stop()
    const lastNumber = await chain.blockNumber()
    await waitFor(() => blocks.length > 0 && Number.parseInt(blocks.at(-1)!.number, 16) >= lastNumber, {
      timeoutMs: 10_000,
      what: 'subscription caught up with the node',
    })
    await waitFor(() => (logs.length > 0 && logs.at(-1)!.blockHash === blocks.at(-1)!.hash) || undefined, {
      timeoutMs: 10_000,
      what: 'logs caught up',
    }).catch(() => undefined) // the last block may simply have no logs

    heads.unsubscribe()
    logSubscription.unsubscribe()
    const deliveredBlocks = blocks.length
    const deliveredLogs = logs.length
    await waitFor(() => pool.upstreamSubscriptionCount() === 0, { what: 'upstream subscriptions released' })

    // No gap, no duplicate, parent links intact, and exactly the node's own chain.
    expect(new Set(blocks.map((block) => block.hash)).size).toBe(blocks.length)
    for (let index = 1; index < blocks.length; index++) {
      expect(Number.parseInt(blocks[index]!.number, 16)).toBe(
        Number.parseInt(blocks[index - 1]!.number, 16) + 1,
      )
      expect(blocks[index]!.parentHash).toBe(blocks[index - 1]!.hash)
    }
    const first = blocks[0]!
    const last = blocks.at(-1)!
    const truth = (await chain.rpc('eth_getBlockByNumber', [last.number, false])) as { hash: string }
    expect(truth.hash).toBe(last.hash)
    expect(blocks.length).toBeGreaterThan(soakMs / 400)

    // Logs: exactly the node's logs for the delivered blocks, in order, none removed.
    const nodeLogs = (await chain.rpc('eth_getLogs', [
      { fromBlock: first.number, toBlock: last.number },
    ])) as {
      blockHash: string
      logIndex: string
    }[]
    const key = (log: { blockHash: string; logIndex: string }) =>
      `${log.blockHash}:${Number.parseInt(log.logIndex, 16)}`
    expect(logs.some((log) => log.removed)).toBe(false)
    expect(logs.map(key)).toEqual(nodeLogs.map(key))
    expect(logs.length).toBeGreaterThan(0)

    // After unsubscribing: nothing more arrives.
    await chain.mine(3)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(blocks.length).toBe(deliveredBlocks)
    expect(logs.length).toBe(deliveredLogs)
  }, 120_000)
})
