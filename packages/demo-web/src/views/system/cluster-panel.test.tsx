// @vitest-environment happy-dom
import { render } from 'preact'
import { describe, expect, it } from 'vitest'
import type { ClusterView } from '../../api/types.js'
import { ClusterTable } from './cluster-panel.js'

const instance = (instanceId: string, healthy: number, self = false) => ({
  instanceId,
  startedAt: 0,
  lastSeenAt: 9_000,
  version: '1.2.0',
  requestsPerSecond: 12.5,
  providers: { healthy, total: 3 },
  self,
})

describe('ClusterTable', () => {
  it('shows nothing outside cluster mode', () => {
    const root = document.createElement('div')
    render(<ClusterTable view={{ enabled: false }} at={10_000} />, root)
    expect(root.innerHTML).toBe('')
  })

  it("lists each instance's load and provider health, and says when Redis is away", () => {
    const root = document.createElement('div')
    const view: ClusterView = {
      enabled: true,
      instanceId: 'node-0',
      redis: {
        connected: false,
        pubsub: { connected: false, published: 10, delivered: 20, dropped: 3 },
        cache: null,
        commands: { connected: false },
      },
      instances: [instance('node-0', 3, true), instance('node-1', 1)],
      stale: true,
      readAt: 5_000,
    }
    render(<ClusterTable view={view} at={10_000} />, root)
    expect(root.querySelector('h2')!.textContent).toContain('2 instances')
    expect(root.querySelector('[data-testid="cluster-redis"]')!.textContent).toContain('Redis disconnected')
    expect(root.querySelector('[data-testid="cluster-redis"]')!.textContent).toContain('stale')
    const rows = [...root.querySelectorAll('[data-testid="cluster-instance"]')].map((row) => row.textContent)
    expect(rows[0]).toContain('node-0 (this one)')
    expect(rows[0]).toContain('12.5')
    expect(rows[0]).toContain('3/3')
    expect(rows[1]).toContain('1/3')
  })
})
