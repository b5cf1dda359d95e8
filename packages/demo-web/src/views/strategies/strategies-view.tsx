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

/** Rows of `groupBy=method,strategy` by method: each method's figures per strategy, both sorted. */
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
  // One row per method × strategy (the method cell spans its strategies), not strategies side by side:
  // five columns per strategy outgrew a laptop screen after the second strategy was tried.
  return (
    <div class="scroll">
      <table class="latency">
        <thead>
          <tr>
            <th>method</th>
            <th>strategy</th>
            <th class="num">calls</th>
            <th class="num">mean</th>
            <th class="num">p50</th>
            <th class="num">p95</th>
            <th class="num">p99</th>
          </tr>
        </thead>
        <tbody>
          {methods.flatMap(({ method, cells }) => {
            const rows = strategies.flatMap((strategy) =>
              cells[strategy] ? [{ strategy, cell: cells[strategy] }] : [],
            )
            const fastest = Math.min(...rows.map((row) => row.cell.p50Ms ?? Number.POSITIVE_INFINITY))
            return rows.map(({ strategy, cell }, index) => (
              <tr key={`${method}-${strategy}`} data-method={method} data-strategy={strategy}>
                {index === 0 ? (
                  <td class="mono" rowSpan={rows.length}>
                    {method}
                  </td>
                ) : null}
                <td>{strategy}</td>
                <td class="num muted">{formatCount(cell.count)}</td>
                <td class="num">{formatMs(cell.meanMs)}</td>
                <td class={`num ${rows.length > 1 && cell.p50Ms === fastest ? 'ok' : ''}`}>
                  {formatMs(cell.p50Ms)}
                </td>
                <td class="num">{formatMs(cell.p95Ms)}</td>
                <td class="num">{formatMs(cell.p99Ms)}</td>
              </tr>
            ))
          })}
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
