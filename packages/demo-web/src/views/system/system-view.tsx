import { liveTopics, snapshotTopics } from '../../api/types.js'
import { useStore } from '../../app-context.js'
import { now } from '../../components/now.js'
import { TimeChart } from '../../components/time-chart.js'
import { Empty, Panel, Stat } from '../../components/ui.js'
import {
  formatAge,
  formatBytes,
  formatClock,
  formatCount,
  formatMs,
  formatPercent,
  formatSeconds,
} from '../../format/format.js'
import { ClusterPanel } from './cluster-panel.js'
import { gcTrackerOf } from './gc-history.js'
import { GcPanel } from './gc-panel.js'

/** System Metrics: the server's Node.js runtime (GC pauses included), buffer counters and a raw topic inspector. */
export function SystemView() {
  const store = useStore()
  const gc = gcTrackerOf(store)
  const runtime = store.runtime.value
  const history = store.runtimeHistory.value
  const counters = store.counters.value
  if (!runtime) return <Empty>Waiting for the first runtime snapshot…</Empty>
  const stream = runtime.buffers.stream
  return (
    <>
      <div class="stats" data-testid="runtime-stats">
        <Stat label="heap used" value={formatBytes(runtime.memory.heapUsedBytes)} />
        <Stat label="heap total" value={formatBytes(runtime.memory.heapTotalBytes)} />
        <Stat label="RSS" value={formatBytes(runtime.memory.rssBytes)} />
        <Stat label="event-loop lag p99" value={formatMs(runtime.eventLoopDelay.p99Ms)} />
        <Stat label="event-loop utilization" value={formatPercent(runtime.eventLoopUtilization)} />
        <Stat label="active handles" value={formatCount(runtime.activeResources)} />
        <Stat
          label={runtime.gc.available ? `longest GC pause (of ${runtime.gc.count})` : 'GC pauses'}
          value={runtime.gc.available ? formatMs(runtime.gc.maxMs) : 'n/a'}
        />
        <Stat label="uptime" value={formatSeconds(runtime.uptimeSeconds)} />
      </div>
      <ClusterPanel />
      <div class="grid charts-four">
        <Panel title="Memory (MiB)">
          <TimeChart
            series={[
              { label: 'heap used', color: '#58a6ff' },
              { label: 'heap total', color: '#a371f7' },
              { label: 'RSS', color: '#3fb950' },
            ]}
            data={[history.ts, history.heapUsedMb, history.heapTotalMb, history.rssMb]}
            formatY={(value) => value.toFixed(0)}
          />
        </Panel>
        <Panel title="Event-loop delay (ms)">
          <TimeChart
            series={[
              { label: 'p99', color: '#f85149' },
              { label: 'mean', color: '#d29922' },
            ]}
            data={[history.ts, history.lagP99Ms, history.lagMeanMs]}
            formatY={(value) => value.toFixed(1)}
          />
        </Panel>
        <Panel title="Event-loop utilization (%)">
          <TimeChart
            series={[{ label: 'utilization', color: '#39c5cf' }]}
            data={[history.ts, history.utilizationPercent]}
            formatY={(value) => value.toFixed(0)}
          />
        </Panel>
        <GcPanel runtime={runtime} tracker={gc} />
      </div>
      <div class="grid two">
        <Panel title="Buffers">
          <table>
            <thead>
              <tr>
                <th>topic</th>
                <th class="num">published</th>
                <th class="num">buffered</th>
                <th class="num">last</th>
              </tr>
            </thead>
            <tbody>
              {runtime.buffers.pubsub.map((topic) => (
                <tr key={topic.topic}>
                  <td class="mono">{topic.topic}</td>
                  <td class="num">{formatCount(topic.published)}</td>
                  <td class="num">{formatCount(topic.buffered)}</td>
                  <td class="num">{topic.lastAt ? formatAge(topic.lastAt, now.value) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p class="muted">
            stream: {stream.connections} connection(s), {formatCount(stream.queuedMessages)} queued (longest{' '}
            {stream.longestQueue} of {stream.maxQueuedMessages}), {formatCount(stream.droppedMessages)}{' '}
            dropped, {formatCount(stream.sentMessages)} sent · upstream subscriptions{' '}
            {runtime.buffers.upstreamSubscriptions} · this page: {formatCount(counters.received)} received,{' '}
            {formatCount(counters.dropped)} dropped
          </p>
        </Panel>
        <Panel
          title="Topic inspector"
          testId="topic-inspector"
          actions={
            <select
              aria-label="topic"
              data-testid="inspector-topic"
              value={store.inspectorTopic.value}
              onChange={(event) => {
                store.inspectorTopic.value = (event.target as HTMLSelectElement).value
              }}
            >
              <option value="">pick a topic…</option>
              {[...liveTopics, ...snapshotTopics].map((topic) => (
                <option key={topic} value={topic}>
                  {topic}
                </option>
              ))}
            </select>
          }
        >
          <div class="feed" style={{ height: '300px' }}>
            {store.inspectorTopic.value === '' ? <Empty>Pick a topic to watch its raw stream.</Empty> : null}
            {store.inspector.value.map((entry, index) => (
              <pre class="raw" key={`${entry.at}-${index}`}>
                <span class="muted">{formatClock(entry.at)} </span>
                {entry.json.length > 600 ? `${entry.json.slice(0, 600)}…` : entry.json}
              </pre>
            ))}
          </div>
        </Panel>
      </div>
    </>
  )
}
