import { Sparkline } from '../../components/sparkline.js'
import { Empty } from '../../components/ui.js'
import { formatCount, formatNumber, formatPercent } from '../../format/format.js'
import type { CallSavings } from '../../stream/dashboard-store.js'

/**
 * Per chain, what the response cache and request coalescing saved: over the recent window (hit rate,
 * coalesced calls, upstream calls saved, saved/s over time) and since the server started.
 */
export function CallSavingsTable(props: { chains: string[]; savings: Record<string, CallSavings> }) {
  const rows = props.chains.filter((chain) => props.savings[chain] !== undefined)
  if (rows.length === 0) return <Empty>Waiting for the first chains snapshot…</Empty>
  const windowSeconds = Math.round(
    Math.max(0, ...rows.map((chain) => props.savings[chain]!.recent?.seconds ?? 0)),
  )
  const last = windowSeconds > 0 ? `last ${windowSeconds} s` : 'recent'
  return (
    <div class="scroll">
      <table class="call-savings">
        <thead>
          <tr>
            <th />
            <th class="group-head" colSpan={4} data-field="window">
              {last}
            </th>
            <th class="group-head" colSpan={5}>
              since the server started
            </th>
          </tr>
          <tr>
            <th>chain</th>
            <th class="num" title="Share of the calls the response cache answered">
              hit rate
            </th>
            <th class="num" title="Calls answered by joining an identical read in flight">
              coalesced
            </th>
            <th class="num" title="Upstream calls saved: cache hits + coalesced calls">
              saved
            </th>
            <th title="Upstream calls saved per second">saved/s</th>
            <th class="num" title="Calls the pool answered">
              calls
            </th>
            <th class="num" title="Calls the response cache answered">
              hits
            </th>
            <th class="num" title="Calls answered by joining an identical read in flight">
              coalesced
            </th>
            <th class="num" title="Upstream calls saved: cache hits + coalesced calls">
              saved
            </th>
            <th class="num" title="Requests sent to providers, failovers and hedges included">
              upstream
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((chain) => {
            const { total, recent, savedPerSecond } = props.savings[chain]!
            return (
              <tr key={chain} data-chain={chain}>
                <td class="mono">{chain}</td>
                <NumberCell field="hit-rate" text={formatPercent(recent?.hitRate)} />
                <NumberCell field="coalesced" text={formatCount(recent?.coalesced)} />
                <NumberCell field="saved" text={formatCount(recent?.saved)} />
                <td class="spark" data-field="saved-per-second">
                  <Sparkline
                    values={savedPerSecond}
                    title={`${formatNumber(savedPerSecond.at(-1) ?? null, 1)} upstream calls saved/s now`}
                  />
                </td>
                <NumberCell field="calls-total" text={formatCount(total.calls)} />
                <NumberCell field="hits-total" text={formatCount(total.cacheHits)} />
                <NumberCell field="coalesced-total" text={formatCount(total.coalesced)} />
                <NumberCell field="saved-total" text={formatCount(total.saved)} />
                <NumberCell field="upstream-total" text={formatCount(total.upstreamCalls)} />
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}

function NumberCell(props: { field: string; text: string }) {
  return (
    <td class="num" data-field={props.field}>
      {props.text}
    </td>
  )
}
