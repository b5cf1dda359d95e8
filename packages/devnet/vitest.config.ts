import { fileURLToPath } from 'node:url'
import { defineProject } from 'vitest/config'
import { inlineWorkspacePackages, sourceResolution } from '../../vitest.shared.js'

export default defineProject({
  ...sourceResolution,
  resolve: {
    ...sourceResolution.resolve,
    // the examples import the package by name, as users do; vite does not resolve a package's self-reference
    alias: { '@chainpulse/devnet': fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
  },
  test: {
    name: 'devnet',
    server: inlineWorkspacePackages,
    include: ['src/**/*.test.ts', 'examples/**/*.test.ts'],
    // real anvil processes and sockets: generous bounds, but each test waits on conditions, not sleeps
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
})
