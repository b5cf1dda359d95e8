import { useState } from 'preact/hooks'
import { api } from '../../api/client.js'
import type { DemoProvider, ProviderView } from '../../api/types.js'
import { Badge } from '../../components/ui.js'
import { formatMs, formatPercent } from '../../format/format.js'
import type { Run } from './run.js'

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

/** One provider's failure-injection controls: kill, revive, hang, drop, cooldown, and its personality knobs. */
export function ProviderControls(props: {
  provider: ProviderView
  simulated: DemoProvider | undefined
  run: Run
}) {
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
