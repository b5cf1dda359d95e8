// @vitest-environment happy-dom
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { ProviderView } from '../../api/types.js'
import { EDGE_FLOW_HZ, Topology } from './topology.js'

const provider = (id: string) =>
  ({ id, chain: 'ethereum', health: 'healthy', breaker: 'closed' }) as ProviderView

describe('Topology edge flow', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('steps the dashes of loaded edges a few times a second and leaves idle edges still', () => {
    vi.useFakeTimers()
    const root = document.createElement('div')
    act(() => {
      render(
        <Topology
          providers={[provider('busy'), provider('idle')]}
          chains={['ethereum']}
          connections={[]}
          traffic={{ busy: { requestsPerSecond: 80, errorRate: 0 } }}
        />,
        root,
      )
    })
    const edge = (id: string) => root.querySelector<SVGPathElement>(`path[data-edge="${id}"]`)!
    const offsets: string[] = []
    for (let tick = 0; tick < 3; tick++) {
      vi.advanceTimersByTime(1_000 / EDGE_FLOW_HZ)
      offsets.push(edge('busy').style.strokeDashoffset)
    }
    expect(new Set(offsets).size).toBe(3)
    expect(edge('busy').getAttribute('data-load')).toBe('high')
    expect(edge('idle').style.strokeDashoffset).toBe('')
    render(null, root)
  })
})
