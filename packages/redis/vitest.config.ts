import { defineProject } from 'vitest/config'
import { inlineWorkspacePackages, sourceResolution } from '../../vitest.shared.js'

export default defineProject({
  ...sourceResolution,
  test: {
    name: 'redis',
    server: inlineWorkspacePackages,
    include: ['src/**/*.test.ts'],
    // Real redis-server processes: generous bounds, but each test waits on conditions, not sleeps.
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
})
