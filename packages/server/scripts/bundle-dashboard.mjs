// Copies the dashboard's build (@chainpulse/demo-web, a private workspace package) into this package's
// `dashboard/` folder, which is published with it: an installed server serves the dashboard without
// depending on demo-web. Run by `build` and by `demo` (after demo-web's own build).
import { cpSync, existsSync, rmSync } from 'node:fs'

const from = new URL('../../demo-web/dist/', import.meta.url)
const to = new URL('../dashboard/', import.meta.url)
if (!existsSync(new URL('index.html', from))) {
  console.error(
    'bundle-dashboard: packages/demo-web/dist has no build; run `pnpm --filter @chainpulse/demo-web build`',
  )
  process.exit(1)
}
rmSync(to, { recursive: true, force: true })
cpSync(from, to, { recursive: true })
