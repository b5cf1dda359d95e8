import { describe, expect, it } from 'vitest'
import type { ProviderView } from '../../api/types.js'
import { edgeLoad, edgeWidth, layoutTopology, nodeState } from './topology-model.js'

const provider = (id: string, chain: string, overrides: Partial<ProviderView> = {}) =>
  ({ id, chain, health: 'healthy', breaker: 'closed', ...overrides }) as ProviderView

describe('nodeState', () => {
  it('puts the breaker before health, and the worst health first', () => {
    expect(nodeState({ health: 'lagging', breaker: 'open' })).toBe('open')
    expect(nodeState({ health: 'unhealthy', breaker: 'half-open' })).toBe('half-open')
    expect(nodeState({ health: 'unhealthy', breaker: 'closed' })).toBe('down')
    expect(nodeState({ health: 'cooldown', breaker: 'closed' })).toBe('cooldown')
    expect(nodeState({ health: 'lagging', breaker: 'closed' })).toBe('lagging')
    expect(nodeState({ health: 'healthy', breaker: 'closed' })).toBe('healthy')
  })
})

describe('edges', () => {
  it('grow with traffic but stay bounded', () => {
    expect(edgeWidth(0)).toBe(1)
    expect(edgeWidth(10)).toBeGreaterThan(edgeWidth(1))
    expect(edgeWidth(100_000)).toBe(12)
    expect([0, 1, 20, 500].map(edgeLoad)).toEqual(['idle', 'low', 'medium', 'high'])
  })
})

describe('layoutTopology', () => {
  const providers = [
    provider('eth-b', 'ethereum'),
    provider('poly-a', 'polygon'),
    provider('eth-a', 'ethereum', { breaker: 'open' }),
  ]

  it('groups providers by chain in a stable order and counts open client connections per chain', () => {
    const layout = layoutTopology({
      providers,
      chains: ['ethereum', 'polygon'],
      connections: [
        { kind: 'client', chain: 'ethereum', state: 'connected' },
        { kind: 'client', chain: 'ethereum', state: 'disconnected' },
        { kind: 'upstream', chain: 'ethereum', state: 'connected' },
        { kind: 'client', chain: 'polygon', state: 'connecting' },
      ],
      traffic: { 'eth-b': { requestsPerSecond: 12, errorRate: 0 } },
    })
    expect(layout.groups.map((group) => group.chain)).toEqual(['ethereum', 'polygon'])
    expect(layout.groups[0]!.providers.map((node) => `${node.id}:${node.state}`)).toEqual([
      'eth-a:open',
      'eth-b:healthy',
    ])
    expect(layout.groups[0]!.clients.count).toBe(1)
    expect(layout.groups[0]!.clients.requestsPerSecond).toBe(12)
    expect(layout.groups[1]!.clients.count).toBe(1)
    expect(layout.totalClients).toBe(2)
  })

  it('keeps every coordinate when states, traffic and clients change', () => {
    const geometry = (input: Parameters<typeof layoutTopology>[0]) => {
      const layout = layoutTopology(input)
      return {
        size: [layout.width, layout.height],
        hub: layout.hub,
        boxes: layout.groups.flatMap((group) => [
          group.frame,
          { x: group.clients.x, y: group.clients.y },
          ...group.providers.map(({ x, y, width, height }) => ({ x, y, width, height })),
        ]),
      }
    }
    const quiet = geometry({ providers, chains: ['ethereum', 'polygon'], connections: [], traffic: {} })
    const busy = geometry({
      providers: [...providers].reverse().map((entry) => ({ ...entry, health: 'lagging' as const })),
      chains: ['ethereum', 'polygon'],
      connections: [{ kind: 'client', chain: 'polygon', state: 'connected' }],
      traffic: { 'eth-a': { requestsPerSecond: 900, errorRate: 0.5 } },
    })
    expect(busy).toEqual(quiet)
  })
})
