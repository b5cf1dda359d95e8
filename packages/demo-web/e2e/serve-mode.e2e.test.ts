import { createProviderPool, type ProviderPool } from '@chainpulse/core'
import { createMockChain, createMockProvider, type MockChain } from '@chainpulse/core/testing'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildServer } from '../../server/src/app.js'
import {
  type Browser,
  buildDashboard,
  dashboardDir,
  launchChromium,
  type PageProblems,
  watchPageProblems,
} from './browser.js'

// `chainpulse serve` has no demo mode and no admin token by default: the dashboard must show everything
// but offer no control the server would refuse.

let pool: ProviderPool | undefined
let app: ReturnType<typeof buildServer> | undefined
let browser: Browser | undefined
let page: Page
let problems: PageProblems
let origin: string
let chain: MockChain | undefined

describe('dashboard in Chromium against a server without demo controls', () => {
  beforeAll(async () => {
    await buildDashboard()
    const mockChain = createMockChain({ chainId: 1 })
    chain = mockChain
    mockChain.startMining(500)
    const providers = ['alpha', 'bravo'].map((id) =>
      createMockProvider({ chain: mockChain, id: `ethereum-${id}` }),
    )
    pool = createProviderPool({
      chains: [{ name: 'ethereum', chainId: 1 }],
      providers: providers.map((upstream) => ({ id: upstream.id, chain: 'ethereum', upstream })),
    })
    app = buildServer({ pool, dashboardDir, config: { logLevel: 'silent' }, logger: false })
    origin = await app.listen({ port: 0, host: '127.0.0.1' })
    browser = await launchChromium()
    page = browser.context.pages()[0] ?? (await browser.context.newPage())
    problems = watchPageProblems(page)
  })

  afterAll(async () => {
    await browser?.close()
    await app?.close()
    await pool?.close()
    chain?.stopMining()
  })

  it('shows the providers and blocks, and hides every control', async () => {
    await page.goto(`${origin}/`)
    await page.waitForSelector('[data-testid="stream-status"][data-status="open"]')
    await page.waitForSelector('tr[data-provider="ethereum-alpha"]')
    await page.waitForSelector('[data-chain="ethereum"] [data-field="latest-block"]')

    await page.click('[data-tab="live-test"]')
    await page.waitForSelector('main[data-view="live-test"]')
    await page.waitForSelector('[data-testid="controls-disabled"]')
    expect(await page.locator('main[data-view="live-test"] button').allTextContents()).toEqual([])

    await page.click('[data-tab="strategies"]')
    await page.waitForSelector('main[data-view="strategies"]')
    // The current strategy is shown (the data has loaded), as text rather than a switch.
    await page.waitForSelector('[data-testid="strategy-switch"] :text("leaderboard")')
    expect(await page.locator('[data-testid="strategy-switch"] select').count()).toBe(0)
    // No demo strip either (no ambient switch, no one-click scenario), and nothing logged an error.
    await page.click('[data-tab="live"]')
    await page.waitForSelector('main[data-view="live"] [data-testid="quick-stats"]')
    expect(await page.locator('[data-testid="demo-panel"]').count()).toBe(0)
    expect(problems.take()).toEqual([])
  })

  it('is refused by the server if it tries a control anyway', async () => {
    const status = await page.evaluate(async () => {
      const response = await fetch('/api/demo/chains/ethereum/strategy', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ strategy: 'fastest' }),
      })
      return response.status
    })
    expect(status).toBe(403)
  })
})
