// Event-to-screen latency of the dashboard in headless Chromium.

import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { createProviderPool, type ProviderPool } from '@chainpulse/core'
import { buildServer } from '@chainpulse/server'
import type { Page } from 'playwright-core'
// The dashboard e2e's launcher: one place for the flags Chromium needs on these machines.
import { type Browser, dashboardDir, launchChromium } from '../../../packages/demo-web/e2e/browser.js'
import { type BenchRow, type BenchSuite, formatNumber } from '../suite.js'
import { formatMs, percentile } from './pool-bench-kit.js'

const RATES = [100, 1_000] as const
/** Published per rate and subject; the first `WARMUP_MS` of each run are not measured. */
const RUN_MS = 8_000
const WARMUP_MS = 1_000
const SETTLE_MS = 1_000
const TARGET_P99_MS = 50

/**
 * Installed in every page before its scripts: records, for each `bench_<n>` id that appears in the DOM,
 * the wall-clock time of the mutation that added it. Mutation callbacks run right after the render task
 * (the dashboard renders in a requestAnimationFrame callback), before that frame is painted.
 */
const OBSERVER_SCRIPT = `
window.__seen = new Map()
const scan = (root) => {
  const at = Date.now()
  const selector = '[data-row="decision"] [data-field="method"], [data-bench]'
  const found = root.querySelectorAll ? [...root.querySelectorAll(selector)] : []
  if (root.matches?.(selector)) found.push(root)
  for (const cell of found) {
    const id = cell.getAttribute('data-bench') ?? cell.textContent
    if (id && id.startsWith('bench_') && !window.__seen.has(id)) window.__seen.set(id, at)
  }
}
new MutationObserver((records) => {
  for (const record of records) for (const node of record.addedNodes) if (node.nodeType === 1) scan(node)
  for (const record of records) if (record.type === 'characterData') scan(record.target.parentElement?.parentElement ?? document)
}).observe(document, { childList: true, subtree: true, characterData: true })
`

/**
 * The baseline: one WebSocket message → one DOM append, no batching, no framework. It carries the same
 * observer (`setContent` replaces the document the init script watched).
 */
const naivePage = () => `<!doctype html><html><body><div id="rows"></div><script>
${OBSERVER_SCRIPT}
const rows = document.getElementById('rows')
const ws = new WebSocket('ws://' + location.host + '/api/stream')
ws.onopen = () => ws.send(JSON.stringify({ subscribe: ['routing:decisions'], replay: 0 }))
ws.onmessage = (event) => {
  const message = JSON.parse(event.data)
  if (message.topic !== 'routing:decisions') return
  const row = document.createElement('div')
  row.setAttribute('data-bench', message.payload.method)
  row.textContent = JSON.stringify(message.payload)
  rows.prepend(row)
  if (rows.childElementCount > 100) rows.lastElementChild.remove()
}
window.__ready = () => ws.readyState === 1
</script></body></html>`

interface RunResult {
  latencies: number[]
  published: number
  /** Events whose own row was added to the DOM. */
  drawn: number
}

/** Publishes `rate` synthetic routing decisions per second for RUN_MS, then reads what the page saw. */
async function measure(pool: ProviderPool, page: Page, rate: number, runId: string): Promise<RunResult> {
  const publishedAt = new Map<string, number>()
  const start = Date.now()
  let sent = 0
  await new Promise<void>((resolve) => {
    // Ticks every few ms and publishes what is due, so the rate holds whatever the timer granularity.
    const timer = setInterval(() => {
      const elapsed = Date.now() - start
      const due = Math.min(Math.floor((elapsed * rate) / 1_000), Math.floor((RUN_MS * rate) / 1_000))
      while (sent < due) {
        const id = `bench_${runId}_${sent++}`
        const ts = Date.now()
        if (ts - start >= WARMUP_MS) publishedAt.set(id, ts)
        pool.pubsub.publish('routing:decisions', {
          ts,
          chain: 'ethereum',
          method: id,
          strategy: 'priority',
          providerId: 'ethereum-alpha',
          durationMs: 12.5,
          result: 'ok',
          failoverCount: 0,
          attempts: 1,
        })
      }
      if (elapsed >= RUN_MS) {
        clearInterval(timer)
        resolve()
      }
    }, 2)
  })
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS))
  const seen = new Map(
    await page.evaluate(() => [...(window as unknown as { __seen: Map<string, number> }).__seen]),
  )
  // Newest first: the feed draws only the rows in view, so when a frame brings more events than that,
  // the older ones of the frame scroll past without a row of their own. Such an event counts the time of
  // the next newer event's row (drawn in the same frame or a later one: an upper bound), so skipping rows
  // cannot make the figures look better; an event with no newer drawn event is left out.
  const latencies: number[] = []
  let drawn = 0
  let nextShownAt: number | undefined
  const ids = [...publishedAt.keys()]
  for (let index = ids.length - 1; index >= 0; index--) {
    const id = ids[index]!
    const shownAt = seen.get(id)
    if (shownAt !== undefined) {
      drawn++
      nextShownAt = shownAt
    }
    const at = shownAt ?? nextShownAt
    if (at !== undefined) latencies.push(Math.max(0, at - publishedAt.get(id)!))
  }
  return { latencies, published: publishedAt.size, drawn }
}

