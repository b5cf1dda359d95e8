import { useEffect, useState } from 'preact/hooks'
import { capabilities } from '../../api/capabilities.js'
import { api } from '../../api/client.js'
import type { AmbientStatus } from '../../api/types.js'
import { usePolling } from '../../api/use-polling.js'
import { useStore } from '../../app-context.js'
import { ScenarioTimeline } from '../../components/scenario-timeline.js'
import { Panel } from '../../components/ui.js'
import { formatCount, formatNumber } from '../../format/format.js'
import { createLiveScenarioContext } from '../../scenarios/live-context.js'
import { runningScenario, scenarioTimeline, startScenario, stopScenario } from '../../scenarios/session.js'

/** `6 simulated clients (HTTP + WebSocket) · 4 req/s · routing sampler 1/s · 1,234 sent`. */
export function describeAmbient(ambient: AmbientStatus | null | undefined): string {
  if (!ambient?.running) return 'no simulated clients: only the traffic you send shows here'
  const { clients, sampler } = ambient
  return [
    `${clients.clients} simulated clients (HTTP + WebSocket)`,
    `${formatNumber(clients.ratePerSecond, 0)} req/s`,
    `routing sampler ${formatNumber(sampler.ratePerSecond, 0)}/s`,
    `${formatCount(clients.sent + sampler.sent)} sent`,
  ].join(' · ')
}

function AmbientSwitch() {
  const status = usePolling(() => api.demoStatus(), 2_000)
  // The click's intent until a poll confirms it, so the switch does not flip back meanwhile.
  const [wanted, setWanted] = useState<boolean | null>(null)
  const [error, setError] = useState('')
  const ambient = status.data?.ambient
  const running = ambient?.running === true
  useEffect(() => {
    if (wanted === running) setWanted(null)
  }, [wanted, running])
  const on = wanted ?? running
  const toggle = (next: boolean) => {
    setWanted(next)
    setError('')
    ;(next ? api.startAmbient() : api.stopAmbient()).then(status.refresh, (failure: unknown) => {
      setWanted(null)
      setError(failure instanceof Error ? failure.message : String(failure))
    })
  }
  return (
    <div class="row" data-testid="ambient" data-running={String(running)}>
      <label class="switch">
        <input
          type="checkbox"
          role="switch"
          aria-checked={on}
          data-testid="ambient-toggle"
          checked={on}
          onChange={(event) => toggle((event.target as HTMLInputElement).checked)}
        />
        <strong>ambient traffic {on ? 'on' : 'off'}</strong>
      </label>
      <span class="muted" data-testid="ambient-status">
        {wanted === null ? describeAmbient(ambient) : wanted ? 'starting…' : 'stopping…'}
      </span>
      {error ? <span class="bad">{error}</span> : null}
    </div>
  )
}

function KillTheLeaderButton(props: { chain: string }) {
  const store = useStore()
  const current = runningScenario.value
  return (
    <div class="row">
      <button
        type="button"
        class="action danger"
        data-testid="demo-kill-leader"
        disabled={current !== null || !props.chain}
        title="Kill the leaderboard's top provider, watch traffic fail over, revive it and watch it come back"
        onClick={() => startScenario('kill-leader', createLiveScenarioContext(store, props.chain))}
      >
        ⚡ Kill the leader{props.chain ? ` of ${props.chain}` : ''}
      </button>
      {current ? (
        <button type="button" class="action" data-testid="demo-scenario-stop" onClick={stopScenario}>
          stop
        </button>
      ) : null}
    </div>
  )
}

/**
 * The Live Dashboard's demo strip, in demo mode only: the ambient traffic switch, and the one-click
 * "kill the leader" scenario narrated step by step (the Live Test tab's scenario and runner; the
 * timeline is the same as there).
 */
export function DemoPanel() {
  const store = useStore()
  const caps = capabilities.value
  if (!caps?.demo || !caps.controls) return null
  const chain = store.chainFilter.value || store.chains.value[0]?.name || ''
  const timeline = scenarioTimeline.value
  return (
    <Panel title="Demo" testId="demo-panel">
      <div class="demo-bar">
        <AmbientSwitch />
        {caps.simulatedProviders ? <KillTheLeaderButton chain={chain} /> : null}
      </div>
      {caps.simulatedProviders && timeline.length > 0 ? (
        <ScenarioTimeline entries={timeline} testId="demo-timeline" empty="" />
      ) : null}
    </Panel>
  )
}
