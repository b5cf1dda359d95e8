import { defineConfig } from 'tsup'

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'testing/index': 'src/testing/index.ts',
    'viem/index': 'src/viem/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  // One shared chunk for code used by several entries, so classes (errors) are identical across
  // `@chainpulse/core`, `/testing` and `/viem` and `instanceof` works between them, in CJS too.
  splitting: true,
  target: 'es2022',
  // viem is an optional peer: `@chainpulse/core/viem` imports the user's copy, never a bundled one.
  external: ['vitest', 'viem'],
})
