import type { ConnectionEvent, ProviderView } from '../../api/types.js'
import type { ProviderTraffic } from '../../stream/dashboard-store.js'

/** What the topology colours a provider by; one state wins when several apply (see {@link nodeState}). */
export type NodeState = 'healthy' | 'lagging' | 'cooldown' | 'half-open' | 'open' | 'down'

/** The legend, in display order. */
export const nodeStates: { state: NodeState; label: string }[] = [
  { state: 'healthy', label: 'healthy' },
  { state: 'lagging', label: 'lagging' },
  { state: 'cooldown', label: 'cooldown' },
  { state: 'half-open', label: 'half-open' },
  { state: 'open', label: 'circuit open' },
  { state: 'down', label: 'down (unreachable)' },
]

/**
 * The one state a provider node shows: the breaker first (it decides whether routing may use the
 * provider at all), then health from worst to mildest.
 */
export function nodeState(provider: Pick<ProviderView, 'health' | 'breaker'>): NodeState {
  if (provider.health === 'down') return 'down'
  if (provider.breaker === 'open') return 'open'
  if (provider.breaker === 'half-open') return 'half-open'
  if (provider.health === 'unhealthy') return 'down'
  if (provider.health === 'cooldown') return 'cooldown'
  if (provider.health === 'lagging') return 'lagging'
  return 'healthy'
}

/** How busy an edge looks: its dash speed class. Buckets, so a changing rate does not restart it. */
export type EdgeLoad = 'idle' | 'low' | 'medium' | 'high'

/** The load bucket of `requestsPerSecond`. */
export function edgeLoad(requestsPerSecond: number): EdgeLoad {
  if (requestsPerSecond <= 0) return 'idle'
  if (requestsPerSecond < 5) return 'low'
  if (requestsPerSecond < 50) return 'medium'
  return 'high'
}

/** Stroke width for a rate: logarithmic, so 1 and 1,000 requests/s both read. */
export function edgeWidth(requestsPerSecond: number): number {
  if (requestsPerSecond <= 0) return 1
  // Half-pixel steps: a rate wobbling by a few percent does not rewrite the attribute every frame.
  return Math.min(12, Math.round((2 + Math.log2(1 + requestsPerSecond) * 1.1) * 2) / 2)
}

/** A positioned box. */
export interface Box {
  x: number
  y: number
  width: number
  height: number
}

/** A provider node with its live figures. */
export interface ProviderNode extends Box {
  id: string
  chain: string
  state: NodeState
  requestsPerSecond: number
  errorRate: number | null
}

/** One chain's band: its clients node on the left, its providers framed on the right. */
export interface ChainGroup {
  chain: string
  /** The frame around the chain's providers. */
  frame: Box
  clients: Box & { count: number; requestsPerSecond: number }
  providers: ProviderNode[]
}

/** Everything the SVG draws; geometry depends only on which chains and providers exist. */
export interface TopologyLayout {
  width: number
  height: number
  hub: Box
  groups: ChainGroup[]
  totalClients: number
}

/** Inputs of {@link layoutTopology}. */
export interface TopologyInput {
  providers: ProviderView[]
  /** Chain names in display order; chains only seen on providers follow. */
  chains: string[]
  connections: Pick<ConnectionEvent, 'kind' | 'chain' | 'state'>[]
  traffic: Record<string, ProviderTraffic>
}

export const topologyGeometry = {
  width: 1000,
  padding: 16,
  clientX: 40,
  clientWidth: 190,
  clientHeight: 56,
  hubX: 400,
  hubWidth: 170,
  providerX: 700,
  providerWidth: 260,
  providerHeight: 40,
  providerGap: 10,
  groupHeader: 26,
  groupGap: 18,
} as const

/**
 * Lays out clients → ChainPulse → providers, one band per chain. Providers are sorted by id inside a
 * chain and chains keep their given order, so the picture never moves as states and rates change;
 * it only grows when a provider or chain is added.
 *
 * @example
 * const layout = layoutTopology({ providers, chains: ['ethereum'], connections, traffic })
 * layout.groups[0].providers[0].state // 'healthy'
 */
export function layoutTopology(input: TopologyInput): TopologyLayout {
  const g = topologyGeometry
  const byChain = new Map<string, ProviderView[]>()
  for (const chain of input.chains) byChain.set(chain, [])
  for (const provider of input.providers) {
    const list = byChain.get(provider.chain) ?? []
    list.push(provider)
    byChain.set(provider.chain, list)
  }
  const clientCount = new Map<string, number>()
  for (const connection of input.connections)
    if (connection.kind === 'client' && connection.state !== 'disconnected')
      clientCount.set(connection.chain, (clientCount.get(connection.chain) ?? 0) + 1)

  const groups: ChainGroup[] = []
  let y = g.padding
  for (const [chain, list] of byChain) {
    const sorted = [...list].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    const rows = Math.max(1, sorted.length)
    const frameHeight = g.groupHeader + rows * (g.providerHeight + g.providerGap) + g.providerGap / 2
    const frame = { x: g.providerX - 12, y, width: g.providerWidth + 24, height: frameHeight }
    let chainRate = 0
    const providers = sorted.map((provider, index): ProviderNode => {
      const traffic = input.traffic[provider.id]
      chainRate += traffic?.requestsPerSecond ?? 0
      return {
        id: provider.id,
        chain,
        state: nodeState(provider),
        requestsPerSecond: traffic?.requestsPerSecond ?? 0,
        errorRate: traffic?.errorRate ?? null,
        x: g.providerX,
        y: y + g.groupHeader + index * (g.providerHeight + g.providerGap),
        width: g.providerWidth,
        height: g.providerHeight,
      }
    })
    groups.push({
      chain,
      frame,
      clients: {
        x: g.clientX,
        y: y + frameHeight / 2 - g.clientHeight / 2 + g.groupHeader / 2,
        width: g.clientWidth,
        height: g.clientHeight,
        count: clientCount.get(chain) ?? 0,
        requestsPerSecond: chainRate,
      },
      providers,
    })
    y += frameHeight + g.groupGap
  }
  const height = Math.max(160, y - g.groupGap + g.padding)
  const hubHeight = Math.max(80, height - 2 * g.padding - 20)
  let totalClients = 0
  for (const count of clientCount.values()) totalClients += count
  return {
    width: g.width,
    height,
    hub: { x: g.hubX, y: (height - hubHeight) / 2, width: g.hubWidth, height: hubHeight },
    groups,
    totalClients,
  }
}

/** An S-shaped cubic path from (x1, y1) to (x2, y2), flat at both ends. */
export function edgePath(x1: number, y1: number, x2: number, y2: number): string {
  const mid = (x1 + x2) / 2
  return `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`
}
