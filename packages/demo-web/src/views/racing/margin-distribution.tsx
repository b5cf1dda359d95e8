import { signal } from '@preact/signals'
import type { LeaderboardEntry, MarginStats } from '../../api/types.js'
import { MarginAxis, MarginHistogram } from '../../components/margin-histogram.js'
import { Empty } from '../../components/ui.js'
import { formatCount, formatMs, formatPercent } from '../../format/format.js'
import {
  fromMarginStats,
  MARGIN_BOUNDS_MS,
  type MarginDistribution,
  type MarginTracker,
  type MarginWindow,
} from './margin-window.js'

/** Which races a distribution covers: the page's recent window, or the server's all-time aggregate. */
export type MarginSource = 'recent' | 'all-time'

// Shared by every chain's panel and kept across tab switches.
const source = signal<MarginSource>('recent')

const P50_COLOR = '#e6edf3'
const P95_COLOR = '#f0883e'

/** One distribution per provider, in leaderboard order, from the chosen source. */
export function distributionsFor(
  chain: string,
  leaderboard: readonly LeaderboardEntry[],
  from: MarginSource,
  window: MarginWindow,
  allTime: Record<string, MarginStats> | undefined,
): { providerId: string; distribution: MarginDistribution }[] {
  return leaderboard.map((row) => ({
    providerId: row.providerId,
    distribution:
      from === 'recent'
        ? window.distribution(chain, row.providerId)
        : fromMarginStats(allTime?.[row.providerId], row.wins),
  }))
}

/**
 * How far behind the first copy each provider's events arrive: a histogram of loss margins per provider
 * with p50 and p95 marked, over the latest races the page saw or over all history.
 */
export function MarginDistributionSection(props: {
  chain: string
  leaderboard: readonly LeaderboardEntry[]
  tracker: MarginTracker
  allTime: Record<string, MarginStats> | undefined
}) {
  const { window, revision } = props.tracker
  const from = source.value
  // Read here, not in the view: only this section re-renders as races arrive.
  if (from === 'recent') void revision.value
  const rows = distributionsFor(props.chain, props.leaderboard, from, window, props.allTime)
  return (
    <div class="margin-distribution" data-testid={`margins-${props.chain}`}>
      <div class="subhead">
        <h3>loss margin distribution</h3>
        <fieldset class="segmented" aria-label="margin source">
          {(['recent', 'all-time'] as const).map((value) => (
            <button
              type="button"
              key={value}
              aria-pressed={from === value}
              data-testid={`margin-source-${value}`}
              onClick={() => {
                source.value = value
              }}
            >
              {value === 'recent' ? `last ${window.perProvider} races` : 'all time'}
            </button>
          ))}
        </fieldset>
      </div>
      {rows.length === 0 ? (
        <Empty>No races yet.</Empty>
      ) : (
        <div class="scroll">
          <table class="margins">
            <thead>
              <tr>
                <th>provider</th>
                <th class="num">won</th>
                <th class="histogram-cell">
                  <MarginAxis bounds={MARGIN_BOUNDS_MS} fluid />
                </th>
                <th class="num" style={{ color: P50_COLOR }}>
                  p50
                </th>
                <th class="num" style={{ color: P95_COLOR }}>
                  p95
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ providerId, distribution }) => (
                <tr key={providerId} data-provider={providerId}>
                  <td class="mono">{providerId}</td>
                  <td
                    class="num"
                    title={`${formatCount(distribution.wins)} of ${formatCount(distribution.races)} races`}
                  >
                    {distribution.races === 0 ? '—' : formatPercent(distribution.wins / distribution.races)}
                  </td>
                  <td class="histogram-cell">
                    <MarginHistogram
                      bounds={MARGIN_BOUNDS_MS}
                      counts={distribution.buckets}
                      fluid
                      markers={[
                        { label: 'p50', ms: distribution.p50Ms, color: P50_COLOR },
                        { label: 'p95', ms: distribution.p95Ms, color: P95_COLOR },
                      ]}
                    />
                  </td>
                  <td class="num">{formatMs(distribution.p50Ms)}</td>
                  <td
                    class="num"
                    title={`p99 ${formatMs(distribution.p99Ms)} · max ${formatMs(distribution.maxMs)}`}
                  >
                    {formatMs(distribution.p95Ms)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p class="muted hint">
        Bars: losses by how many ms after the winner the copy arrived (ms, log-spaced); wins are not bars.
      </p>
    </div>
  )
}
