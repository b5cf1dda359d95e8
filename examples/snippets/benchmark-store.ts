import { createBenchmarkStore, parseBenchmarkSnapshot } from '@chainpulse/core'
import { createFakeClock } from '@chainpulse/core/testing'

export async function main() {
  // A fake clock keeps the example deterministic; in production, leave `clock` out.
  const clock = createFakeClock()
  const store = createBenchmarkStore({ maxEntriesPerChain: 1_000, clock })

  // Races, as the MessageAggregator records them: alchemy delivers 3 of every 4 blocks first,
  // and whoever is second arrives 12 ms later.
  for (let block = 0; block < 100; block++) {
    clock.advance(1_000)
    const [first, second] = block % 4 === 0 ? ['infura', 'alchemy'] : ['alchemy', 'infura']
    store.recordRaceWin('ethereum', first, 'newHeads', clock.now())
    store.recordRaceLoss('ethereum', second, 'newHeads', clock.now() + 12, 12)
  }

  // RPC calls, as the provider pool records them after each attempt: infura is slower and fails 1 in 5.
  for (let i = 0; i < 50; i++) {
    clock.advance(100)
    store.recordRpcCall('ethereum', {
      providerId: 'alchemy',
      method: 'eth_call',
      strategy: 'fastest',
      durationMs: 40 + (i % 10),
      ok: true,
    })
    store.recordRpcCall('ethereum', {
      providerId: 'infura',
      method: 'eth_call',
      strategy: 'fastest',
      durationMs: 90,
      ok: i % 5 !== 0,
    })
  }

  const leaderboard = store.leaderboard('ethereum').map((row) => {
    const score = row.score.toFixed(2)
    return `#${row.rank} ${row.providerId}: ${row.wins}/${row.totalRaces} won, score ${score}`
  })
  const latency = store.rpcStats('ethereum', ['providerId']).map((row) => {
    return `${row.providerId}: ${row.count} calls, ${row.errors} errors, p95 ${row.p95Ms.toFixed(0)} ms`
  })

  // What a routing strategy reads on every request: O(1), decayed over time.
  const recent = store.recent('ethereum', 'infura', 'eth_call')

  // Persist across restarts: the snapshot is plain JSON, checked again when read back.
  const saved = JSON.stringify(store.snapshot())
  const restarted = createBenchmarkStore({ maxEntriesPerChain: 1_000, clock })
  restarted.restore(parseBenchmarkSnapshot(JSON.parse(saved)))

  return {
    leaderboard,
    latency,
    recentErrorRate: recent?.errorRate,
    restoredLeaderboard: restarted.leaderboard('ethereum').map((row) => row.providerId),
  }
}
