import { defineProject } from 'vitest/config'
import { inlineWorkspacePackages, sourceResolution } from '../vitest.shared.js'

/**
 * One vitest project over every example: the snippets the docs show (imported and run in-process) and
 * the runnable projects, each run by its test as a child process the way its README says.
 */
export default defineProject({
  ...sourceResolution,
  test: {
    name: 'examples',
    include: ['*/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    server: inlineWorkspacePackages,
  },
})
