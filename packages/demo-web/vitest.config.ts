import { defineProject } from 'vitest/config'

/** Unit and component tests of the dashboard (the end-to-end test runs in `demo-web-e2e`). */
export default defineProject({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  test: {
    name: 'demo-web',
    include: ['src/**/*.test.{ts,tsx}'],
    environment: 'node',
  },
})
