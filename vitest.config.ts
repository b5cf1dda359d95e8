import { defineConfig } from 'vitest/config'

/**
 * One vitest run over every workspace project, so `pnpm test` is the single test command and CI can
 * read one machine-readable report. Each package keeps its own `vitest.config.ts`.
 */
export default defineConfig({
  test: {
    projects: [
      'packages/core',
      'packages/core/vitest.timing.config.ts',
      'packages/devnet',
      'packages/redis',
      'packages/server',
      'packages/demo-web',
      'packages/demo-web/vitest.e2e.config.ts',
      'examples',
      'bench',
      'chaos',
    ],
  },
})
