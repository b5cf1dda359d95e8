// @vitest-environment happy-dom
import { render } from 'preact'
import { describe, expect, it } from 'vitest'
import type { RoutingDecision } from '../../api/types.js'
import { RoutingFeed } from './feeds.js'

const decision = (n: number): RoutingDecision => ({
  ts: 1_000_000 + n,
  chain: 'ethereum',
  method: `call_${n}`,
  strategy: 'priority',
  providerId: 'ethereum-alpha',
  durationMs: 3,
  result: 'ok',
  failoverCount: 0,
  attempts: 1,
})

const methods = (root: HTMLElement) =>
  [...root.querySelectorAll('[data-row="decision"] [data-field="method"]')].map((cell) => cell.textContent)

describe('RoutingFeed', () => {
  it('puts only the rows in view in the DOM, newest first, and counts them all', () => {
    const root = document.createElement('div')
    const items = Array.from({ length: 100 }, (_, n) => decision(99 - n))
    render(<RoutingFeed items={items} />, root)
    // 360 px viewport, a 24 px header, 24 px rows: 14 in view and 2 below.
    expect(methods(root)).toEqual(items.slice(0, 16).map((item) => item.method))
    expect(root.querySelector('h2')!.textContent).toContain('Routing decisions (100)')
    expect(root.querySelector<HTMLElement>('tbody')!.style.height).toBe('2400px')
  })

  it('adds a row for a new item and moves the others instead of rebuilding them', () => {
    const root = document.createElement('div')
    const items = Array.from({ length: 100 }, (_, n) => decision(99 - n))
    render(<RoutingFeed items={items} />, root)
    const firstRow = root.querySelector('[data-row="decision"]')
    render(<RoutingFeed items={[decision(100), ...items.slice(0, 99)]} />, root)
    const rows = root.querySelectorAll('[data-row="decision"]')
    expect(rows[0]!.querySelector('[data-field="method"]')!.textContent).toBe('call_100')
    expect(rows[1]).toBe(firstRow)
    expect(rows).toHaveLength(16)
  })

  it('marks the call that moved a session, naming the provider it left', () => {
    const root = document.createElement('div')
    const moved: RoutingDecision = {
      ...decision(2),
      providerId: 'ethereum-bravo',
      failoverCount: 1,
      session: '5e0c1f9a27b4',
      sessionMoved: true,
      previousProviderId: 'ethereum-alpha',
    }
    render(<RoutingFeed items={[moved, { ...decision(1), session: '5e0c1f9a27b4' }]} />, root)
    const [first, second] = root.querySelectorAll('[data-row="decision"] [data-field="provider"]')
    expect(first!.textContent).toBe('ethereum-bravo ← ethereum-alpha')
    expect(first!.getAttribute('title')).toBe('session moved here from ethereum-alpha')
    expect(second!.textContent).toBe('ethereum-alpha')
    expect(second!.querySelector('[data-field="session-moved"]')).toBeNull()
  })
})
