import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
// The demo exactly as `chainpulse demo` starts it (default devnet: 3 chains × 4 simulated providers),
// from source; demo-web has no package dependency on the server (see dashboard.e2e.test.ts).
import { type RunningDemo, startDemo } from '../../server/src/demo/start-demo.js'
import {
  type Browser,
  buildDashboard,
  dashboardDir,
  horizontalOverflow,
  launchChromium,
  OUT_OF_ROTATION,
  overviewRow,
  type PageProblems,
  screenshotDir,
  watchPageProblems,
} from './browser.js'

const tabs = ['live', 'racing', 'strategies', 'live-test', 'system'] as const

let demo: RunningDemo | undefined
let browser: Browser | undefined
let page: Page
let problems: PageProblems

async function openTab(tab: (typeof tabs)[number]): Promise<void> {
  await page.click(`[data-tab="${tab}"]`)
  await page.waitForSelector(`main[data-view="${tab}"]`)
}

/** Waits until the Live Dashboard's quick stat `testId` shows exactly `value`, or more than it. */
async function statReaches(testId: string, compare: 'equal' | 'above', value: number, timeout = 5_000) {
  await page.waitForFunction(
    ([id, compare, value]) => {
      const shown = Number(document.querySelector(`[data-testid="${id}"] .value`)?.textContent)
      return compare === 'above' ? shown > value : shown === value
    },
    [testId, compare, value] as const,
    { timeout },
  )
}

const timeline = '[data-testid="demo-timeline"]'

