import { defineProject } from 'vitest/config'
import { inlineWorkspacePackages, sourceResolution } from '../../vitest.shared.js'

export default defineProject({
  ...sourceResolution,
  test: {
    name: 'core',
    include: ['src/**/*.test.ts', 'browser-bundle/**/*.test.ts'],
    exclude: ['src/**/*.timing.test.ts'],
    server: inlineWorkspacePackages,
    // Pool tests against the devnet run real anvil nodes: they wait on conditions, with generous bounds.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
})
