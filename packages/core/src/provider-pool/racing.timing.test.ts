import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { type DevnetProcess, spawnDevnet, waitFor } from '@chainpulse/devnet/testing'
import { afterAll, beforeAll, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { RaceEvent } from '../pubsub/topics.js'
import { createProviderPool } from './provider-pool.js'

// `gc()` without --expose-gc on the worker's command line: the flag can be set at run time.
setFlagsFromString('--expose-gc')
const collectGarbage = runInNewContext('gc') as () => void

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
    '150',
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

it('the provider with the smallest delivery delay wins; margins match the wire and the configured delays within ±1 ms at p95', async () => {
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
    // Ground truth: plain sockets in this process note when each provider's copy of each block arrives,
    // so the pool's measured margins can be compared with what really happened on the wire.
    const arrivals = new Map<string, Map<string, number>>()
    const observers = devnet.manifest.providers.map(({ id, wsUrl }) => {
      const socket = new WebSocket(wsUrl)
      socket.on('open', () =>
        socket.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] })),
      )
      socket.on('message', (data) => {
        const receivedAt = performance.now()
        const message = JSON.parse(String(data)) as { params?: { result: { hash: string } } }
        const hash = message.params?.result.hash
        if (!hash) return
        const byProvider = arrivals.get(hash) ?? new Map<string, number>()
        byProvider.set(id, receivedAt)
        arrivals.set(hash, byProvider)
        // Collect garbage between blocks, after the last copy: left to itself, V8 here runs 5–10 ms
        // mark-compacts every second or so, and one landing between two copies of a block delays the
        // pool's and the observer's timestamps alike, by milliseconds.
        if (byProvider.size === devnet.manifest.providers.length) setImmediate(collectGarbage)
      })
      return socket
    })
    const races: RaceEvent[] = []
    pool.pubsub.subscribe('races', (race) => races.push(race))
    // 120 races: a p95 over 60 rests on its 4th-largest error, so two or three scheduling hiccups of this
    // shared 2-core machine decided it; over 120 it takes seven.
    await waitFor(() => races.filter((race) => race.result === 'win').length >= 120, {
      timeoutMs: 45_000,
      what: '120 races',
    })
    for (const socket of observers) socket.close()

    const wins = races.filter((race) => race.result === 'win')
    const alphaWins = wins.filter((race) => race.providerId === 'ethereum-alpha').length
    expect(alphaWins / wins.length).toBeGreaterThanOrEqual(0.9)
    // The spec's score is 0 for a provider that never wins, so two always-losers tie on score; their
    // average margins still tell them apart.
    const leaderboard = pool.store.leaderboard('ethereum')
    const margin = (id: string) => leaderboard.find((entry) => entry.providerId === id)!.avgMarginMs
    expect(leaderboard[0]?.providerId).toBe('ethereum-alpha')
    expect(margin('ethereum-bravo')).toBeLessThan(margin('ethereum-charlie'))
    const percentile = (values: number[], p: number) =>
      [...values].sort((a, b) => a - b)[Math.ceil(values.length * p) - 1]!
    for (const [providerId, delayMs] of [
      ['ethereum-bravo', 20],
      ['ethereum-charlie', 50],
    ] as const) {
      const losses = races.filter((race) => race.providerId === providerId && race.result === 'loss')
      // Against the wire: ChainPulse's measurement error, within ±1 ms at p95.
      const measurementErrors = losses.flatMap((race) => {
        const seen = arrivals.get(race.key)
        const first = seen?.get('ethereum-alpha')
        const own = seen?.get(providerId)
        return first === undefined || own === undefined ? [] : [Math.abs(race.marginMs - (own - first))]
      })
      expect(measurementErrors.length).toBeGreaterThanOrEqual(losses.length * 0.8)
      expect(percentile(measurementErrors, 0.95), `${providerId} vs the wire`).toBeLessThanOrEqual(1)
      // Against the configured delay, within ±1 ms at p95: the simulated provider times its delay from
      // when the devnet got the block from anvil, so what remains is both processes' scheduling.
      const delayErrors = losses.map((race) => Math.abs(race.marginMs - delayMs))
      const summary = delayErrors.map((error) => error.toFixed(2)).join(' ')
      expect(percentile(delayErrors, 0.95), `${providerId} vs configured: ${summary}`).toBeLessThanOrEqual(1)
    }
  } finally {
    await pool.close()
  }
}, 60_000)