const row = (subject: string, rate: number, result: RunResult): BenchRow => ({
  subject: `${subject} @ ${formatNumber(rate)} events/s`,
  figures: {
    p50: formatMs(percentile(result.latencies, 50)),
    p99: formatMs(percentile(result.latencies, 99)),
    max: formatMs(Math.max(...result.latencies)),
    'events timed': `${formatNumber(result.latencies.length)} / ${formatNumber(result.published)}`,
    'own row drawn': formatNumber(result.drawn),
  },
})

/** Publish → frame latency of the dashboard against a naive one-append-per-message page. */
export const dashboardLatencySuite: BenchSuite = {
  id: 'dashboard-latency',
  title: 'Dashboard event-to-screen latency (Chromium)',
  async run() {
    if (!existsSync(join(dashboardDir, 'index.html')))
      throw new Error('demo-web is not built: run `pnpm --filter @chainpulse/demo-web build` first')

    // No reachable provider: the events are synthetic, published straight on the pool's PubSub.
    const pool = createProviderPool({
      chains: [{ name: 'ethereum', chainId: 1, blockTimeMs: 12_000 }],
      providers: [{ id: 'ethereum-alpha', chain: 'ethereum', httpUrl: 'http://127.0.0.1:9/' }],
      strategy: 'priority',
    })
    const app = buildServer({
      pool,
      dashboardDir,
      config: { demo: false, logLevel: 'silent', rateLimit: false },
      logger: false,
    })
    const origin = await app.listen({ port: 0, host: '127.0.0.1' })
    let browser: Browser | undefined
    const rows: BenchRow[] = []
    const p99At1000: number[] = []
    try {
      browser = await launchChromium()
      const { context } = browser
      const page = context.pages()[0] ?? (await context.newPage())
      await page.addInitScript(OBSERVER_SCRIPT)
      for (const rate of RATES) {
        await page.goto(`${origin}/#live`)
        await page.waitForSelector('[data-testid="stream-status"][data-status="open"]')
        await page.waitForSelector('[data-testid="routing-feed"]')
        const dashboard = await measure(pool, page, rate, `d${rate}`)
        rows.push(row('ChainPulse dashboard (frame-batched, virtualised feed)', rate, dashboard))
        if (rate === 1_000) p99At1000.push(percentile(dashboard.latencies, 99))

        await page.goto(`${origin}/api/capabilities`)
        await page.setContent(naivePage())
        await page.waitForFunction(() => (window as unknown as { __ready: () => boolean }).__ready())
        const naive = await measure(pool, page, rate, `n${rate}`)
        rows.push(row('baseline: naive page (one DOM append per message)', rate, naive))
      }
    } finally {
      await browser?.close()
      await app.close()
      await pool.close()
    }
    const p99 = p99At1000[0] ?? Number.NaN
    return {
      rows,
      target: `p99 < ${TARGET_P99_MS} ms at 1,000 events/s`,
      met: p99 < TARGET_P99_MS,
      notes: [
        `Synthetic \`routing:decisions\` events published on the pool's PubSub at a fixed rate for ${RUN_MS / 1_000} s per run (the first ${WARMUP_MS / 1_000} s not measured); \`ts\` = publish time (Date.now).`,
        'Shown = wall-clock time of the DOM mutation that added the event’s row (MutationObserver in the page, Date.now; the routing feed’s method cell), i.e. the frame that paints it; same machine, same clock on both sides.',
        'Path measured: PubSub → server stream (per-connection queue) → WebSocket → page → DOM. Headless Chromium (/usr/bin/chromium, --disable-gpu), 1440×900, Live Dashboard tab (topology, feeds, snapshots every second).',
        'Where the time goes (CDP probe, same setup, 1,000 events/s, busy 2-core machine): the page’s main thread was busy 85–88% of the time when the routing feed kept 100 table rows in the DOM (each frame re-laid out and repainted them all, delaying WebSocket message handling by 20–40 ms); with the virtualised feed (~16 fixed-height, size-contained rows, unchanged rows not re-rendered) and the topology’s edge flow stepped 5×/s instead of animated per frame, 64–77%; the naive page, 51–58% (one task per WebSocket message is the floor).',
        'The Live tab’s feeds are virtualised (only the ~16 rows in view are in the DOM): when a frame brings more events than that, the older ones scroll past without a row of their own and are timed at the next newer event’s row (an upper bound); “own row drawn” counts the events that got one. “events timed” below the published count means the server dropped for a slow reader.',
      ],
    }
  },
}
