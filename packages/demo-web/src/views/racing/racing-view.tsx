import { api } from '../../api/client.js'
import type { LeaderboardEntry, ProviderView, ScoreHistory } from '../../api/types.js'
import { usePolling } from '../../api/use-polling.js'
import { useStore } from '../../app-context.js'
import { palette, TimeChart } from '../../components/time-chart.js'
import { Empty, Panel } from '../../components/ui.js'
import { formatCount, formatMs, formatNumber, formatPercent } from '../../format/format.js'
import { MarginDistributionSection } from './margin-distribution.js'
import { type MarginTracker, marginTrackerOf } from './margin-window.js'

/** Score history as uPlot columns: one series per provider that appears in any sample. */
export function scoreSeries(history: ScoreHistory): { providers: string[]; data: (number | null)[][] } {
  const providers = [
    ...new Set(history.samples.flatMap((sample) => sample.providers.map((entry) => entry.providerId))),
  ]
  const data: (number | null)[][] = [history.samples.map((sample) => sample.ts / 1_000)]
  for (const id of providers)
    data.push(
      history.samples.map(
        (sample) => sample.providers.find((entry) => entry.providerId === id)?.score ?? null,
      ),
    )
  return { providers, data }
}

/**
 * Leaderboard rows of providers no longer in the pool (a stopped simulated provider, one removed at
 * runtime): their race history stays, marked as removed. Nothing is marked before the first providers
 * snapshot has arrived.
 */
export function removedProviders(
  leaderboard: readonly LeaderboardEntry[],
  providers: readonly ProviderView[],
  chain: string,
): Set<string> {
  if (providers.length === 0) return new Set()
  const current = new Set(
    providers.filter((provider) => provider.chain === chain).map((provider) => provider.id),
  )
  return new Set(leaderboard.map((row) => row.providerId).filter((id) => !current.has(id)))
}

function ChainRace(props: {
  chain: string
  leaderboard: LeaderboardEntry[]
  removed: Set<string>
  margins: MarginTracker
}) {
  const history = usePolling(() => api.scoreHistory(props.chain), 5_000, props.chain)
  const detail = usePolling(() => api.leaderboard(props.chain), 5_000, props.chain)
  const series = history.data ? scoreSeries(history.data) : undefined
  return (
    <Panel title={`${props.chain} — leaderboard`} testId={`race-${props.chain}`}>
      {props.leaderboard.length === 0 ? (
        <Empty>No races yet on {props.chain} (providers race over WebSocket newHeads).</Empty>
      ) : (
        <div class="scroll">
          {/* The score and the three figures it is computed from (win rate, average margin, races), so
              it fits half a laptop screen; wins and losses are in the races cell's tooltip and per event
              type below, the p95 margin in the distribution. */}
          <table class="leaderboard">
            <thead>
              <tr>
                <th class="num">#</th>
                <th>provider</th>
                <th class="num">score</th>
                <th class="num">win rate</th>
                <th class="num">avg margin</th>
                <th class="num">races</th>
              </tr>
            </thead>
            <tbody>
              {props.leaderboard.map((row) => (
                <tr
                  key={row.providerId}
                  data-provider={row.providerId}
                  class={props.removed.has(row.providerId) ? 'muted' : undefined}
                >
                  <td class="num">{row.rank}</td>
                  <td class="mono">
                    {row.providerId}
                    {props.removed.has(row.providerId) ? <span class="muted"> (removed)</span> : null}
                  </td>
                  <td class="num" data-field="score">
                    <strong>{formatNumber(row.score, 3)}</strong>
                  </td>
                  <td class="num">{formatPercent(row.winRate)}</td>
                  <td class="num">{formatMs(row.avgMarginMs)}</td>
                  <td class="num" title={`${formatCount(row.wins)} won, ${formatCount(row.losses)} lost`}>
                    {formatCount(row.totalRaces)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {props.leaderboard.length > 0 ? (
        <MarginDistributionSection
          chain={props.chain}
          leaderboard={props.leaderboard}
          tracker={props.margins}
          allTime={detail.data?.marginsByProvider}
        />
      ) : null}
      <h3 class="muted" style={{ fontSize: '13px', margin: '14px 0 6px' }}>
        score over time {history.data ? `(one sample per ${formatMs(history.data.intervalMs)})` : ''}
      </h3>
      {series && series.data[0]!.length > 0 ? (
        <TimeChart
          series={series.providers.map((label, index) => ({
            label,
            color: palette[index % palette.length]!,
          }))}
          data={series.data}
          height={200}
          formatY={(value) => value.toFixed(2)}
        />
      ) : (
        <Empty>{history.error ?? 'The first score sample is taken a few seconds after start.'}</Empty>
      )}
      {detail.data && detail.data.byEventType.length > 0 ? (
        <>
          <h3 class="muted" style={{ fontSize: '13px', margin: '14px 0 6px' }}>
            wins / losses per event type
          </h3>
          <table>
            <tbody>
              {detail.data.byEventType.map((row) => (
                <tr key={`${row.providerId}-${row.eventType}`}>
                  <td class="mono">{row.providerId}</td>
                  <td>{row.eventType}</td>
                  <td class="num ok">{formatCount(row.wins)}</td>
                  <td class="num bad">{formatCount(row.losses)}</td>
                  <td class="num">{formatPercent(row.winRate)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </Panel>
  )
}

/** Racing: who delivers events first, per chain. */
export function RacingView() {
  const store = useStore()
  const margins = marginTrackerOf(store)
  const filter = store.chainFilter.value
  const chains = store.chains.value.map((chain) => chain.name).filter((name) => !filter || name === filter)
  if (chains.length === 0) return <Empty>Waiting for chains…</Empty>
  return (
    <div class="grid two">
      {chains.map((chain) => (
        <ChainRace
          key={chain}
          chain={chain}
          leaderboard={store.leaderboard.value[chain] ?? []}
          removed={removedProviders(store.leaderboard.value[chain] ?? [], store.providers.value, chain)}
          margins={margins}
        />
      ))}
    </div>
  )
}
