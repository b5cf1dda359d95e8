import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createProviderPool, type ProviderPool } from '@chainpulse/core'
import { type Devnet, startDevnet } from '@chainpulse/devnet'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import { build } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// demo-web talks to the server over HTTP only; the test builds one from source (no package dependency,
// which would make a cycle: the server depends on demo-web for its dist/).
import { buildServer } from '../../server/src/app.js'
import { createDevnetDemoControls } from '../../server/src/demo/demo-controls.js'

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const screenshotDir = resolve(packageDir, '../../test-artifacts/screenshots')
const tabs = ['live', 'racing', 'strategies', 'live-test', 'system'] as const

let devnet: Devnet | undefined
let pool: ProviderPool | undefined
let app: ReturnType<typeof buildServer> | undefined
let context: BrowserContext | undefined
let profileDir: string | undefined
let page: Page
let origin: string

// Always rebuilt: a dist/ left from an older source would test the old dashboard.
async function ensureBuilt(): Promise<void> {
  await build({ root: packageDir, configFile: join(packageDir, 'vite.config.ts'), logLevel: 'warn' })
}

async function openTab(tab: (typeof tabs)[number]): Promise<void> {
  await page.click(`[data-tab="${tab}"]`)
  await page.waitForSelector(`main[data-view="${tab}"]`)
}

const latestBlock = async () =>
  Number(
    (await page.textContent('[data-chain="ethereum"] [data-field="latest-block"]'))?.replace(/[^0-9]/g, '') ||
      0,
  )

