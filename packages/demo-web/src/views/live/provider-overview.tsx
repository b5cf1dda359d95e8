import type { ProviderView } from '../../api/types.js'
import { Badge, Empty } from '../../components/ui.js'
import { formatBlock, formatMs, formatNumber, formatPercent } from '../../format/format.js'

/** Providers grouped by chain, with the figures routing acts on. */
export function ProviderOverview(props: { providers: ProviderView[] }) {
  if (props.providers.length === 0) return <Empty>Waiting for the first providers snapshot…</Empty>
  const byChain = new Map<string, ProviderView[]>()
  for (const provider of props.providers) {
    const list = byChain.get(provider.chain) ?? []
    list.push(provider)
    byChain.set(provider.chain, list)
  }
  return (
    <div class="scroll">
      <table>
        <thead>
          <tr>
            <th>provider</th>
            <th>state</th>
            <th>breaker</th>
            <th>ws</th>
            <th class="num">head</th>
            <th class="num">lag</th>
            <th class="num">p50</th>
            <th class="num">p95</th>
            <th class="num">success</th>
            <th class="num">win rate</th>
            <th class="num">score</th>
          </tr>
        </thead>
        <tbody>
          {[...byChain].flatMap(([chain, providers]) => [
            <tr class="group" key={`chain-${chain}`}>
              <td colSpan={11}>{chain}</td>
            </tr>,
            ...providers.map((provider) => (
              <tr key={provider.id} data-provider={provider.id}>
                <td class="mono">{provider.id}</td>
                <td data-field="health" title={provider.downReason ?? undefined}>
                  <Badge state={provider.health} />
                </td>
                <td data-field="breaker">
                  <Badge state={provider.breaker} />
                </td>
                <td data-field="ws">
                  {provider.connection ? <Badge state={provider.connection} /> : <span class="muted">—</span>}
                </td>
                <td class="num">{formatBlock(provider.head)}</td>
                <td class={`num ${provider.lag > 0 ? 'warn' : ''}`}>{provider.lag}</td>
                <td class="num">{formatMs(provider.rpc.count ? provider.rpc.p50Ms : null)}</td>
                <td class="num">{formatMs(provider.rpc.count ? provider.rpc.p95Ms : null)}</td>
                <td class="num">{formatPercent(provider.rpc.successRate)}</td>
                <td class="num">{formatPercent(provider.race?.winRate)}</td>
                <td class="num">{formatNumber(provider.race?.score)}</td>
              </tr>
            )),
          ])}
        </tbody>
      </table>
    </div>
  )
}
