import { signal } from '@preact/signals'
import { StoreContext } from './app-context.js'
import type { DashboardStore } from './stream/dashboard-store.js'
import { LiveView } from './views/live/live-view.js'
import { LiveTestView } from './views/live-test/live-test-view.js'
import { RacingView } from './views/racing/racing-view.js'
import { StrategiesView } from './views/strategies/strategies-view.js'
import { SystemView } from './views/system/system-view.js'

/** The tabs, in display order; the id is also the URL hash (`#racing`). */
export const tabs = [
  { id: 'live', label: 'Live Dashboard', view: LiveView },
  { id: 'racing', label: 'Racing', view: RacingView },
  { id: 'strategies', label: 'Strategies', view: StrategiesView },
  { id: 'live-test', label: 'Live Test', view: LiveTestView },
  { id: 'system', label: 'System Metrics', view: SystemView },
] as const

type TabId = (typeof tabs)[number]['id']

const tabFromHash = (): TabId => {
  const id = globalThis.location?.hash.slice(1)
  return tabs.find((tab) => tab.id === id)?.id ?? 'live'
}

const activeTab = signal<TabId>(tabFromHash())
globalThis.addEventListener?.('hashchange', () => {
  activeTab.value = tabFromHash()
})

const statusLabel = { connecting: 'connecting…', open: 'live', reconnecting: 'reconnecting…' } as const

function Header(props: { store: DashboardStore }) {
  const { store } = props
  const status = store.status.value
  return (
    <header class="top">
      <h1>
        Chain<span>Pulse</span>
      </h1>
      <div class="tabs" role="tablist">
        {tabs.map((tab) => (
          <button
            type="button"
            role="tab"
            key={tab.id}
            data-tab={tab.id}
            aria-selected={activeTab.value === tab.id}
            onClick={() => {
              activeTab.value = tab.id
              history.replaceState(null, '', `#${tab.id}`)
            }}
          >
            {tab.label}
          </button>
        ))}
      </div>
      <span class="spacer" />
      <label class="inline">
        chain
        <select
          data-testid="chain-filter"
          value={store.chainFilter.value}
          onChange={(event) => {
            store.chainFilter.value = (event.target as HTMLSelectElement).value
          }}
        >
          <option value="">all chains</option>
          {store.chains.value.map((chain) => (
            <option key={chain.name} value={chain.name}>
              {chain.name}
            </option>
          ))}
        </select>
      </label>
      {store.instances.value.length > 0 ? (
        <label class="inline">
          instance
          <select
            data-testid="instance-filter"
            value={store.instanceFilter.value}
            onChange={(event) => {
              store.instanceFilter.value = (event.target as HTMLSelectElement).value
            }}
          >
            <option value="">all instances</option>
            {store.instances.value.map((instance) => (
              <option key={instance} value={instance}>
                {instance}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <span class={`conn ${status}`} data-testid="stream-status" data-status={status}>
        {statusLabel[status]}
      </span>
    </header>
  )
}

/** The dashboard: a header (tabs, chain filter, connection state) over the active view. */
export function App(props: { store: DashboardStore }) {
  const active = tabs.find((tab) => tab.id === activeTab.value) ?? tabs[0]
  const View = active.view
  return (
    <StoreContext.Provider value={props.store}>
      <Header store={props.store} />
      <main data-view={active.id}>
        <View />
      </main>
    </StoreContext.Provider>
  )
}
