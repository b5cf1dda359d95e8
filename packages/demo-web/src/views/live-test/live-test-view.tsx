import { useState } from 'preact/hooks'
import { capabilities } from '../../api/capabilities.js'
import { api } from '../../api/client.js'
import type { DemoProvider } from '../../api/types.js'
import { usePolling } from '../../api/use-polling.js'
import { useStore } from '../../app-context.js'
import { Empty, Panel } from '../../components/ui.js'
import { LoadGenerator } from './load-generator.js'
import { ProviderControls } from './provider-controls.js'
import type { Run } from './run.js'
import { ScenarioPanel } from './scenario-panel.js'
import { SimulatedProvidersPanel } from './simulated-providers.js'

/**
 * Live Test: the load generator, scenarios, simulated providers started and stopped per chain, failure
 * injection per provider and cooldown/healthy events.
 */
export function LiveTestView() {
  const store = useStore()
  const caps = capabilities.value
  const [log, setLog] = useState<string[]>([])
  const simulated = usePolling(
    () =>
      caps?.simulatedProviders ? api.demoProviders() : Promise.resolve({ providers: [] as DemoProvider[] }),
    2_000,
    String(caps?.simulatedProviders),
  )

  if (!caps) return <Empty>Asking the server what it allows…</Empty>
  if (!caps.controls)
    return (
      <p class="notice" data-testid="controls-disabled">
        Live controls are disabled on this server (run <code>chainpulse demo</code>, or send the admin token
        header <code>{caps.adminTokenHeader}</code>).
      </p>
    )

  const run: Run = (label, action) => {
    action().then(
      () => {
        setLog((lines) => [`✓ ${label}`, ...lines].slice(0, 8))
        simulated.refresh()
      },
      (error: unknown) =>
        setLog((lines) =>
          [`✗ ${label}: ${error instanceof Error ? error.message : String(error)}`, ...lines].slice(0, 8),
        ),
    )
  }
  const filter = store.chainFilter.value
  const providers = store.providers.value.filter((provider) => !filter || provider.chain === filter)
  const byId = new Map((simulated.data?.providers ?? []).map((entry) => [entry.id, entry]))

  return (
    <>
      <LoadGenerator run={run} />
      <ScenarioPanel chain={filter} />
      {caps.simulatedProviders ? (
        <SimulatedProvidersPanel
          chains={store.chains.value.map((chain) => chain.name).filter((name) => !filter || name === filter)}
          providers={simulated.data?.providers ?? []}
          onStart={(chain, preset) =>
            run(`start a ${preset} provider on ${chain}`, () => api.startProvider(chain, preset))
          }
          onStop={(id) => run(`stop ${id}`, () => api.providerAction(id, 'stop'))}
        />
      ) : null}
      <Panel title="Failure injection" testId="failure-injection">
        {providers.length === 0 ? (
          <Empty>Waiting for providers…</Empty>
        ) : (
          <div class="scroll">
            <table>
              <thead>
                <tr>
                  <th>provider</th>
                  <th>state</th>
                  <th>breaker</th>
                  <th>mode</th>
                  <th>actions</th>
                  <th>knobs</th>
                </tr>
              </thead>
              <tbody>
                {providers.map((provider) => (
                  <ProviderControls
                    key={provider.id}
                    provider={provider}
                    simulated={byId.get(provider.id)}
                    run={run}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Panel>
      <Panel title="Actions">
        {log.length === 0 ? <Empty>Nothing done yet.</Empty> : null}
        {log.map((line, index) => (
          <div key={`${index}-${line}`} class={`mono ${line.startsWith('✗') ? 'bad' : 'ok'}`}>
            {line}
          </div>
        ))}
      </Panel>
    </>
  )
}
