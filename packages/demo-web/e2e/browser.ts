import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type BrowserContext, chromium } from 'playwright-core'
import { build } from 'vite'

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** Where e2e screenshots go, predictable for CI artifacts. */
export const screenshotDir = resolve(packageDir, '../../test-artifacts/screenshots')

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

/** Launches headless Chromium with the flags this machine needs (no sandbox, no GPU, no network chatter). */
export async function launchChromium(): Promise<Browser> {
  const profileDir = mkdtempSync(join(tmpdir(), 'chainpulse-chromium-'))
  const context = await chromium.launchPersistentContext(profileDir, {
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
  return {
    context,
    async close() {
      await context.close()
      rmSync(profileDir, { recursive: true, force: true })
    },
  }
}
