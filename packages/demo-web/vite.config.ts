import { defineConfig } from 'vite'

/**
 * The dashboard is a static bundle: the server serves `dist/` at `/` and the app talks to the same
 * origin (`/api`, `/api/stream`). `vite` (dev) proxies those to a running `chainpulse demo` on :4000.
 */
export default defineConfig({
  base: './',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 400 },
  server: {
    proxy: { '/api': { target: 'http://127.0.0.1:4000', ws: true } },
  },
})
