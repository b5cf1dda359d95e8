import { signal } from '@preact/signals'
import { api } from '../../api/client.js'
import { leaderOf } from '../../api/leaderboard.js'
import type { LeaderboardEntry, ProviderView } from '../../api/types.js'
import { Empty, Panel } from '../../components/ui.js'
import { formatClock } from '../../format/format.js'
import { runScenario, type ScenarioContext, type TimelineEntry } from '../../scenarios/runner.js'
import { scenarios } from '../../scenarios/scenarios.js'

// Module state, so switching tabs neither stops a running scenario nor loses its timeline.
const running = signal<{ id: string; controller: AbortController } | null>(null)
const timeline = signal<TimelineEntry[]>([])

export { leaderOf }

/** Scripted scenarios over the demo controls, with the narrated timeline of the current or last run. */
export function ScenarioPanel(props: {
  chain: string
  providers: ProviderView[]
  leaderboard: Record<string, LeaderboardEntry[]>
}) {
  const chain = props.chain || props.providers[0]?.chain || ''
  const start = (id: string) => {
    const scenario = scenarios.find((entry) => entry.id === id)
    if (!scenario || running.value) return
    const context: ScenarioContext = {
      chain,
      providers: props.providers
        .filter((provider) => provider.chain === chain)
        .map((provider) => provider.id),
      leader: leaderOf(props.leaderboard[chain]),
      kill: (provider) => api.providerAction(provider, 'kill'),
      revive: (provider) => api.providerAction(provider, 'revive'),
      healthy: (provider) => api.providerAction(provider, 'healthy'),
      personality: (provider, patch) => api.personality(provider, patch),
    }
    const controller = new AbortController()
    running.value = { id, controller }
    void runScenario(scenario, context, {
      signal: controller.signal,
      onTimeline: (entries) => {
        timeline.value = entries
      },
    }).finally(() => {
      running.value = null
    })
  }
  const current = running.value
  return (
    <Panel
      title="Scenarios"
      testId="scenarios"
      actions={
        current ? (
          <button
            type="button"
            class="action danger"
            data-testid="scenario-stop"
            onClick={() => current.controller.abort()}
          >
            stop
          </button>
        ) : null
      }
    >
      <div class="scenario-list">
        {scenarios.map((scenario) => (
          <button
            type="button"
            key={scenario.id}
            class={`action scenario ${current?.id === scenario.id ? 'active' : ''}`}
            data-testid={`scenario-${scenario.id}`}
            disabled={current !== null || !chain}
            title={scenario.summary}
            onClick={() => start(scenario.id)}
          >
            <strong>{scenario.title}</strong>
            <span class="muted">{scenario.summary}</span>
          </button>
        ))}
      </div>
      <ol class="timeline" data-testid="scenario-timeline">
        {timeline.value.length === 0 ? (
          <Empty>Pick a scenario: each step appears here as it runs (on {chain || 'the first chain'}).</Empty>
        ) : null}
        {timeline.value.map((entry, index) => (
          <li key={`${index}-${entry.at}`} class={`step ${entry.status}`} data-status={entry.status}>
            <span class="mono muted">{formatClock(entry.at)}</span>
            <span class="status-mark">{statusMark[entry.status]}</span>
            <span>
              {entry.text}
              {entry.detail ? <span class="bad"> — {entry.detail}</span> : null}
            </span>
          </li>
        ))}
      </ol>
    </Panel>
  )
}

const statusMark = { running: '…', done: '✓', failed: '✗', skipped: '–' } as const
