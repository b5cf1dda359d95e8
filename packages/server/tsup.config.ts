import { defineConfig } from 'tsup'

export default defineConfig({
  entry: { index: 'src/index.ts', demo: 'src/demo/index.ts', cli: 'src/cli/main.ts' },
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts', demo: 'src/demo/index.ts' } },
  clean: true,
  target: 'node20',
})
