import { render } from 'preact'
import { loadCapabilities } from './api/capabilities.js'
import { liveTopics, snapshotTopics } from './api/types.js'
import { App } from './app.js'
import { startClock } from './components/now.js'
import { createDashboardStore } from './stream/dashboard-store.js'
import { createStreamClient } from './stream/stream-client.js'
import './styles.css'
import { marginTrackerOf } from './views/racing/margin-window.js'
import { requestLogOf } from './views/strategies/request-log.js'
import { gcTrackerOf } from './views/system/gc-history.js'

const store = createDashboardStore()
// Windows that tabs show but that must fill from the start, not from when their tab is first opened.
marginTrackerOf(store)
requestLogOf(store)
gcTrackerOf(store)
const protocol = location.protocol === 'https:' ? 'wss:' : 'ws:'
createStreamClient({
  url: `${protocol}//${location.host}/api/stream`,
  topics: [...liveTopics, ...snapshotTopics],
  onBatch: (messages, dropped) => store.apply(messages, dropped),
  onStatus: (status) => {
    store.status.value = status
  },
  // The new connection replays the recent feeds: start them afresh so nothing shows twice.
  onOpen: (reconnect) => {
    if (reconnect) store.resetFeeds()
  },
})
startClock()
void loadCapabilities()

render(<App store={store} />, document.getElementById('app')!)
