import { Component, type ComponentChildren, type VNode } from 'preact'
import { useLayoutEffect, useRef, useState } from 'preact/hooks'
import type { ProviderEvent, RoutingDecision } from '../../api/types.js'
import { Badge, Empty, Panel } from '../../components/ui.js'
import { formatClock, formatMs } from '../../format/format.js'
import { virtualWindow } from './virtual-window.js'

/** Height of every feed row and of the header (px); live.css pins rows to it. */
export const FEED_ROW_HEIGHT = 24
/** The feed's viewport before it is measured (live.css `.live-feed` height). */
const DEFAULT_VIEWPORT = 360
// Under load nearly every drawn row is new each frame, so the cost of a frame follows this.
const OVERSCAN = 2

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
 * One feed row, re-rendered only when its item changes: under load the feed renders every frame, and
 * the rows already on screen then cost one comparison each instead of a diff of their cells.
 */
class FeedRow<T extends object> extends Component<{ item: T; render: (item: T) => VNode }> {
  override shouldComponentUpdate(next: { item: T }): boolean {
    return next.item !== this.props.item
  }

  override render() {
    return this.props.render(this.props.item)
  }
}

/** A feed's column: header label and a grid track size that no row's content changes. */
interface FeedColumn {
  label: string
  width: string
  numeric?: boolean
}

/**
 * A table that draws only the rows its viewport shows (plus a few), each a fixed-height grid row
 * ({@link FEED_ROW_HEIGHT}, size-contained in live.css, not table layout); the body keeps the height of
 * the whole list. A frame that brings new items therefore inserts and removes a handful of rows and lays
 * out only those, whatever the feed keeps.
 */
function VirtualTable<T extends object>(props: {
  columns: FeedColumn[]
  items: T[]
  render: (item: T) => VNode
}) {
  const viewport = useRef<HTMLDivElement>(null)
  const [view, setView] = useState({ scrollTop: 0, height: DEFAULT_VIEWPORT })
  const measure = () => {
    const element = viewport.current
    if (!element) return
    // 0 until laid out (or in a DOM without layout): keep the default rather than draw nothing.
    const next = { scrollTop: element.scrollTop, height: element.clientHeight || view.height }
    if (next.scrollTop !== view.scrollTop || next.height !== view.height) setView(next)
  }
  // The real viewport height, once: live.css fixes it, so no resize observer is needed.
  useLayoutEffect(measure, [])
  const { start, end, padTop } = virtualWindow({
    count: props.items.length,
    rowHeight: FEED_ROW_HEIGHT,
    // The sticky header covers one row height of the viewport.
    viewportHeight: view.height - FEED_ROW_HEIGHT,
    scrollTop: view.scrollTop,
    overscan: OVERSCAN,
  })
  const columns = props.columns.map((column) => column.width).join(' ')
  return (
    <div
      class="feed live-feed"
      ref={viewport}
      onScroll={measure}
      style={{ '--feed-columns': columns }}
      data-rows={props.items.length}
    >
      <table>
        <thead>
          <tr>
            {props.columns.map((column) => (
              <th key={column.label} class={column.numeric ? 'num' : undefined}>
                {column.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody style={{ height: `${props.items.length * FEED_ROW_HEIGHT}px`, paddingTop: `${padTop}px` }}>
          {props.items.slice(start, end).map((item) => (
            <FeedRow key={keyOf(item)} item={item} render={props.render} />
          ))}
        </tbody>
      </table>
    </div>
  )
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
      {props.children}
    </Panel>
  )
}

const decisionColumns: FeedColumn[] = [
  { label: 'time', width: '104px' },
  { label: 'chain', width: '72px' },
  { label: 'method', width: 'minmax(0, 1.3fr)' },
  { label: 'strategy', width: '88px' },
  { label: 'provider', width: 'minmax(0, 1.1fr)' },
  { label: 'duration', width: '76px', numeric: true },
  { label: 'result', width: '68px' },
  { label: 'failovers', width: '76px', numeric: true },
]

const decisionRow = (decision: RoutingDecision) => (
  <tr data-row="decision">
    <td data-field="time" class="mono muted">
      {formatClock(decision.ts)}
    </td>
    <td data-field="chain">{decision.chain}</td>
    <td data-field="method" class="mono clip">
      {decision.method}
    </td>
    <td data-field="strategy">{decision.strategy}</td>
    <td
      data-field="provider"
      class="mono clip"
      title={decision.sessionMoved ? `session moved here from ${decision.previousProviderId}` : undefined}
    >
      {decision.providerId}
      {/* A failover that moved a session is worth a glance: later calls of that session follow it here. */}
      {decision.sessionMoved ? (
        <span data-field="session-moved" class="warn">
          {' '}
          ← {decision.previousProviderId}
        </span>
      ) : null}
    </td>
    <td data-field="duration" class="num">
      {formatMs(decision.durationMs)}
    </td>
    <td data-field="result">
      <Badge state={decision.result} />
    </td>
    <td data-field="failovers" class={`num ${decision.failoverCount > 0 ? 'warn' : 'muted'}`}>
      {decision.failoverCount}
    </td>
  </tr>
)

/** The latest routing decisions, newest first; only the rows in view are in the DOM. */
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
        <Empty>
          No requests yet: point a client at <code>{'/rpc/<chain>'}</code> (in the demo: turn ambient traffic
          on, or use Live Test).
        </Empty>
      ) : (
        <VirtualTable columns={decisionColumns} items={shown} render={decisionRow} />
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

const eventColumns: FeedColumn[] = [
  { label: 'time', width: '100px' },
  { label: 'chain', width: '72px' },
  { label: 'provider', width: 'minmax(0, 1.3fr)' },
  { label: 'event', width: '140px' },
  { label: 'detail', width: 'minmax(0, 1fr)' },
]

const eventRow = (event: ProviderEvent) => (
  <tr data-row="event" data-provider={event.providerId} data-type={event.type}>
    <td data-field="time" class="mono muted">
      {formatClock(event.ts)}
    </td>
    <td data-field="chain">{event.chain}</td>
    <td data-field="provider" class="mono clip">
      {event.providerId}
    </td>
    <td data-field="event">
      <Badge state={eventTone[event.type] ?? 'info'} label={event.type} />
    </td>
    <td data-field="detail" class="muted clip" title={event.detail ?? ''}>
      {event.detail ?? ''}
    </td>
  </tr>
)

/** The latest provider pool events, newest first; only the rows in view are in the DOM. */
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
        <VirtualTable columns={eventColumns} items={shown} render={eventRow} />
      )}
    </Feed>
  )
}
