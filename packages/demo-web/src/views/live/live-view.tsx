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
import { ProviderEventFeed, RoutingFeed } from './feeds.js'
import { ProviderOverview } from './provider-overview.js'

/** Live Dashboard: quick stats, providers, latest blocks, live feeds and connections. */
export function LiveView() {
  const store = useStore()
  const chain = store.chainFilter.value
  const inChain = <T extends { chain: string }>(items: T[]) =>
    chain ? items.filter((item) => item.chain === chain) : items

  const providers = inChain(store.providers.value)
  const connections = inChain(store.connections.value)
  const openClients = connections.filter(
    (row) => row.kind === 'client' && row.state !== 'disconnected',
  ).length
  const upstreamWs = providers.filter((provider) => provider.connection === 'connected').length
  const traffic = store.traffic.value
  const buffered = (topic: string) =>
    store.runtime.value?.buffers.pubsub.find((entry) => entry.topic === topic)?.buffered ?? null
  const blocks = store.blocks.value
  const chainNames = chain ? [chain] : store.chains.value.map((entry) => entry.name)

  return (
    <>
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

      <Panel title="Providers" testId="provider-overview">
        <ProviderOverview providers={providers} />
      </Panel>

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

      <div class="grid feeds">
        <RoutingFeed items={inChain(store.routing.value)} />
        <ProviderEventFeed items={inChain(store.providerEvents.value)} />
      </div>

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
    </>
  )
}
