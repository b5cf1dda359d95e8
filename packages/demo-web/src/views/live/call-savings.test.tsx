// @vitest-environment happy-dom
import { render } from 'preact'
import { describe, expect, it } from 'vitest'
import type { CallSavings } from '../../stream/dashboard-store.js'
import { CallSavingsTable } from './call-savings.js'

function mount(node: preact.ComponentChild): HTMLElement {
  const root = document.createElement('div')
  render(node, root)
  return root
}

const ethereum: CallSavings = {
  total: {
    calls: 12_345,
    cacheHits: 6_000,
    coalesced: 345,
    routed: 6_000,
    upstreamCalls: 6_100,
    saved: 6_345,
  },
  recent: {
    seconds: 60,
    calls: 240,
    cacheHits: 180,
    coalesced: 12,
    saved: 192,
    upstreamCalls: 50,
    hitRate: 0.75,
  },
  savedPerSecond: [2, 4, 3],
}

describe('CallSavingsTable', () => {
  it('shows per chain the hit rate, coalesced and saved calls of the window, a sparkline and the totals', () => {
    const root = mount(<CallSavingsTable chains={['ethereum']} savings={{ ethereum }} />)
    const row = root.querySelector('tr[data-chain="ethereum"]')!
    const field = (name: string) => row.querySelector(`[data-field="${name}"]`)!.textContent
    expect(field('hit-rate')).toBe('75.0%')
    expect(field('coalesced')).toBe('12')
    expect(field('saved')).toBe('192')
    expect(field('calls-total')).toBe('12,345')
    expect(field('hits-total')).toBe('6,000')
    expect(field('coalesced-total')).toBe('345')
    expect(field('saved-total')).toBe('6,345')
    expect(field('upstream-total')).toBe('6,100')
    expect(row.querySelectorAll('[data-field="saved-per-second"] polyline')).toHaveLength(1)
    expect(root.querySelector('[data-field="window"]')!.textContent).toBe('last 60 s')
  })

  it('shows dashes until the window has two snapshots, and only the chains asked for', () => {
    const polygon: CallSavings = { total: ethereum.total, recent: null, savedPerSecond: [] }
    const root = mount(<CallSavingsTable chains={['polygon']} savings={{ ethereum, polygon }} />)
    expect(root.querySelectorAll('tbody tr')).toHaveLength(1)
    expect(root.querySelector('tr[data-chain="polygon"] [data-field="hit-rate"]')!.textContent).toBe('—')
    expect(root.querySelector('tr[data-chain="polygon"] polyline')).toBeNull()
  })

  it('waits for the first snapshot', () => {
    expect(mount(<CallSavingsTable chains={[]} savings={{}} />).textContent).toContain('Waiting')
  })
})
