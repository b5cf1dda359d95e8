import { defineProject } from 'vitest/config'
import { inlineWorkspacePackages, sourceResolution } from '../../vitest.shared.js'

export default defineProject({
  ...sourceResolution,
  test: { name: 'server', include: ['src/**/*.test.ts'], server: inlineWorkspacePackages },
})
