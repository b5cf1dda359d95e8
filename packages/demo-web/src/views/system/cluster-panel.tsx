import { api } from '../../api/client.js'
import type { ClusterView } from '../../api/types.js'
import { usePolling } from '../../api/use-polling.js'
import { now } from '../../components/now.js'
import { Badge, Panel } from '../../components/ui.js'
import { formatAge } from '../../format/format.js'

/** Polls `GET /api/cluster` and shows {@link ClusterTable}; nothing for a server outside cluster mode. */
export function ClusterPanel() {
  const cluster = usePolling(() => api.cluster(), 2_000)
  return cluster.data ? <ClusterTable view={cluster.data} at={now.value} /> : null
}

/**
 * The cluster as this instance sees it: Redis's state, then each instance with its load and its
 * providers' health. Renders nothing when cluster mode is off.
 */
export function ClusterTable(props: { view: ClusterView; at: number }) {
  const { view } = props
  if (!view.enabled) return null
  return (
    <Panel
      title={`Cluster · ${view.instances.length} instance${view.instances.length === 1 ? '' : 's'}`}
      testId="cluster-panel"
      actions={
        <span data-testid="cluster-redis">
          <Badge
            state={view.redis.connected ? 'healthy' : 'down'}
            label={view.redis.connected ? 'Redis connected' : 'Redis disconnected'}
          />
          {view.stale ? <span class="muted"> · list may be stale</span> : null}
        </span>
      }
    >
      <table>
        <thead>
          <tr>
            <th>instance</th>
            <th class="num">calls/s</th>
            <th class="num">healthy providers</th>
            <th class="num">last seen</th>
            <th>version</th>
          </tr>
        </thead>
        <tbody>
          {view.instances.map((instance) => (
            <tr key={instance.instanceId} data-testid="cluster-instance">
              <td class="mono">
                {instance.instanceId}
                {instance.self ? <span class="muted"> (this one)</span> : null}
              </td>
              <td class="num">{instance.requestsPerSecond.toFixed(1)}</td>
              <td class="num">
                <Badge
                  state={
                    instance.providers.healthy === instance.providers.total
                      ? 'healthy'
                      : instance.providers.healthy === 0
                        ? 'down'
                        : 'cooldown'
                  }
                  label={`${instance.providers.healthy}/${instance.providers.total}`}
                />
              </td>
              <td class="num">{formatAge(instance.lastSeenAt, props.at)}</td>
              <td class="mono">{instance.version}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Panel>
  )
}
