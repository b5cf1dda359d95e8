import { useStore } from '../../app-context.js'
import { now } from '../../components/now.js'
import { Badge, Empty, Panel, Stat } from '../../components/ui.js'
import {
  formatAge,
  formatBlock,
  formatCount,
  formatNumber,
  formatPercent,
  shortHash,
} from '../../format/format.js'
import { CallSavingsTable } from './call-savings.js'
import { DemoPanel } from './demo-panel.js'
import { ProviderEventFeed, RoutingFeed } from './feeds.js'
import { ProviderOverview } from './provider-overview.js'
import { Topology } from './topology.js'
import './live.css'

const byChain = <T extends { chain: string }>(items: T[], chain: string) =>
  chain ? items.filter((item) => item.chain === chain) : items

/** Items of the selected cluster instance ('' for all). */
const byInstance = <T extends object>(
  items: T[],
  instance: string,
  instanceOf: (item: object) => string | undefined,
) => (instance ? items.filter((item) => instanceOf(item) === instance) : items)

// The feeds read their signals themselves: a routing batch (every frame under load) re-renders the
// feed only, not the whole view with its topology and tables.
function LiveRoutingFeed() {
  const store = useStore()
  return (
    <RoutingFeed
      items={byInstance(
        byChain(store.routing.value, store.chainFilter.value),
        store.instanceFilter.value,
        store.instanceOf,
      )}
    />
  )
}

function LiveProviderEventFeed() {
  const store = useStore()
  return (
    <ProviderEventFeed
      items={byInstance(
        byChain(store.providerEvents.value, store.chainFilter.value),
        store.instanceFilter.value,
        store.instanceOf,
      )}
    />
  )
}

/** Live chain names: the filtered one, or every chain of the latest snapshot. */
const useChainNames = (): string[] => {
  const store = useStore()
  const chain = store.chainFilter.value
  return chain ? [chain] : store.chains.value.map((entry) => entry.name)
}

function QuickStats() {
  const store = useStore()
  const chain = store.chainFilter.value
  const providers = byChain(store.providers.value, chain)
  const openClients = byChain(store.connections.value, chain).filter(
    (row) => row.kind === 'client' && row.state !== 'disconnected',
  ).length
  const upstreamWs = providers.filter((provider) => provider.connection === 'connected').length
  const traffic = store.traffic.value
  const buffered = (topic: string) =>
    store.runtime.value?.buffers.pubsub.find((entry) => entry.topic === topic)?.buffered ?? null
  return (
    <div class="stats" data-testid="quick-stats">
      <Stat label="client connections" value={String(openClients)} testId="stat-clients" />
      <Stat label="upstream WS connections" value={String(upstreamWs)} />
      <Stat label="requests/s" value={formatNumber(traffic.requestsPerSecond, 1)} testId="stat-rps" />
      <Stat
        label="error rate"
        value={formatPercent(traffic.errorRate)}
        tone={traffic.errorRate && traffic.errorRate > 0.05 ? 'bad' : 'ok'}
      />
      <Stat label="routing events buffered" value={formatCount(buffered('routing:decisions'))} />
      <Stat label="provider events buffered" value={formatCount(buffered('provider_pool:events'))} />
    </div>
  )
}

function TopologyPanel() {
  const store = useStore()
  const chain = store.chainFilter.value
  const providers = byChain(store.providers.value, chain)
  const chainNames = useChainNames()
  return (
    <Panel title="Topology" testId="topology-panel">
      {providers.length === 0 ? (
        <Empty>Waiting for the first providers snapshot…</Empty>
      ) : (
        <Topology
          providers={providers}
          chains={chainNames}
          connections={byChain(store.connections.value, chain)}
          traffic={store.providerTraffic.value}
        />
      )}
    </Panel>
  )
}

function ProvidersPanel() {
  const store = useStore()
  return (
    <Panel title="Providers" testId="provider-overview">
      <ProviderOverview providers={byChain(store.providers.value, store.chainFilter.value)} />
    </Panel>
  )
}

function CallSavingsPanel() {
  const store = useStore()
  return (
    <Panel title="Cache and coalescing" testId="call-savings">
      <CallSavingsTable chains={useChainNames()} savings={store.callSavings.value} />
    </Panel>
  )
}

function BlocksPanel() {
  const store = useStore()
  const chainNames = useChainNames()
  const blocks = store.blocks.value
  return (
    <Panel title="Latest blocks" testId="latest-blocks">
      {chainNames.length === 0 ? (
        <Empty>Waiting for chains…</Empty>
      ) : (
        <div class="blocks">
          {chainNames.map((name) => {
            const list = blocks[name] ?? []
            const latest = list[0]
            return (
              <div class="chain-blocks" key={name} data-chain={name}>
                <h3>{name}</h3>
                <div class="latest" data-field="latest-block">
                  {formatBlock(latest?.number)}
                </div>
                <table>
                  <tbody>
                    {list.map((block) => (
                      <tr key={block.hash}>
                        <td class="mono">{formatBlock(block.number)}</td>
                        <td class="mono muted">{shortHash(block.hash)}</td>
                        <td class="num">{formatAge(block.receivedAt, now.value)}</td>
                        <td class="mono">{block.firstProviderId}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )
          })}
        </div>
      )}
    </Panel>
  )
}

function ConnectionsPanel() {
  const store = useStore()
  const connections = byChain(store.connections.value, store.chainFilter.value)
  return (
    <Panel title={`Connections (${connections.length})`} testId="connections">
      {connections.length === 0 ? (
        <Empty>No WebSocket connections reported yet.</Empty>
      ) : (
        <div class="feed" style={{ height: '240px' }}>
          <table>
            <thead>
              <tr>
                <th>kind</th>
                <th>chain</th>
                <th>id</th>
                <th>transport</th>
                <th>state</th>
                <th class="num">since</th>
              </tr>
            </thead>
            <tbody>
              {connections.map((row) => (
                <tr key={`${row.kind}:${row.id}:${row.state}`}>
                  <td>{row.kind}</td>
                  <td>{row.chain}</td>
                  <td class="mono">{row.id}</td>
                  <td>{row.transport}</td>
                  <td>
                    <Badge state={row.state} />
                  </td>
                  <td class="num">{formatAge(row.since, now.value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  )
}

/**
 * Live Dashboard: the demo strip (demo mode), quick stats, topology, providers, what the cache and
 * coalescing saved per chain, latest blocks, live feeds and connections. Each part reads its own signals, so a snapshot or a routing batch re-renders
 * only the parts it feeds.
 */
export function LiveView() {
  return (
    <>
      <DemoPanel />
      <QuickStats />
      <TopologyPanel />
      <ProvidersPanel />
      <CallSavingsPanel />
      <BlocksPanel />
      <div class="grid feeds">
        <LiveRoutingFeed />
        <LiveProviderEventFeed />
      </div>
      <ConnectionsPanel />
    </>
  )
}
