import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import { build } from 'vite'

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** Where e2e screenshots go, predictable for CI artifacts. */
export const screenshotDir = resolve(packageDir, '../../test-artifacts/screenshots')

/** The Live Dashboard's provider-overview row of a provider. */
export const overviewRow = (id: string) => `[data-testid="provider-overview"] tr[data-provider="${id}"]`

/** Inside an overview row: the health badge of a provider out of rotation (probes find it down, or its breaker is open). */
export const OUT_OF_ROTATION =
  ':is([data-field="health"] .badge.down, [data-field="health"] .badge.unhealthy)'

/** Where {@link buildDashboard} writes the build; servers under test serve it from here (`dashboardDir`). */
export const dashboardDir = join(packageDir, 'dist')

/** Builds the dashboard. Always: a dist/ left from an older source would test the old dashboard. */
export async function buildDashboard(): Promise<void> {
  await build({ root: packageDir, configFile: join(packageDir, 'vite.config.ts'), logLevel: 'warn' })
}

/** A headless Chromium (the system's /usr/bin/chromium) with a throwaway profile. */
export interface Browser {
  context: BrowserContext
  /** Closes the browser and removes its profile. */
  close(): Promise<void>
}

/**
 * Launches headless Chromium with the flags this machine needs (no sandbox, no GPU, no network chatter).
 * @default viewport 1440 × 900
 */
export async function launchChromium(
  options: { viewport?: { width: number; height: number } } = {},
): Promise<Browser> {
  const profileDir = mkdtempSync(join(tmpdir(), 'chainpulse-chromium-'))
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: options.viewport ?? { width: 1440, height: 900 },
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
  return {
    context,
    async close() {
      await context.close()
      rmSync(profileDir, { recursive: true, force: true })
    },
  }
}

/** What went wrong on a page: console errors, uncaught exceptions, failed requests and HTTP errors. */
export interface PageProblems {
  /** The problems seen since the last call, and forgets them. */
  take(): string[]
}

/**
 * Starts recording a page's problems: every console error (a missing favicon shows only as one), every
 * uncaught exception, every request that failed or was answered with 400 or more.
 */
export function watchPageProblems(page: Page): PageProblems {
  let problems: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()} (${message.location().url})`)
  })
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`))
  page.on('requestfailed', (request) =>
    problems.push(`failed: ${request.method()} ${request.url()} ${request.failure()?.errorText ?? ''}`),
  )
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`)
  })
  return {
    take() {
      const taken = problems
      problems = []
      return taken
    },
  }
}

/**
 * What overflows horizontally in the current view, as readable lines (empty when everything fits): the
 * page scrolling sideways, an element reaching past the viewport, a scroll container whose content is
 * wider than it (a table behind a scrollbar), and a cell whose text is cut short (ellipsis). Free-text
 * cells marked `data-field="detail"` may clip: they carry the whole text in their tooltip.
 */
export async function horizontalOverflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = []
    const root = document.documentElement
    const describe = (element: Element) => {
      const classes = [...element.classList].map((name) => `.${name}`).join('')
      const panel = element.closest('[data-testid]')?.getAttribute('data-testid')
      const text = element.textContent?.trim().slice(0, 40) ?? ''
      return `${element.tagName.toLowerCase()}${classes} in ${panel ?? 'main'} ("${text}")`
    }
    if (root.scrollWidth > root.clientWidth) problems.push(`page is ${root.scrollWidth} px wide`)
    for (const element of document.querySelectorAll<HTMLElement>('header *, main *')) {
      const box = element.getBoundingClientRect()
      if (box.width === 0) continue
      if (box.right > root.clientWidth + 0.5)
        problems.push(`${describe(element)} reaches ${Math.round(box.right)} px`)
      const overflowX = getComputedStyle(element).overflowX
      const clips = overflowX !== 'visible' || element.tagName === 'TD' || element.tagName === 'TH'
      if (clips && element.scrollWidth > element.clientWidth + 1 && element.dataset.field !== 'detail')
        problems.push(`${describe(element)} holds ${element.scrollWidth} px in ${element.clientWidth}`)
    }
    return problems
  })
}