describe('the demo in Chromium at laptop size (1280 × 800), as chainpulse demo starts it', () => {
  beforeAll(async () => {
    await buildDashboard()
    demo = await startDemo({ port: 0, snapshotPath: false, logger: false, dashboardDir })
    browser = await launchChromium({ viewport: { width: 1280, height: 800 } })
    page = browser.context.pages()[0] ?? (await browser.context.newPage())
    problems = watchPageProblems(page)
    mkdirSync(screenshotDir, { recursive: true })
  })

  afterAll(async () => {
    await browser?.close()
    await demo?.close()
  })

  // No console error, uncaught exception, failed request or 4xx/5xx answer at any point of any test.
  afterEach(() => {
    expect(problems.take()).toEqual([])
  })

  it('is alive within 10 s of opening, with no clicks: routing decisions, request rates, simulated clients', async () => {
    const opened = performance.now()
    await page.goto(`${demo!.url}/`)
    const remaining = () => Math.max(1, 10_000 - (performance.now() - opened))
    await page.waitForFunction(
      () =>
        document.querySelectorAll('[data-testid="routing-feed"] [data-row="decision"]').length > 0 &&
        Number(document.querySelector('[data-testid="stat-rps"] .value')?.textContent) > 0,
      undefined,
      { timeout: remaining() },
    )
    // Three HTTP and three WebSocket clients (one of each per chain), each counted once.
    await statReaches('stat-clients', 'equal', 6, remaining())
    expect(performance.now() - opened).toBeLessThan(10_000)
    expect(await page.getAttribute('[data-testid="ambient"]', 'data-running')).toBe('true')
    await page.screenshot({ path: join(screenshotDir, '1280-live-alive.png') })
  })

  it('shows per chain what the cache and coalescing save, moving with the ambient traffic', async () => {
    const cell = (chain: string, field: string) =>
      `[data-testid="call-savings"] tr[data-chain="${chain}"] [data-field="${field}"]`
    const figure = async (chain: string, field: string) =>
      Number((await page.textContent(cell(chain, field)))?.replaceAll(',', ''))
    const reaches = (chain: string, field: string, above: number, timeout = 10_000) =>
      page.waitForFunction(
        ([selector, above]) =>
          Number(document.querySelector(selector)?.textContent?.replaceAll(',', '')) > above,
        [cell(chain, field), above] as const,
        { timeout },
      )
    // Every chain's row fills in: the ambient clients' calls, what went upstream, a hit rate over the window.
    for (const chain of ['ethereum', 'polygon', 'arbitrum']) {
      await reaches(chain, 'calls-total', 0)
      await reaches(chain, 'upstream-total', 0)
      await page.waitForFunction(
        (selector) => /^\d+(\.\d)?%$/.test(document.querySelector(selector)?.textContent ?? ''),
        cell(chain, 'hit-rate'),
        { timeout: 10_000 },
      )
      expect(await figure(chain, 'saved-total')).toBe(
        (await figure(chain, 'hits-total')) + (await figure(chain, 'coalesced-total')),
      )
    }
    // The figures move with the ambient traffic, snapshot after snapshot.
    await reaches('ethereum', 'calls-total', await figure('ethereum', 'calls-total'))
    // A client's repeated reads of a value the cache keeps for good are hits (after the first, which may
    // be the chain's first): saved calls move too.
    const chainId = async (id: number) => {
      const response = await fetch(`${demo!.url}/rpc/ethereum`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id, method: 'eth_chainId', params: [] }),
      })
      await response.json()
      return response.headers.get('x-chainpulse-cache')
    }
    expect(['hit', 'miss']).toContain(await chainId(0))
    const hits = await figure('ethereum', 'hits-total')
    for (let call = 1; call <= 5; call++) expect(await chainId(call)).toBe('hit')
    await reaches('ethereum', 'hits-total', hits + 4)
    await reaches('ethereum', 'saved', 4)
    await page.waitForSelector(`${cell('ethereum', 'saved-per-second')} polyline`)
    await page
      .locator('[data-testid="call-savings"]')
      .screenshot({ path: join(screenshotDir, '1280-call-savings.png') })
  })

  it('fits every tab in 1280 px: no table, cell or panel overflows horizontally', async () => {
    for (const tab of tabs) {
      await openTab(tab)
      // Each tab with its data in, so the widest content is on screen.
      if (tab === 'live') await page.waitForSelector('[data-testid="event-feed"] [data-row="event"]')
      if (tab === 'racing')
        for (const chain of ['ethereum', 'polygon', 'arbitrum'])
          await page.waitForSelector(`[data-testid="race-${chain}"] table.leaderboard tr[data-provider]`)
      if (tab === 'strategies') {
        await page.waitForSelector('[data-testid="request-log"] tbody tr')
        await page.waitForSelector('table.latency tbody tr[data-method="eth_getBlockByNumber"]')
      }
      if (tab === 'live-test')
        await page.waitForSelector('[data-testid="failure-injection"] tr[data-provider]')
      if (tab === 'system') await page.waitForSelector('[data-testid="runtime-stats"]')
      await page.screenshot({ path: join(screenshotDir, `1280-${tab}.png`), fullPage: true })
      expect(await horizontalOverflow(page), tab).toEqual([])
    }
    // The leaderboard's score, the column once cut off at this width, is in view.
    await openTab('racing')
    const score = await page
      .locator('[data-testid="race-ethereum"] [data-field="score"]')
      .first()
      .boundingBox()
    expect(score!.x + score!.width).toBeLessThanOrEqual(1280)
  })

  it('switches ambient traffic off and on from the Live Dashboard', async () => {
    await openTab('live')
    await page.click('[data-testid="ambient-toggle"]')
    await page.waitForSelector('[data-testid="ambient"][data-running="false"]')
    const status = await (await fetch(`${demo!.url}/api/demo/status`)).json()
    expect(status.ambient.running).toBe(false)
    // Every simulated client leaves, and with no traffic the rate falls to zero (a 10 s window).
    await statReaches('stat-clients', 'equal', 0)
    await statReaches('stat-rps', 'equal', 0, 15_000)
    await page.screenshot({ path: join(screenshotDir, '1280-live-ambient-off.png') })

    await page.click('[data-testid="ambient-toggle"]')
    await page.waitForSelector('[data-testid="ambient"][data-running="true"]')
    await statReaches('stat-rps', 'above', 0, 10_000)
    await statReaches('stat-clients', 'equal', 6)
  })

  it('kills the leader in one click on the Live Dashboard and narrates it: killed, traffic moved, revived, back', async () => {
    await openTab('live')
    await page.click('[data-testid="demo-kill-leader"]')
    const first = await page.waitForSelector(`${timeline} li:has-text("leader of ethereum is")`)
    const leader = /leader of ethereum is (ethereum-[\w-]+)/.exec((await first.textContent()) ?? '')![1]!
    expect(demo!.devnet.manifest.providers.map((provider) => provider.id)).toContain(leader)

    await page.waitForSelector(`${timeline} li[data-status="done"]:has-text("kill ${leader}")`)
    const moved = await page.waitForSelector(
      `${timeline} li:has-text("traffic moves off ${leader}") [data-field="note"]`,
    )
    const to = /now served by (ethereum-[\w-]+)/.exec((await moved.textContent()) ?? '')?.[1]
    expect(to).toBeDefined()
    expect(to).not.toBe(leader)
    // The same page shows it happen: the leader is out of rotation (probes find it down, or its breaker
    // opens under traffic, whichever comes first) while traffic flows elsewhere.
    await page.waitForSelector(`${overviewRow(leader)} ${OUT_OF_ROTATION}`, { timeout: 10_000 })
    await page.screenshot({ path: join(screenshotDir, '1280-live-kill-leader.png') })

    await page.waitForSelector(`${timeline} li[data-status="done"]:has-text("revive ${leader}")`, {
      timeout: 15_000,
    })
    await page.waitForSelector(`${timeline} li:has-text("✔ scenario complete")`, { timeout: 30_000 })
    const steps = await page.locator(`${timeline} li`).allTextContents()
    expect(steps.find((step) => step.includes(`${leader} comes back`))).toContain(
      `${leader} answers requests again`,
    )
    expect(await page.locator(`${timeline} li[data-status="failed"]`).count()).toBe(0)
    await page.waitForSelector(`${overviewRow(leader)} [data-field="health"] .badge.healthy`)
    await page.waitForSelector(`${overviewRow(leader)} [data-field="breaker"] .badge.closed`)
    await page.screenshot({ path: join(screenshotDir, '1280-live-kill-leader-done.png') })
  })
})
