import type {
  EventTypeRaceStats,
  LeaderboardEntry,
  MarginStats,
  ProviderPool,
  ProviderStatus,
  RecentProviderStats,
} from '@chainpulse/core'
import type { CallCounts, ChainCalls } from '../../metrics/call-counts.js'
import type { StatsReader, StatsScope } from './stats-source.js'

/**
 * What the dashboard API reads from a pool: core's `ProviderPool` minus subscriptions and provider
 * management. Any pool from `createProviderPool` is one.
 */
export type DashboardPool = Pick<
  ProviderPool,
  | 'request'
  | 'resolveChain'
  | 'chains'
  | 'providers'
  | 'registry'
  | 'store'
  | 'pubsub'
  | 'setStrategy'
  | 'cooldown'
  | 'endCooldown'
  | 'upstreamSubscriptionCount'
>

/** True when `pool` has what the dashboard API needs (a smaller test double may not). */
export function isDashboardPool(pool: object): pool is DashboardPool {
  const candidate = pool as Partial<DashboardPool>
  return (
    typeof candidate.store === 'object' &&
    typeof candidate.pubsub === 'object' &&
    typeof candidate.setStrategy === 'function' &&
    typeof candidate.cooldown === 'function' &&
    typeof candidate.endCooldown === 'function' &&
    typeof candidate.upstreamSubscriptionCount === 'function'
  )
}

/** One chain in `GET /api/chains`. */
export interface ChainView {
  name: string
  chainId: number
  /** Default strategy of the chain (what requests naming none use). */
  strategy: string
  head: number | undefined
  /** Provider ids of the chain. */
  providers: string[]
  healthyProviders: number
  /** How the chain's client calls were answered since the server started: cache, coalescing, upstream. */
  calls: ChainCalls
}

/** One provider in `GET /api/providers` and the stream's `providers` topic. URLs are redacted. */
export interface ProviderView extends ProviderStatus {
  /** All-history RPC figures of the provider (every method and strategy). */
  rpc: {
    count: number
    errors: number
    successRate: number | null
    meanMs: number
    p50Ms: number
    p95Ms: number
  }
  /** Time-decayed recent figures (what routing sees now); `null` after a long idle. */
  recent: RecentProviderStats | null
  /** Race standing; `null` when it never raced (e.g. an HTTP-only provider). */
  race: { rank: number; score: number; winRate: number; totalRaces: number; avgMarginMs: number } | null
}

/** Body of `GET /api/leaderboard/:chain`. */
export interface LeaderboardView {
  chain: string
  /** Whose races: this instance's, or the cluster's (when the server shares aggregates). */
  scope: StatsScope
  leaderboard: LeaderboardEntry[]
  /** Wins and losses per provider × event type. */
  byEventType: EventTypeRaceStats[]
  /** Loss-margin distribution of the whole chain. */
  margins: MarginStats
  /** Loss-margin distribution per provider. */
  marginsByProvider: Record<string, MarginStats>
}

/** The chains, as `GET /api/chains` shows them. */
export function chainViews(pool: DashboardPool, calls: CallCounts): ChainView[] {
  const providers = pool.providers()
  return pool.chains().map((chain) => {
    const own = providers.filter((provider) => provider.chain === chain.name)
    return {
      name: chain.name,
      chainId: chain.chainId,
      strategy: chain.strategy,
      head: chain.head,
      providers: own.map((provider) => provider.id),
      healthyProviders: own.filter((provider) => provider.health === 'healthy').length,
      calls: calls.of(chain.name),
    }
  })
}

/**
 * The providers (of one chain, or all), with all-history RPC and race figures from `stats` (the pool's
 * store, or the cluster's figures); `recent` is always this instance's own, the figures its routing reads.
 */
export function providerViews(
  pool: DashboardPool,
  chain?: string,
  stats: StatsReader = pool.store,
): ProviderView[] {
  const statuses = pool.providers(chain)
  const perChain = new Map<
    string,
    { rpc: Map<string, ProviderView['rpc']>; race: Map<string, LeaderboardEntry> }
  >()
  const figuresOf = (name: string) => {
    let figures = perChain.get(name)
    if (!figures) {
      const rpc = new Map<string, ProviderView['rpc']>()
      for (const row of stats.rpcStats(name, ['providerId'])) {
        rpc.set(row.providerId ?? '', {
          count: row.count,
          errors: row.errors,
          successRate: row.count === 0 ? null : (row.count - row.errors) / row.count,
          meanMs: row.meanMs,
          p50Ms: row.p50Ms,
          p95Ms: row.p95Ms,
        })
      }
      const race = new Map(stats.leaderboard(name).map((row) => [row.providerId, row]))
      figures = { rpc, race }
      perChain.set(name, figures)
    }
    return figures
  }
  return statuses.map((status) => {
    const figures = figuresOf(status.chain)
    const race = figures.race.get(status.id)
    return {
      ...status,
      rpc: figures.rpc.get(status.id) ?? {
        count: 0,
        errors: 0,
        successRate: null,
        meanMs: 0,
        p50Ms: 0,
        p95Ms: 0,
      },
      recent: pool.store.recent(status.chain, status.id) ?? null,
      race: race
        ? {
            rank: race.rank,
            score: race.score,
            winRate: race.winRate,
            totalRaces: race.totalRaces,
            avgMarginMs: race.avgMarginMs,
          }
        : null,
    }
  })
}

/** The race standing of one chain (a resolved chain name), from `stats` (scoped as `scope` says). */
export function leaderboardView(stats: StatsReader, chain: string, scope: StatsScope): LeaderboardView {
  const leaderboard = stats.leaderboard(chain)
  const marginsByProvider: Record<string, MarginStats> = {}
  for (const row of leaderboard) marginsByProvider[row.providerId] = stats.marginStats(chain, row.providerId)
  return {
    chain,
    scope,
    leaderboard,
    byEventType: stats.raceStatsByEventType(chain),
    margins: stats.marginStats(chain),
    marginsByProvider,
  }
}
