import { useState } from 'preact/hooks'
import { api } from '../../api/client.js'
import { usePolling } from '../../api/use-polling.js'
import { Panel } from '../../components/ui.js'
import type { Run } from './run.js'

/** `sent 96 · ok 96 · errors 0 …`: the numeric fields of a load or sampler status. */
export function describeProgress(status: Record<string, unknown>): string {
  const fields = ['ratePerSecond', 'clients', 'sent', 'ok', 'errors', 'timeouts', 'skipped', 'inFlight']
  return fields
    .filter((field) => typeof status[field] === 'number')
    .map((field) => `${field} ${status[field] as number}`)
    .join(' · ')
}

/** Starts and stops the server's load generator and routing sampler, and shows what they are doing. */
export function LoadGenerator(props: { run: Run }) {
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
