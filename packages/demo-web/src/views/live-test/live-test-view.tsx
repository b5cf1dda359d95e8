import { useState } from 'preact/hooks'
import { capabilities } from '../../api/capabilities.js'
import { api } from '../../api/client.js'
import type { DemoProvider, ProviderView } from '../../api/types.js'
import { usePolling } from '../../api/use-polling.js'
import { useStore } from '../../app-context.js'
import { Badge, Empty, Panel } from '../../components/ui.js'
import { formatMs, formatPercent } from '../../format/format.js'
import { ScenarioPanel } from './scenario-panel.js'
import { SimulatedProvidersPanel } from './simulated-providers.js'

type Run = (label: string, action: () => Promise<unknown>) => void

function NumberKnob(props: {
  label: string
  initial: number
  step: number
  testId: string
  onSet: (value: number) => void
}) {
  const [value, setValue] = useState(props.initial)
  return (
    <span class="row">
      <input
        type="number"
        aria-label={props.label}
        step={props.step}
        min={0}
        value={value}
        onInput={(event) => setValue(Number((event.target as HTMLInputElement).value))}
      />
      <button type="button" class="action" data-testid={props.testId} onClick={() => props.onSet(value)}>
        set {props.label}
      </button>
    </span>
  )
}

function ProviderControls(props: { provider: ProviderView; simulated: DemoProvider | undefined; run: Run }) {
  const { provider, simulated, run } = props
  const id = provider.id
  return (
    <tr data-provider={id}>
      <td class="mono">{id}</td>
      <td>
        <Badge state={provider.health} />
      </td>
      <td>
        <Badge state={provider.breaker} />
      </td>
      <td>
        {simulated ? (
          <Badge state={simulated.mode === 'up' ? 'healthy' : 'open'} label={simulated.mode} />
        ) : (
          '—'
        )}
      </td>
      <td>
        <div class="row">
          {simulated ? (
            <>
              <button
                type="button"
                class="action danger"
                data-testid={`kill-${id}`}
                onClick={() => run(`kill ${id}`, () => api.providerAction(id, 'kill'))}
              >
                kill
              </button>
              <button
                type="button"
                class="action good"
                data-testid={`revive-${id}`}
                onClick={() => run(`revive ${id}`, () => api.providerAction(id, 'revive'))}
              >
                revive
              </button>
              <button
                type="button"
                class="action"
                onClick={() => run(`hang ${id}`, () => api.personality(id, { mode: 'hang' }))}
              >
                hang
              </button>
              <button
                type="button"
                class="action"
                onClick={() => run(`drop WS of ${id}`, () => api.providerAction(id, 'drop'))}
              >
                drop WS
              </button>
            </>
          ) : null}
          <button
            type="button"
            class="action"
            data-testid={`cooldown-${id}`}
            onClick={() => run(`cooldown ${id}`, () => api.cooldown(id, 10_000))}
          >
            cooldown 10s
          </button>
          <button
            type="button"
            class="action good"
            onClick={() => run(`healthy ${id}`, () => api.providerAction(id, 'healthy'))}
          >
            healthy
          </button>
        </div>
      </td>
      <td>
        {simulated ? (
          <div class="row">
            <NumberKnob
              label="latency ms"
              step={10}
              initial={simulated.personality.latencyMs}
              testId={`latency-${id}`}
              onSet={(latencyMs) =>
                run(`latency ${id} = ${formatMs(latencyMs)}`, () => api.personality(id, { latencyMs }))
              }
            />
            <NumberKnob
              label="error rate"
              step={0.05}
              initial={simulated.personality.errorRate}
              testId={`errors-${id}`}
              onSet={(errorRate) =>
                run(`error rate ${id} = ${formatPercent(errorRate)}`, () =>
                  api.personality(id, { errorRate }),
                )
              }
            />
            <NumberKnob
              label="lag blocks"
              step={1}
              initial={simulated.personality.lagBlocks}
              testId={`lag-${id}`}
              onSet={(lagBlocks) =>
                run(`lag ${id} = ${lagBlocks} blocks`, () => api.personality(id, { lagBlocks }))
              }
            />
          </div>
        ) : null}
      </td>
    </tr>
  )
}

/** `sent 96 · ok 96 · errors 0 …`: the numeric fields of a load or sampler status. */
export function describeProgress(status: Record<string, unknown>): string {
  const fields = ['ratePerSecond', 'clients', 'sent', 'ok', 'errors', 'timeouts', 'skipped', 'inFlight']
  return fields
    .filter((field) => typeof status[field] === 'number')
    .map((field) => `${field} ${status[field] as number}`)
    .join(' · ')
}

function LoadGenerator(props: { run: Run }) {
  const [rate, setRate] = useState(20)
  const [clients, setClients] = useState(4)
  const [seconds, setSeconds] = useState(60)
  const [ws, setWs] = useState(true)
  const status = usePolling(() => api.demoStatus(), 1_000)
  const load = status.data?.load
  const sampler = status.data?.sampler
  return (
    <Panel title="Load generator" testId="load-generator">
      <div class="row">
        <label class="inline">
          rate/s
          <input
            type="number"
            min={1}
            value={rate}
            onInput={(event) => setRate(Number((event.target as HTMLInputElement).value))}
          />
        </label>
        <label class="inline">
          clients
          <input
            type="number"
            min={1}
            value={clients}
            onInput={(event) => setClients(Number((event.target as HTMLInputElement).value))}
          />
        </label>
        <label class="inline">
          duration s
          <input
            type="number"
            min={1}
            value={seconds}
            onInput={(event) => setSeconds(Number((event.target as HTMLInputElement).value))}
          />
        </label>
        <label class="inline">
          <input
            type="checkbox"
            checked={ws}
            onChange={(event) => setWs((event.target as HTMLInputElement).checked)}
          />
          WebSocket clients too
        </label>
        <button
          type="button"
          class="action good"
          data-testid="load-start"
          onClick={() =>
            props.run('start load', () =>
              api
                .startLoad({
                  ratePerSecond: rate,
                  clients,
                  durationMs: seconds * 1_000,
                  transports: ws ? ['http', 'ws'] : ['http'],
                })
                .then(status.refresh),
            )
          }
        >
          start load
        </button>
        <button
          type="button"
          class="action danger"
          data-testid="load-stop"
          onClick={() => props.run('stop load', () => api.stopLoad().then(status.refresh))}
        >
          stop load
        </button>
        <span class="muted">|</span>
        <button
          type="button"
          class="action"
          onClick={() => props.run('start sampler', () => api.startSampler(2).then(status.refresh))}
        >
          start routing sampler (2/s)
        </button>
        <button
          type="button"
          class="action"
          onClick={() => props.run('stop sampler', () => api.stopSampler().then(status.refresh))}
        >
          stop sampler
        </button>
      </div>
      <p class="mono muted" data-testid="load-status">
        load: {load ? (load.running ? 'running' : 'stopped') : 'never started'} · sampler:{' '}
        {sampler ? (sampler.running ? 'running' : 'stopped') : 'never started'} · ambient traffic:{' '}
        {status.data?.ambient?.running ? 'on (switch on the Live Dashboard)' : 'off'}
        {load ? ` · ${describeProgress(load)}` : ''}
      </p>
    </Panel>
  )
}

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
