import { useState } from 'preact/hooks'
import { type DemoProvider, type ProviderPreset, providerPresets } from '../../api/types.js'
import { Badge, Empty, Panel } from '../../components/ui.js'
import { formatMs, formatPercent } from '../../format/format.js'

/** One chain's simulated providers, running ones first. */
export interface SimulatedChain {
  chain: string
  running: DemoProvider[]
  stopped: DemoProvider[]
}

/**
 * Groups simulated providers by chain, in the order of `chains` (chains without any still listed, so a
 * provider can be started there), then any other chain they name; ids sorted within a chain.
 */
export function groupByChain(
  providers: readonly DemoProvider[],
  chains: readonly string[],
): SimulatedChain[] {
  const groups = new Map<string, SimulatedChain>()
  const groupOf = (chain: string) => {
    let group = groups.get(chain)
    if (!group) {
      group = { chain, running: [], stopped: [] }
      groups.set(chain, group)
    }
    return group
  }
  for (const chain of chains) groupOf(chain)
  for (const provider of [...providers].sort((a, b) => a.id.localeCompare(b.id))) {
    const group = groupOf(provider.chain)
    ;(provider.running ? group.running : group.stopped).push(provider)
  }
  return [...groups.values()]
}

/** Props of {@link SimulatedProvidersPanel}. */
export interface SimulatedProvidersProps {
  /** Chains to show (the global chain filter applied). */
  chains: readonly string[]
  providers: readonly DemoProvider[]
  onStart: (chain: string, preset: ProviderPreset) => void
  onStop: (id: string) => void
}

function ChainRow(props: {
  group: SimulatedChain
  onStart: SimulatedProvidersProps['onStart']
  onStop: SimulatedProvidersProps['onStop']
}) {
  const { group } = props
  const [preset, setPreset] = useState<ProviderPreset>('steady')
  return (
    <div class="sim-chain" data-chain={group.chain}>
      <div class="row sim-chain-head">
        <strong class="chain-name">{group.chain}</strong>
        <span class="muted">
          {group.running.length} running{group.stopped.length > 0 ? ` · ${group.stopped.length} stopped` : ''}
        </span>
        <span class="spacer" />
        <select
          aria-label={`preset for a new ${group.chain} provider`}
          data-testid={`start-preset-${group.chain}`}
          value={preset}
          onChange={(event) => setPreset((event.target as HTMLSelectElement).value as ProviderPreset)}
        >
          {providerPresets.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
        <button
          type="button"
          class="action good"
          data-testid={`start-provider-${group.chain}`}
          onClick={() => props.onStart(group.chain, preset)}
        >
          start provider
        </button>
      </div>
      <div class="sim-providers">
        {group.running.length === 0 && group.stopped.length === 0 ? (
          <span class="muted">no simulated providers</span>
        ) : null}
        {group.running.map((provider) => (
          <span class="sim-provider" key={provider.id} data-provider={provider.id}>
            <span class="mono">{provider.id}</span>
            <Badge state={provider.mode === 'up' ? 'healthy' : 'open'} label={provider.mode} />
            <span
              class="muted figures"
              title="latency / error rate / WebSocket delay of its personality"
            >{`${formatMs(provider.personality.latencyMs)} · ${formatPercent(provider.personality.errorRate)} err · ws +${formatMs(provider.personality.wsDelayMs)}`}</span>
            <button
              type="button"
              class="action danger"
              data-testid={`stop-${provider.id}`}
              onClick={() => props.onStop(provider.id)}
            >
              stop
            </button>
          </span>
        ))}
        {group.stopped.map((provider) => (
          <span class="sim-provider stopped" key={provider.id} data-provider={provider.id}>
            <span class="mono">{provider.id}</span>
            <Badge state="disconnected" label="stopped" />
          </span>
        ))}
      </div>
    </div>
  )
}

/**
 * Start and stop simulated providers ("mock connections") per chain. A started provider joins the pool
 * (and its races) at once; a stopped one leaves it. Rendered only where the server has simulated
 * providers and allows the controls.
 */
export function SimulatedProvidersPanel(props: SimulatedProvidersProps) {
  const groups = groupByChain(props.providers, props.chains).filter(
    (group) => props.chains.length === 0 || props.chains.includes(group.chain),
  )
  return (
    <Panel title="Simulated providers" testId="simulated-providers">
      {groups.length === 0 ? <Empty>Waiting for chains…</Empty> : null}
      {groups.map((group) => (
        <ChainRow key={group.chain} group={group} onStart={props.onStart} onStop={props.onStop} />
      ))}
    </Panel>
  )
}
