import { fileURLToPath } from 'node:url'
import { defineProject } from 'vitest/config'
import { inlineWorkspacePackages, sourceResolution } from '../../vitest.shared.js'

/**
 * The dashboard in headless Chromium against a real server over the devnet. It runs after every other
 * project (`groupOrder` 2, after core's timing tests), alone, so anvil and Chromium do not compete with
 * the rest of the suite for the machine's two cores. Its root is this package, so it also runs on its own:
 * `pnpm exec vitest run --config packages/demo-web/vitest.e2e.config.ts`.
 */
export default defineProject({
  ...sourceResolution,
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: {
    name: 'demo-web-e2e',
    include: ['e2e/**/*.e2e.test.ts'],
    server: inlineWorkspacePackages,
    sequence: { groupOrder: 2 },
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 120_000,
  },
})
