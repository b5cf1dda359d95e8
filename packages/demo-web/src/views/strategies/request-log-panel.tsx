import { signal } from '@preact/signals'
import { Empty, Panel } from '../../components/ui.js'
import { formatClock, formatMs, formatPercent } from '../../format/format.js'
import { type LoggedRequest, leaderShare, type RequestLogTracker } from './request-log.js'

// Kept across tab switches, like the log itself.
const onlyOffLeader = signal(false)

function LeaderCell(props: { entry: LoggedRequest }) {
  const { leader, offLeader } = props.entry
  if (leader === undefined)
    return (
      <td class="mono muted" title="arrived before this page started the log">
        ?
      </td>
    )
  if (leader === null)
    return (
      <td class="muted" title="no race ranked on this chain yet">
        —
      </td>
    )
  return <td class={`mono ${offLeader ? 'muted' : 'ok'}`}>{leader}</td>
}

/**
 * The latest requests (newest first), each with the provider routing used and the race leader of its
 * chain at that moment; rows that went elsewhere are marked. Fixed height: rows scroll, the page does
 * not move.
 */
export function RequestLogPanel(props: { tracker: RequestLogTracker; chain: string }) {
  const { log, revision } = props.tracker
  // Read here, not in the view: only this panel re-renders as decisions arrive.
  void revision.value
  const all = log.entries(props.chain || undefined)
  const rows = onlyOffLeader.value ? all.filter((entry) => entry.offLeader) : all
  const share = leaderShare(all)
  return (
    <Panel
      title={`Request log — ${props.chain || 'all chains'}`}
      testId="request-log"
      actions={
        <>
          <span class="muted summary" data-testid="request-log-share">
            {share.known === 0
              ? 'leader share —'
              : `${formatPercent(share.onLeader / share.known)} on the leader (${share.onLeader}/${share.known})`}
          </span>
          <label class="inline">
            <input
              type="checkbox"
              data-testid="request-log-off-leader"
              checked={onlyOffLeader.value}
              onChange={(event) => {
                onlyOffLeader.value = (event.target as HTMLInputElement).checked
              }}
            />
            only off-leader
          </label>
        </>
      }
    >
      <div class="feed request-log">
        {rows.length === 0 ? (
          <Empty>
            {all.length === 0
              ? 'No requests yet: send some (in the demo: ambient traffic on the Live Dashboard, or Live Test → load generator).'
              : 'Every logged request went to the leader.'}
          </Empty>
        ) : (
          <table>
            <thead>
              <tr>
                <th>time</th>
                <th>chain</th>
                <th>method</th>
                <th>strategy</th>
                <th>provider used</th>
                <th>race leader then</th>
                <th class="num">duration</th>
                <th class="num">attempts</th>
                <th>result</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((entry) => {
                const { decision } = entry
                return (
                  <tr
                    key={entry.seq}
                    class={entry.offLeader ? 'off-leader' : undefined}
                    data-off-leader={entry.offLeader ? 'true' : undefined}
                  >
                    <td class="mono muted">{formatClock(decision.ts)}</td>
                    <td>{decision.chain}</td>
                    <td class="mono">{decision.method}</td>
                    <td>{decision.strategy}</td>
                    <td class="mono">
                      {entry.offLeader ? (
                        <span class="warn" title="not the race leader of that moment">
                          ≠ {decision.providerId}
                        </span>
                      ) : (
                        decision.providerId
                      )}
                    </td>
                    <LeaderCell entry={entry} />
                    <td class="num">{formatMs(decision.durationMs)}</td>
                    <td class="num">
                      {decision.attempts}
                      {decision.failoverCount > 0 ? (
                        <span class="warn" title="failovers">
                          {' '}
                          ↻{decision.failoverCount}
                        </span>
                      ) : null}
                    </td>
                    <td class={decision.result === 'ok' ? 'ok' : 'bad'}>{decision.result}</td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        )}
      </div>
      <p class="muted hint">
        Last {log.perChain} requests per chain. The leader is the top of the race leaderboard when the request
        arrived; strategies other than <code>leaderboard</code> are expected to differ.
      </p>
    </Panel>
  )
}
