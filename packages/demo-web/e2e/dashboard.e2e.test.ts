import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { createProviderPool, type ProviderPool } from '@chainpulse/core'
import { type Devnet, startDevnet } from '@chainpulse/devnet'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
// demo-web talks to the server over HTTP only; the test builds one from source (no package dependency,
// which would make a cycle: the server depends on demo-web for its dist/).
import { buildServer } from '../../server/src/app.js'
import { createDevnetDemoControls } from '../../server/src/demo/devnet-controls.js'
import { shortHash } from '../src/format/format.js'
import {
  type Browser,
  buildDashboard,
  dashboardDir,
  launchChromium,
  OUT_OF_ROTATION,
  overviewRow,
  type PageProblems,
  screenshotDir,
  watchPageProblems,
} from './browser.js'

const tabs = ['live', 'racing', 'strategies', 'live-test', 'system'] as const

let devnet: Devnet | undefined
let pool: ProviderPool | undefined
let app: ReturnType<typeof buildServer> | undefined
let context: BrowserContext | undefined
let browser: Browser | undefined
let page: Page
let problems: PageProblems
let origin: string

async function openTab(tab: (typeof tabs)[number]): Promise<void> {
  await page.click(`[data-tab="${tab}"]`)
  await page.waitForSelector(`main[data-view="${tab}"]`)
}

const latestBlock = async () =>
  Number(
    (await page.textContent('[data-chain="ethereum"] [data-field="latest-block"]'))?.replace(/[^0-9]/g, '') ||
      0,
  )

const timeline = '[data-testid="scenario-timeline"]'

/**
 * Starts a scripted scenario from the Live Test tab and returns its narrated timeline so far (its first
 * steps name the providers it acts on).
 */
async function startScenario(id: string, title: string): Promise<string[]> {
  await openTab('live-test')
  // Scenarios show their effect through routing: the load generator must still be sending.
  await page.waitForSelector('[data-testid="load-status"]:has-text("load: running")')
  await page.click(`[data-testid="scenario-${id}"]`)
  await page.waitForSelector(`${timeline} li:has-text("▶ ${title} on ethereum")`)
  await page.waitForSelector(`${timeline} li[data-status="running"]`)
  return page.locator(`${timeline} li`).allTextContents()
}

/** Waits for the running scenario's narrated timeline to end well, with every step done. */
async function scenarioCompletes(timeoutMs: number): Promise<void> {
  await openTab('live-test')
  await page.waitForSelector(`${timeline} li:has-text("✔ scenario complete")`, { timeout: timeoutMs })
  expect(await page.locator(`${timeline} li[data-status="failed"]`).allTextContents()).toEqual([])
  // Every scenario button is enabled again: nothing is left running.
  await page.waitForSelector('[data-testid="scenario-kill-leader"]:not([disabled])')
}

/** The provider id a narrated step names, e.g. `leader of ethereum is (ethereum-x) (top ...)`. */
const named = (steps: string[], pattern: RegExp): string => {
  for (const step of steps) {
    const match = pattern.exec(step)
    if (match?.[1]) return match[1]
  }
  throw new Error(`no step matches ${pattern}: ${steps.join(' | ')}`)
}

