import { readFile } from 'node:fs/promises'
import {
  createBenchmarkStore,
  type LeaderboardEntry,
  parseBenchmarkSnapshot,
  type RpcStatsRow,
} from '@chainpulse/core'
import type { BenchmarkFigures } from '../invariants/restart-invariants.js'

/**
 * A chain's race and call figures per provider as a benchmark snapshot file holds them: the file is
 * restored into a fresh store, as the server does at start, and read the way the API reads its own.
 *
 * @throws {Error} when the file is missing or not a valid snapshot
 */
export async function snapshotFigures(
  path: string,
  chain: string,
): Promise<BenchmarkFigures & { savedAt: number }> {
  const snapshot = parseBenchmarkSnapshot(JSON.parse(await readFile(path, 'utf8')))
  const store = createBenchmarkStore()
  store.restore(snapshot)
  return {
    savedAt: snapshot.savedAt,
    leaderboard: store.leaderboard(chain),
    rpc: store.rpcStats(chain, ['providerId']),
  }
}

/** The same figures from a running server's dashboard API (`/api/leaderboard`, `/api/rpc-stats`). */
export async function apiFigures(origin: string, chain: string): Promise<BenchmarkFigures> {
  const get = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${origin}/api${path}`, { signal: AbortSignal.timeout(5_000) })
    if (!response.ok) throw new Error(`GET /api${path}: ${response.status} ${await response.text()}`)
    return (await response.json()) as T
  }
  const [board, stats] = await Promise.all([
    get<{ leaderboard: LeaderboardEntry[] }>(`/leaderboard/${chain}`),
    get<{ rows: RpcStatsRow[] }>(`/rpc-stats/${chain}?groupBy=providerId`),
  ])
  return { leaderboard: board.leaderboard, rpc: stats.rows }
}

/** `wins/races` per provider and the call count, in one line, for a report note. */
export function describeFigures(figures: BenchmarkFigures): string {
  const races = figures.leaderboard.map((row) => `${row.providerId} ${row.wins}/${row.totalRaces}`).join(', ')
  const calls = figures.rpc.reduce((total, row) => total + row.count, 0)
  return `wins/races ${races || 'none'}; ${calls} calls`
}
