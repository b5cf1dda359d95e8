import { defineProject } from 'vitest/config'
import { inlineWorkspacePackages, sourceResolution } from '../vitest.shared.js'

export default defineProject({
  ...sourceResolution,
  test: {
    name: 'chaos',
    include: ['src/**/*.test.ts'],
    server: inlineWorkspacePackages,
    // The short profile's scenarios each start a devnet and a server; one at a time keeps a 2-core machine
    // from timing out its own probes.
    fileParallelism: false,
  },
})