describe('dashboard in Chromium against a devnet', () => {
  beforeAll(async () => {
    await buildDashboard()
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
      dashboardDir,
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
    browser = await launchChromium()
    context = browser.context
    page = context.pages()[0] ?? (await context.newPage())
    problems = watchPageProblems(page)
    mkdirSync(screenshotDir, { recursive: true })
  })

  // Whatever a test does, the page logs no error and no request of it fails.
  afterEach(() => {
    expect(problems.take()).toEqual([])
  })

  afterAll(async () => {
    await browser?.close()
    await app?.close()
    await pool?.close()
    await devnet?.stop()
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

  it('grows the routing feed, drawing only the rows in view, and counts client connections under load', async () => {
    await openTab('live-test')
    // Long enough for every test after this one; the last one stops it.
    await page.getByLabel('duration s').fill('600')
    await page.click('[data-testid="load-start"]')
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="load-status"]')?.textContent?.includes('load: running'),
    )
    await openTab('live')
    await page.waitForFunction(
      () =>
        Number(
          document.querySelector('[data-testid="routing-feed"] .live-feed')?.getAttribute('data-rows'),
        ) >= 40,
      undefined,
      { timeout: 15_000 },
    )
    const title = (await page.textContent('[data-testid="routing-feed"] h2')) ?? ''
    expect(Number(/Routing decisions \((\d+)\)/.exec(title)?.[1])).toBeGreaterThanOrEqual(40)
    // Virtualised: a 360 px feed holds 14 rows in view, plus 2 drawn below.
    const drawn = await page.locator('[data-row="decision"]').count()
    expect(drawn).toBeGreaterThanOrEqual(10)
    expect(drawn).toBeLessThanOrEqual(20)
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
    // ...and its dashes move, stepped a few times a second rather than every frame.
    const offset = () =>
      document.querySelector<SVGPathElement>('[data-testid="topology"] path.edge[data-edge]:not(.load-idle)')
        ?.style.strokeDashoffset ?? ''
    const before = await page.evaluate(offset)
    await page.waitForFunction(
      (previous) =>
        (document.querySelector<SVGPathElement>(
          '[data-testid="topology"] path.edge[data-edge]:not(.load-idle)',
        )?.style.strokeDashoffset ?? '') !== previous,
      before,
      { timeout: 2_000 },
    )
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
      () =>
        document.querySelector('[data-row="decision"] [data-field="strategy"]')?.textContent ===
        'round-robin',
      undefined,
      { timeout: 10_000 },
    )
    await openTab('strategies')
    await page.selectOption('[data-testid="strategy-ethereum"]', 'priority')
    await page.waitForFunction(() => document.body.textContent?.includes('ethereum now routes with priority'))
  })

  it('shows the busiest provider out of rotation after it is killed from Live Test, and its recovery once revived', async () => {
    await openTab('live')
    // The provider priority routing uses now: the newest decision routed by priority without failover (a
    // round-robin call from the previous test can still complete after the switch back).
    const busiest = await page.waitForFunction(() => {
      const row = document.querySelector('[data-row="decision"]')
      const cell = (field: string) => row?.querySelector(`[data-field="${field}"]`)?.textContent
      return cell('strategy') === 'priority' && cell('failovers') === '0' ? cell('provider') : null
    })
    const victim = (await busiest.jsonValue()) as string
    expect(devnet!.manifest.providers.map((provider) => provider.id)).toContain(victim)
    await openTab('live-test')
    await page.click(`[data-testid="kill-${victim}"]`)
    await openTab('live')
    await page.waitForSelector(`${overviewRow(victim)} ${OUT_OF_ROTATION}`, { timeout: 15_000 })
    // Traffic moved: a newer decision was served by another provider.
    await page.waitForFunction((killed) => {
      const cell = document.querySelector('[data-row="decision"] [data-field="provider"]')
      return cell !== null && cell.textContent !== killed
    }, victim)
    await page.screenshot({ path: join(screenshotDir, 'live-breaker-open.png'), fullPage: true })

    await openTab('live-test')
    await page.click(`[data-testid="revive-${victim}"]`)
    await openTab('live')
    // The pool's health probe (every 5 s) finds it up; a breaker that opened closes on that probe.
    await page.waitForSelector(`${overviewRow(victim)} [data-field="health"] .badge.healthy`, {
      timeout: 15_000,
    })
    await page.waitForSelector(`${overviewRow(victim)} [data-field="breaker"] .badge.closed`)
    await page.waitForSelector(`[data-testid="topology-provider-${victim}"][data-state="healthy"]`)
    // Priority routing sends the traffic back to it.
    await page.waitForFunction(
      (revived) =>
        document.querySelector('[data-row="decision"] [data-field="provider"]')?.textContent === revived,
      victim,
      { timeout: 10_000 },
    )
    await page.screenshot({ path: join(screenshotDir, 'live-recovered.png'), fullPage: true })
  })

  it('runs the rate-limit storm: a stormed provider cools down, and the storm ends', async () => {
    await startScenario('rate-limit-storm', 'Rate-limit storm')
    await openTab('live')
    // A cooldown shows in the provider event feed or the overview.
    const cooled = await page.waitForFunction(
      () => {
        const row = document.querySelector('[data-row="event"][data-type="cooldown_start"]')
        if (row) return row.getAttribute('data-provider')
        const badge = document.querySelector(
          '[data-testid="provider-overview"] [data-field="health"] .badge.cooldown',
        )
        return badge?.closest('tr')?.getAttribute('data-provider') ?? null
      },
      undefined,
      { timeout: 12_000 },
    )
    const cooledId = (await cooled.jsonValue()) as string
    await page.screenshot({ path: join(screenshotDir, 'scenario-rate-limit-storm.png'), fullPage: true })
    await scenarioCompletes(20_000)
    const steps = await page.locator(`${timeline} li`).allTextContents()
    const stormed = steps.flatMap(
      (step) => /(ethereum-[\w-]+): 40% of requests answered 429/.exec(step)?.[1] ?? [],
    )
    expect(stormed.length).toBeGreaterThan(0)
    expect(stormed).toContain(cooledId)
    // Every stormed provider was put back.
    expect(steps.filter((step) => step.includes('storm over'))).toHaveLength(stormed.length)
  })

  it('runs the lagging provider: the target shows lagging, then healthy once it catches up', async () => {
    const steps = await startScenario('lagging-provider', 'Lagging provider')
    const target = named(steps, /(ethereum-[\w-]+) trails the head by 5 blocks/)
    await openTab('live')
    await page.waitForSelector(`${overviewRow(target)} [data-field="health"] .badge.lagging`, {
      timeout: 12_000,
    })
    await page.waitForSelector(`[data-testid="topology-provider-${target}"][data-state="lagging"]`)
    await page.screenshot({ path: join(screenshotDir, 'scenario-lagging-provider.png'), fullPage: true })
    await scenarioCompletes(25_000)
    await openTab('live')
    await page.waitForSelector(`${overviewRow(target)} [data-field="health"] .badge.healthy`, {
      timeout: 5_000,
    })
  })

  it('runs the chain reorg at the picked depth: the pool follows the new branch', async () => {
    await openTab('live-test')
    const before = await devnet!.chain('ethereum').blockNumber()
    await page.fill('[data-testid="scenario-reorg-depth"]', '2')
    await page.click('[data-testid="scenario-reorg"]')
    await page.waitForSelector(`${timeline} li:has-text("▶ Chain reorg on ethereum")`)
    await scenarioCompletes(20_000)
    const steps = await page.locator(`${timeline} li`).allTextContents()
    const reorged = steps.find((step) => step.includes('reorganise ethereum: replace its newest 2 blocks'))
    const heights = /#(\d+)–#(\d+): head/.exec(reorged ?? '')
    expect(heights, reorged).not.toBeNull()
    expect(Number(heights?.[2]) - Number(heights?.[1])).toBe(1)
    expect(Number(heights?.[2])).toBeGreaterThanOrEqual(before)
    // The pool published a block of the new branch, and it is the chain's block at that height now.
    const followed = steps.find((step) => step.includes('the pool follows the new branch'))
    const seen = /new block #(\d+) ([^,\s]+), first from ethereum-/.exec(followed ?? '')
    expect(seen, followed).not.toBeNull()
    const block = await devnet!
      .chain('ethereum')
      .rpc<{ hash: string }>('eth_getBlockByNumber', [`0x${Number(seen?.[1]).toString(16)}`, false])
    expect(shortHash(block.hash)).toBe(seen?.[2])
    await page.screenshot({ path: join(screenshotDir, 'scenario-reorg.png'), fullPage: true })
  })

  it('runs kill the leader: it drops out of rotation, then is back and closed after the revive', async () => {
    const steps = await startScenario('kill-leader', 'Kill the leader')
    const leader = named(steps, /leader of ethereum is (ethereum-[\w-]+)/)
    await openTab('live')
    // Its WebSocket drops, and routing stops using it (its breaker opens if it was carrying traffic).
    await page.waitForSelector(`${overviewRow(leader)} [data-field="ws"] .badge.disconnected`, {
      timeout: 8_000,
    })
    await page.waitForFunction(
      (killed) => {
        const newest = document.querySelector('[data-row="decision"] [data-field="provider"]')?.textContent
        return newest !== undefined && newest !== killed
      },
      leader,
      { timeout: 8_000 },
    )
    await page.screenshot({ path: join(screenshotDir, 'scenario-kill-leader.png'), fullPage: true })
    await scenarioCompletes(25_000)
    await openTab('live')
    await page.waitForSelector(`${overviewRow(leader)} [data-field="ws"] .badge.connected`, {
      timeout: 5_000,
    })
    await page.waitForSelector(`${overviewRow(leader)} [data-field="breaker"] .badge.closed`, {
      timeout: 5_000,
    })
  })

  it('narrates a scripted scenario step by step and puts the provider back when stopped', async () => {
    await openTab('live-test')
    await page.click('[data-testid="scenario-kill-leader"]')
    // Stopped while the leader is down: the step after the kill watches traffic move for a few seconds.
    await page.waitForSelector(
      '[data-testid="scenario-timeline"] li[data-status="running"]:has-text("traffic moves off")',
    )
    const leader = (await page.textContent('[data-testid="scenario-timeline"] li:nth-child(2)'))!
    expect(leader).toContain('leader of ethereum is ethereum-')
    await page.screenshot({ path: join(screenshotDir, 'live-test-scenario.png'), fullPage: true })
    await page.click('[data-testid="scenario-stop"]')
    await page.waitForSelector('[data-testid="scenario-timeline"] li:has-text("scenario ended early")')
    const steps = await page.locator('[data-testid="scenario-timeline"] li').allTextContents()
    expect(steps.some((step) => step.includes('make sure') && step.includes('✓'))).toBe(true)
  })

  it('runs cascading failures: every provider goes down and out of rotation, then all come back', async () => {
    const steps = await startScenario('cascading-failures', 'Cascading failures')
    expect(steps.some((step) => /kill ethereum-[\w-]+ \(1 of 3 down\)/.test(step))).toBe(true)
    await openTab('live')
    // The last step: all three down at once (no upstream WebSocket), none in rotation.
    await page
      .waitForFunction(
        () => {
          const rows = [...document.querySelectorAll('[data-testid="provider-overview"] tr[data-provider]')]
          return (
            rows.length === 3 &&
            rows.every(
              (row) =>
                row.querySelector('[data-field="ws"] .badge.connected') === null &&
                row.querySelector(
                  '[data-field="health"] .badge.down, [data-field="health"] .badge.unhealthy',
                ) !== null,
            )
          )
        },
        undefined,
        { timeout: 25_000 },
      )
      .catch(async (error: Error) => {
        const overview = await page
          .locator('[data-testid="provider-overview"] tr[data-provider]')
          .allTextContents()
        throw new Error(`${error.message}; overview: ${overview.join(' | ')}`)
      })
    // Requests fail: the newest routing decisions are errors.
    await page.waitForSelector('[data-row="decision"] [data-field="result"] .badge.error')
    await page.screenshot({ path: join(screenshotDir, 'scenario-cascading-failures.png'), fullPage: true })
    await scenarioCompletes(15_000)
    const all = await page.locator(`${timeline} li`).allTextContents()
    expect(all.filter((step) => /revive ethereum-/.test(step) && step.includes('✓'))).toHaveLength(3)
    // All revived: within one probe interval they are back and requests are served again.
    await openTab('live')
    await page.waitForFunction(
      () => {
        const newest = document.querySelector('[data-row="decision"]')
        return newest?.querySelector('[data-field="result"] .badge.ok') != null
      },
      undefined,
      { timeout: 15_000 },
    )
    await page.waitForSelector(`[data-testid="provider-overview"] [data-field="breaker"] .badge.closed`)
    await openTab('live-test')
    await page.click('[data-testid="load-stop"]')
  })
})
