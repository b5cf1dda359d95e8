import { defineProject } from 'vitest/config'
import { inlineWorkspacePackages, sourceResolution } from '../../vitest.shared.js'

/**
 * Tests that measure sub-millisecond timing (race margins). They run after every other project has
 * finished (`groupOrder`), one file at a time, so other tests' CPU load does not blur what they measure.
 */
export default defineProject({
  ...sourceResolution,
  test: {
    name: 'core-timing',
    include: ['src/**/*.timing.test.ts'],
    server: inlineWorkspacePackages,
    sequence: { groupOrder: 1 },
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
})
