import { type DevnetProcess, spawnDevnet, waitFor } from '@chainpulse/devnet/testing'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { RaceEvent } from '../pubsub/topics.js'
import { createProviderPool } from './provider-pool.js'

// The devnet runs in its own process here: in-process, the pool's work would delay the simulated
// providers' delivery timers (and the other way round) and blur sub-millisecond margins.
let devnet: DevnetProcess

beforeAll(async () => {
  devnet = await spawnDevnet([
    '--chains',
    'ethereum',
    '--providers',
    '3',
    '--block-time',
    '200',
    '--no-traffic',
  ])
  for (const provider of devnet.manifest.providers) {
    await devnet.set(provider.id, {
      latencyMs: 0,
      jitterMs: 0,
      errorRate: 0,
      hangRate: 0,
      lagBlocks: 0,
      wsJitterMs: 0,
      wsDropRate: 0,
      wsDelayMs: 0,
    })
  }
}, 30_000)
afterAll(async () => {
  await devnet?.stop()
})

it('the provider with the smallest delivery delay wins, and measured margins match the configured delays', async () => {
  await devnet.set('ethereum-bravo', { wsDelayMs: 20 })
  await devnet.set('ethereum-charlie', { wsDelayMs: 50 })
  const pool = createProviderPool({
    chains: [{ name: 'ethereum', chainId: 1 }],
    providers: devnet.manifest.providers.map(({ id, httpUrl, wsUrl }) => ({
      id,
      chain: 'ethereum',
      httpUrl,
      wsUrl,
    })),
  })
  try {
    // The first races pay for JIT compilation and fresh connections; measure after a warm-up.
    await waitFor(() => (pool.store.leaderboard('ethereum')[0]?.totalRaces ?? 0) >= 5, {
      timeoutMs: 10_000,
      what: 'warm-up races',
    })
    const races: RaceEvent[] = []
    pool.pubsub.subscribe('races', (race) => races.push(race))
    await waitFor(() => races.filter((race) => race.result === 'win').length >= 40, {
      timeoutMs: 20_000,
      what: '40 races',
    })

    const wins = races.filter((race) => race.result === 'win')
    const alphaWins = wins.filter((race) => race.providerId === 'ethereum-alpha').length
    expect(alphaWins / wins.length).toBeGreaterThanOrEqual(0.9)
    expect(pool.store.leaderboard('ethereum').map((entry) => entry.providerId)).toEqual([
      'ethereum-alpha',
      'ethereum-bravo',
      'ethereum-charlie',
    ])
    for (const [providerId, delayMs] of [
      ['ethereum-bravo', 20],
      ['ethereum-charlie', 50],
    ] as const) {
      const deviations = races
        .filter((race) => race.providerId === providerId && race.result === 'loss')
        .map((race) => Math.abs(race.marginMs - delayMs))
        .sort((a, b) => a - b)
      const p95 = deviations[Math.ceil(deviations.length * 0.95) - 1]!
      expect(
        p95,
        `${providerId} margin deviations: ${deviations.map((d) => d.toFixed(2)).join(' ')}`,
      ).toBeLessThanOrEqual(1)
    }
  } finally {
    await pool.close()
  }
}, 60_000)
