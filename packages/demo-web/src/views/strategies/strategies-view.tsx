import { useState } from 'preact/hooks'
import { capabilities } from '../../api/capabilities.js'
import { api } from '../../api/client.js'
import type { RpcStatsRow } from '../../api/types.js'
import { usePolling } from '../../api/use-polling.js'
import { useStore } from '../../app-context.js'
import { Empty, Panel } from '../../components/ui.js'
import { formatCount, formatMs } from '../../format/format.js'
import { requestLogOf } from './request-log.js'
import { RequestLogPanel } from './request-log-panel.js'

/** Rows of `groupBy=method,strategy` as a method × strategy grid. */
export function pivotByStrategy(rows: RpcStatsRow[]): {
  strategies: string[]
  methods: { method: string; cells: Record<string, RpcStatsRow> }[]
} {
  const strategies = [...new Set(rows.map((row) => row.strategy ?? '?'))].sort()
  const methods = new Map<string, Record<string, RpcStatsRow>>()
  for (const row of rows) {
    const method = row.method ?? '?'
    const cells = methods.get(method) ?? {}
    cells[row.strategy ?? '?'] = row
    methods.set(method, cells)
  }
  return {
    strategies,
    methods: [...methods]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([method, cells]) => ({ method, cells })),
  }
}

function LatencyGrid(props: { chain: string }) {
  const stats = usePolling(() => api.rpcStats(props.chain, 'method,strategy'), 3_000, props.chain)
  if (stats.error) return <p class="notice error">{stats.error}</p>
  if (!stats.data) return <Empty>Loading…</Empty>
  const { strategies, methods } = pivotByStrategy(stats.data.rows)
  if (methods.length === 0) return <Empty>No calls on {props.chain} yet.</Empty>
  return (
    <div class="scroll">
      <table>
        <thead>
          <tr>
            <th rowSpan={2}>method</th>
            {strategies.map((strategy) => (
              <th key={strategy} colSpan={5} style={{ textAlign: 'center', color: 'var(--accent)' }}>
                {strategy}
              </th>
            ))}
          </tr>
          <tr>
            {strategies.flatMap((strategy) =>
              ['calls', 'mean', 'p50', 'p95', 'p99'].map((label) => (
                <th class="num" key={`${strategy}-${label}`}>
                  {label}
                </th>
              )),
            )}
          </tr>
        </thead>
        <tbody>
          {methods.map(({ method, cells }) => (
            <tr key={method}>
              <td class="mono">{method}</td>
              {strategies.flatMap((strategy) => {
                const cell = cells[strategy]
                return [
                  <td class="num muted" key={`${strategy}-n`}>
                    {formatCount(cell?.count)}
                  </td>,
                  <td class="num" key={`${strategy}-mean`}>
                    {formatMs(cell?.meanMs)}
                  </td>,
                  <td class="num" key={`${strategy}-p50`}>
                    {formatMs(cell?.p50Ms)}
                  </td>,
                  <td class="num" key={`${strategy}-p95`}>
                    {formatMs(cell?.p95Ms)}
                  </td>,
                  <td class="num" key={`${strategy}-p99`}>
                    {formatMs(cell?.p99Ms)}
                  </td>,
                ]
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/**
 * Strategies: the current strategy per chain (switchable in demo mode), the request log with the provider
 * used against the race leader, and latency per method × strategy.
 */
export function StrategiesView() {
  const store = useStore()
  const requests = requestLogOf(store)
  const strategies = usePolling(() => api.strategies(), 5_000)
  const [message, setMessage] = useState<string>('')
  const filter = store.chainFilter.value
  const chains = store.chains.value.filter((chain) => !filter || chain.name === filter)
  const canSwitch = capabilities.value?.controls === true
  const names = strategies.data?.strategies ?? []

  async function switchTo(chain: string, strategy: string) {
    try {
      await api.setStrategy(chain, strategy)
      setMessage(`${chain} now routes with ${strategy}`)
      strategies.refresh()
    } catch (error) {
      setMessage(error instanceof Error ? error.message : String(error))
    }
  }

  return (
    <>
      <Panel title="Current strategy per chain" testId="strategy-switch">
        <table>
          <thead>
            <tr>
              <th>chain</th>
              <th>strategy</th>
              <th>healthy providers</th>
            </tr>
          </thead>
          <tbody>
            {chains.map((chain) => (
              <tr key={chain.name} data-chain={chain.name}>
                <td>{chain.name}</td>
                <td>
                  {canSwitch && names.length > 0 ? (
                    <select
                      data-testid={`strategy-${chain.name}`}
                      value={chain.strategy}
                      onChange={(event) =>
                        void switchTo(chain.name, (event.target as HTMLSelectElement).value)
                      }
                    >
                      {names.map((name) => (
                        <option key={name} value={name}>
                          {name}
                        </option>
                      ))}
                    </select>
                  ) : (
                    <strong>{chain.strategy}</strong>
                  )}
                </td>
                <td>
                  {chain.healthyProviders} / {chain.providers.length}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {message ? <p class="muted">{message}</p> : null}
      </Panel>
      <RequestLogPanel tracker={requests} chain={filter} />
      {chains.map((chain) => (
        <Panel key={chain.name} title={`${chain.name} — latency by method × strategy`}>
          <LatencyGrid chain={chain.name} />
        </Panel>
      ))}
    </>
  )
}
