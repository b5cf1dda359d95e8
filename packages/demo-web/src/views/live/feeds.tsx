import type { ComponentChildren } from 'preact'
import { useState } from 'preact/hooks'
import type { ProviderEvent, RoutingDecision } from '../../api/types.js'
import { Badge, Empty, Panel } from '../../components/ui.js'
import { formatClock, formatMs } from '../../format/format.js'

// Feed items have no id: key rows by object identity, so a new item adds one row and the others move
// instead of every row being rebuilt when the list shifts by one (at 1,000 events/s that is every frame).
const rowKeys = new WeakMap<object, number>()
let nextRowKey = 0
const keyOf = (item: object): number => {
  let key = rowKeys.get(item)
  if (key === undefined) {
    key = nextRowKey++
    rowKeys.set(item, key)
  }
  return key
}

/**
 * Keeps what a feed showed when it was paused: the store goes on receiving, the screen holds still so
 * a presenter can point at a row.
 */
function usePausable<T>(items: T[]): { shown: T[]; paused: boolean; toggle: () => void } {
  const [frozen, setFrozen] = useState<T[] | null>(null)
  return {
    shown: frozen ?? items,
    paused: frozen !== null,
    toggle: () => setFrozen(frozen ? null : items),
  }
}

function PauseButton(props: { paused: boolean; onClick: () => void; testId: string }) {
  return (
    <button type="button" class="action" data-testid={props.testId} onClick={props.onClick}>
      {props.paused ? 'resume' : 'pause'}
    </button>
  )
}

function Feed(props: {
  title: string
  count: number
  testId: string
  actions: ComponentChildren
  children: ComponentChildren
}) {
  return (
    <Panel title={`${props.title} (${props.count})`} actions={props.actions} testId={props.testId}>
      <div class="feed">{props.children}</div>
    </Panel>
  )
}

/** The latest routing decisions, newest first. */
export function RoutingFeed(props: { items: RoutingDecision[] }) {
  const { shown, paused, toggle } = usePausable(props.items)
  return (
    <Feed
      title="Routing decisions"
      count={shown.length}
      testId="routing-feed"
      actions={<PauseButton paused={paused} onClick={toggle} testId="pause-routing" />}
    >
      {shown.length === 0 ? (
        <Empty>No requests yet: start the load generator in Live Test.</Empty>
      ) : (
        <table>
          <thead>
            <tr>
              <th>time</th>
              <th>chain</th>
              <th>method</th>
              <th>strategy</th>
              <th>provider</th>
              <th class="num">duration</th>
              <th>result</th>
              <th class="num">failovers</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((decision) => (
              <tr key={keyOf(decision)} data-row="decision">
                <td class="mono muted">{formatClock(decision.ts)}</td>
                <td>{decision.chain}</td>
                <td class="mono">{decision.method}</td>
                <td>{decision.strategy}</td>
                <td class="mono">{decision.providerId}</td>
                <td class="num">{formatMs(decision.durationMs)}</td>
                <td>
                  <Badge state={decision.result} />
                </td>
                <td class={`num ${decision.failoverCount > 0 ? 'warn' : 'muted'}`}>
                  {decision.failoverCount}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Feed>
  )
}

const eventTone: Record<string, string> = {
  circuit_open: 'open',
  circuit_half_open: 'half-open',
  circuit_closed: 'closed',
  cooldown_start: 'cooldown',
  cooldown_end: 'healthy',
  healthy: 'healthy',
  unhealthy: 'unhealthy',
  lagging: 'lagging',
  connected: 'connected',
  disconnected: 'disconnected',
  added: 'info',
  removed: 'info',
}

/** The latest provider pool events, newest first. */
export function ProviderEventFeed(props: { items: ProviderEvent[] }) {
  const { shown, paused, toggle } = usePausable(props.items)
  return (
    <Feed
      title="Provider events"
      count={shown.length}
      testId="event-feed"
      actions={<PauseButton paused={paused} onClick={toggle} testId="pause-events" />}
    >
      {shown.length === 0 ? (
        <Empty>No provider events yet.</Empty>
      ) : (
        <table>
          <thead>
            <tr>
              <th>time</th>
              <th>chain</th>
              <th>provider</th>
              <th>event</th>
              <th>detail</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((event) => (
              <tr key={keyOf(event)} data-row="event">
                <td class="mono muted">{formatClock(event.ts)}</td>
                <td>{event.chain}</td>
                <td class="mono">{event.providerId}</td>
                <td>
                  <Badge state={eventTone[event.type] ?? 'info'} label={event.type} />
                </td>
                <td class="muted">{event.detail ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Feed>
  )
}