describe('dashboard in Chromium against a devnet', () => {
  beforeAll(async () => {
    await ensureBuilt()
    devnet = await startDevnet({
      chains: [
        {
          name: 'ethereum',
          blockTimeMs: 500,
          providers: [{ preset: 'leader' }, { preset: 'steady' }, { preset: 'slow' }],
        },
      ],
    })
    const started = devnet
    pool = createProviderPool({
      chains: [{ name: 'ethereum', chainId: 1, blockTimeMs: 500 }],
      providers: started.manifest.providers.map(({ id, chain, httpUrl, wsUrl }) => ({
        id,
        chain,
        httpUrl,
        wsUrl,
      })),
      strategy: 'priority',
      racing: true,
      requestTimeoutMs: 2_000,
    })
    app = buildServer({
      pool,
      config: {
        demo: true,
        logLevel: 'silent',
        rateLimit: false,
        api: { scoreHistory: { intervalMs: 1_000 } },
      },
      logger: false,
      controls: createDevnetDemoControls({ devnet: started, pool }),
    })
    origin = await app.listen({ port: 0, host: '127.0.0.1' })
    profileDir = mkdtempSync(join(tmpdir(), 'chainpulse-chromium-'))
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      viewport: { width: 1440, height: 900 },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    })
    page = context.pages()[0] ?? (await context.newPage())
    mkdirSync(screenshotDir, { recursive: true })
  })

  afterAll(async () => {
    await context?.close()
    await app?.close()
    await pool?.close()
    await devnet?.stop()
    if (profileDir) rmSync(profileDir, { recursive: true, force: true })
  })

  it('connects and shows every provider and the latest blocks advancing', async () => {
    await page.goto(`${origin}/`)
    await page.waitForSelector('[data-testid="stream-status"][data-status="open"]')
    for (const { id } of devnet!.manifest.providers) await page.waitForSelector(`tr[data-provider="${id}"]`)
    await page.waitForFunction(() => document.querySelectorAll('[data-chain="ethereum"] tbody tr').length > 0)
    const first = await latestBlock()
    await page.waitForFunction(
      (before) =>
        Number(
          document
            .querySelector('[data-chain="ethereum"] [data-field="latest-block"]')
            ?.textContent?.replace(/[^0-9]/g, '') || 0,
        ) > before,
      first,
      { timeout: 10_000 },
    )
    expect(await latestBlock()).toBeGreaterThan(first)
  })

  it('grows the routing feed and counts client connections when the load generator runs', async () => {
    await openTab('live-test')
    await page.click('[data-testid="load-start"]')
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="load-status"]')?.textContent?.includes('load: running'),
    )
    await openTab('live')
    await page.waitForFunction(
      () => document.querySelectorAll('[data-row="decision"]').length >= 20,
      undefined,
      {
        timeout: 15_000,
      },
    )
    const rows = await page.locator('[data-row="decision"]').count()
    expect(rows).toBeGreaterThanOrEqual(20)
    expect(rows).toBeLessThanOrEqual(100)
    await page.waitForFunction(
      () => Number(document.querySelector('[data-testid="stat-clients"] .value')?.textContent) > 0,
    )
  })

  it('draws the topology: clients, the hub, every provider by state, and edges carrying traffic', async () => {
    await openTab('live')
    await page.waitForFunction(
      () => Number(document.querySelector('[data-testid="topology"]')?.getAttribute('data-clients')) > 0,
    )
    for (const { id } of devnet!.manifest.providers)
      expect(
        await page.getAttribute(`[data-testid="topology-provider-${id}"]`, 'data-state'),
        id,
      ).toBeTruthy()
    expect(
      Number(await page.getAttribute('[data-testid="topology-clients-ethereum"]', 'data-count')),
    ).toBeGreaterThan(0)
    // Some provider served traffic in the last few seconds, so its edge flows.
    await page.waitForSelector('[data-testid="topology"] path.edge[data-edge]:not(.load-idle)', {
      state: 'attached',
    })
    const box = await page.locator('[data-testid="topology"] svg').boundingBox()
    await page.waitForTimeout(1_500)
    // Fixed geometry: a second of new data does not move or resize the drawing.
    expect(await page.locator('[data-testid="topology"] svg').boundingBox()).toEqual(box)
    await page
      .locator('[data-testid="topology-panel"]')
      .screenshot({ path: join(screenshotDir, 'topology.png') })
  })

  it('renders every tab (screenshots in test-artifacts/screenshots)', async () => {
    // Give the score history and runtime charts a few samples.
    await page.waitForTimeout(3_000)
    for (const tab of tabs) {
      await openTab(tab)
      if (tab === 'racing')
        await page.waitForSelector('[data-testid="race-ethereum"] .chart canvas', { timeout: 10_000 })
      if (tab === 'system') await page.waitForSelector('[data-testid="runtime-stats"]')
      if (tab === 'strategies') await page.waitForSelector('[data-testid="strategy-ethereum"]')
      if (tab === 'live-test')
        await page.waitForSelector('[data-testid="failure-injection"] tr[data-provider]')
      const text = await page.textContent('main')
      expect(text?.length ?? 0, tab).toBeGreaterThan(50)
      await page.screenshot({ path: join(screenshotDir, `${tab}.png`), fullPage: true })
    }
  })

  it('routes with the strategy picked in the Strategies tab', async () => {
    await openTab('strategies')
    await page.selectOption('[data-testid="strategy-ethereum"]', 'round-robin')
    await openTab('live')
    await page.waitForFunction(
      () => document.querySelector('[data-row="decision"] td:nth-child(4)')?.textContent === 'round-robin',
      undefined,
      { timeout: 10_000 },
    )
    await openTab('strategies')
    await page.selectOption('[data-testid="strategy-ethereum"]', 'priority')
    await page.waitForFunction(() => document.body.textContent?.includes('ethereum now routes with priority'))
  })

  it('shows the breaker open in the overview after the busiest provider is killed from Live Test', async () => {
    await openTab('live')
    const victim = (await page.textContent('[data-row="decision"] td:nth-child(5)'))!.trim()
    expect(devnet!.manifest.providers.map((provider) => provider.id)).toContain(victim)
    await openTab('live-test')
    await page.click(`[data-testid="kill-${victim}"]`)
    await openTab('live')
    await page.waitForSelector(`tr[data-provider="${victim}"] [data-field="breaker"] .badge.open`, {
      timeout: 15_000,
    })
    // Traffic moved: a newer decision was served by another provider.
    await page.waitForFunction((killed) => {
      const cell = document.querySelector('[data-row="decision"] td:nth-child(5)')
      return cell !== null && cell.textContent !== killed
    }, victim)
    await page.screenshot({ path: join(screenshotDir, 'live-breaker-open.png'), fullPage: true })
    await openTab('live-test')
    await page.click(`[data-testid="revive-${victim}"]`)
    await page.click('[data-testid="load-stop"]')
  })

  it('narrates a scripted scenario step by step and puts the provider back when stopped', async () => {
    await openTab('live-test')
    await page.click('[data-testid="scenario-kill-leader"]')
    await page.waitForSelector('[data-testid="scenario-timeline"] li[data-status="running"]:has-text("kill")')
    const leader = (await page.textContent('[data-testid="scenario-timeline"] li:nth-child(2)'))!
    expect(leader).toContain('leader of ethereum is ethereum-')
    await page.screenshot({ path: join(screenshotDir, 'live-test-scenario.png'), fullPage: true })
    await page.click('[data-testid="scenario-stop"]')
    await page.waitForSelector('[data-testid="scenario-timeline"] li:has-text("scenario ended early")')
    const steps = await page.locator('[data-testid="scenario-timeline"] li').allTextContents()
    expect(steps.some((step) => step.includes('make sure') && step.includes('✓'))).toBe(true)
  })
})
