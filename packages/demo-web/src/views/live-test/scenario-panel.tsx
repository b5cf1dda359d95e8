import { useState } from 'preact/hooks'
import { leaderOf } from '../../api/leaderboard.js'
import { useStore } from '../../app-context.js'
import { ScenarioTimeline } from '../../components/scenario-timeline.js'
import { Panel } from '../../components/ui.js'
import { createLiveScenarioContext } from '../../scenarios/live-context.js'
import { scenarios } from '../../scenarios/scenarios.js'
import { runningScenario, scenarioTimeline, startScenario, stopScenario } from '../../scenarios/session.js'

export { leaderOf }

/**
 * Scripted scenarios over the demo controls, on `chain` (the header's filter) or the first chain, with
 * an input for each scenario setting and the narrated timeline of the current or last run.
 */
export function ScenarioPanel(props: { chain: string }) {
  const store = useStore()
  const chain = props.chain || store.providers.value[0]?.chain || ''
  const current = runningScenario.value
  /** Values typed per scenario id and setting key; a setting not typed in takes its default. */
  const [picked, setPicked] = useState<Record<string, Record<string, number>>>({})
  const pick = (id: string, key: string, value: number) =>
    setPicked((before) => ({ ...before, [id]: { ...before[id], [key]: value } }))
  return (
    <Panel
      title="Scenarios"
      testId="scenarios"
      actions={
        current ? (
          <button type="button" class="action danger" data-testid="scenario-stop" onClick={stopScenario}>
            stop
          </button>
        ) : null
      }
    >
      <div class="scenario-list">
        {scenarios.map((scenario) => (
          <div class="scenario-item" key={scenario.id}>
            <button
              type="button"
              class={`action scenario ${current?.id === scenario.id ? 'active' : ''}`}
              data-testid={`scenario-${scenario.id}`}
              disabled={current !== null || !chain}
              title={scenario.summary}
              onClick={() =>
                startScenario(scenario.id, createLiveScenarioContext(store, chain), picked[scenario.id])
              }
            >
              <strong>{scenario.title}</strong>
              <span class="muted">{scenario.summary}</span>
            </button>
            {scenario.settings?.map((setting) => (
              <label class="inline scenario-setting" key={setting.key}>
                {setting.label}
                <input
                  type="number"
                  min={setting.min}
                  step={1}
                  value={picked[scenario.id]?.[setting.key] ?? setting.default}
                  data-testid={`scenario-${scenario.id}-${setting.key}`}
                  disabled={current !== null}
                  onInput={(event) =>
                    pick(scenario.id, setting.key, Number((event.target as HTMLInputElement).value))
                  }
                />
              </label>
            ))}
          </div>
        ))}
      </div>
      <ScenarioTimeline
        entries={scenarioTimeline.value}
        testId="scenario-timeline"
        empty={`Pick a scenario: each step appears here as it runs (on ${chain || 'the first chain'}).`}
      />
    </Panel>
  )
}
