// @vitest-environment happy-dom
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { describe, expect, it } from 'vitest'
import type { LeaderboardEntry } from '../../api/types.js'
import { createDashboardStore } from '../../stream/dashboard-store.js'
import { MarginDistributionSection } from './margin-distribution.js'
import { marginTrackerOf } from './margin-window.js'

const entry = (providerId: string, rank: number, wins: number) =>
  ({ providerId, rank, wins, losses: 1, totalRaces: wins + 1 }) as LeaderboardEntry

describe('MarginDistributionSection', () => {
  it('shows each provider of the leaderboard with its recent margins, and all-time on demand', async () => {
    const store = createDashboardStore()
    const tracker = marginTrackerOf(store)
    store.apply(
      [40, 0, 60].map((marginMs, index) => ({
        topic: 'races',
        payload: {
          chain: 'ethereum',
          eventType: 'newHeads',
          key: `0x${index}`,
          providerId: 'beta',
          result: marginMs === 0 ? 'win' : 'loss',
          marginMs,
        },
      })),
    )
    const root = document.createElement('div')
    document.body.append(root)
    render(
      <MarginDistributionSection
        chain="ethereum"
        leaderboard={[entry('alpha', 1, 9), entry('beta', 2, 1)]}
        tracker={tracker}
        allTime={{ beta: { count: 1, meanMs: 250, p50Ms: 250, p95Ms: 250, buckets: [] } }}
      />,
      root,
    )
    const row = (id: string) => root.querySelector(`tr[data-provider="${id}"]`)!
    const cells = (id: string) =>
      [...row(id).querySelectorAll('td')].map((cell) =>
        cell.classList.contains('histogram-cell') ? '' : cell.textContent,
      )
    expect(cells('beta')).toEqual(['beta', '33.3%', '', '40.0 ms', '60.0 ms'])
    expect(row('beta').querySelectorAll('td')[1]!.getAttribute('title')).toBe('1 of 3 races')
    expect(row('beta').querySelector('td:last-child')!.getAttribute('title')).toBe(
      'p99 60.0 ms · max 60.0 ms',
    )
    expect(cells('alpha').slice(0, 2)).toEqual(['alpha', '—'])
    expect(row('beta').querySelectorAll('line.marker')).toHaveLength(2)

    await act(() => root.querySelector<HTMLButtonElement>('[data-testid="margin-source-all-time"]')!.click())
    expect(cells('beta').slice(0, 4)).toEqual(['beta', '50.0%', '', '250 ms'])
    expect(cells('alpha').slice(0, 2)).toEqual(['alpha', '100%'])
    // Back to the default, for the other tests of this module-level choice.
    await act(() => root.querySelector<HTMLButtonElement>('[data-testid="margin-source-recent"]')!.click())
    expect(cells('beta')[3]).toBe('40.0 ms')
    render(null, root)
  })
})
