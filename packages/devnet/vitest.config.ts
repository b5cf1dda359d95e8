import { defineProject } from 'vitest/config'

export default defineProject({
  resolve: { conditions: ['source'] },
  test: { name: 'devnet', include: ['src/**/*.test.ts'], passWithNoTests: true },
})
