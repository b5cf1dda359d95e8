import { type Devnet, startDevnet } from '@chainpulse/devnet'
import { waitFor } from '@chainpulse/devnet/testing'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { AllProvidersFailedError, NoProviderAvailableError } from '../errors/errors.js'
import type { ProviderPoolEvent } from '../pubsub/topics.js'
import { createProviderPool } from './provider-pool.js'
import type { ProviderPool, ProviderPoolOptions } from './types.js'

// One real devnet for the file: one chain with fast blocks and three providers in front of its anvil
// node. Every test starts from neutral personalities and builds its own pool.
let devnet: Devnet
const ids = ['ethereum-alpha', 'ethereum-bravo', 'ethereum-charlie'] as const
const neutral = {
  latencyMs: 0,
  jitterMs: 0,
  errorRate: 0,
  hangRate: 0,
  lagBlocks: 0,
  wsDelayMs: 0,
  wsJitterMs: 0,
  wsDropRate: 0,
  mode: 'up' as const,
}

beforeAll(async () => {
  devnet = await startDevnet({
    seed: 7,
    chains: [{ name: 'ethereum', blockTimeMs: 200, providers: 3, traffic: false }],
  })
})
afterAll(async () => {
  await devnet?.stop()
})
beforeEach(async () => {
  for (const id of ids) {
    await devnet.provider(id).revive()
    await devnet.provider(id).set(neutral)
  }
})

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
  const pool = createProviderPool({
    chains: [{ name: 'ethereum', chainId: 1 }],
    providers: devnet.manifest.providers.map((provider) => ({
      id: provider.id,
      chain: 'ethereum',
      httpUrl: provider.httpUrl,
      wsUrl: provider.wsUrl,
      ...providerOptions[provider.id],
    })),
    racing: false,
    requestTimeoutMs: 2_000,
    fetch: (url, init) => {
      log.push(`attempt:${byUrl.get(url) ?? url}`)
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
): Promise<{ failed: unknown[]; servedBy: Map<string, number> }> {
  const failed: unknown[] = []
  const servedBy = new Map<string, number>()
  let started = 0
  let done = 0
  const worker = async () => {
    while (started < total) {
      started++
      try {
        const { providerId } = await pool.request({ chain: 'ethereum', method: 'eth_blockNumber' })
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
  it('loses no read while one of three providers is killed and revived; the dead one only gets half-open probes', async () => {
    const { pool, recorder } = makePool({
      strategy: 'round-robin',
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
    const { pool, recorder } = makePool({ strategy: 'round-robin' })
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
    const { pool, recorder } = makePool({ breaker: { failureThreshold: 2, halfOpenAfterMs: 60_000 } })
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
