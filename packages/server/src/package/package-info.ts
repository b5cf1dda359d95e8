import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const PACKAGE_NAME = '@chainpulse/server'

/**
 * The folder of `@chainpulse/server`'s package.json. Found by walking up from this module, because the
 * module sits at a different depth when run from `src/` (development) than bundled into `dist/`.
 */
export const packageRoot: string = findPackageRoot(dirname(fileURLToPath(import.meta.url)))

/** The installed `@chainpulse/server` version (what `chainpulse --version` prints). */
export const packageVersion: string = (
  JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }
).version

/**
 * Where the built dashboard ships inside the package: `scripts/bundle-dashboard.mjs` copies
 * `@chainpulse/demo-web`'s build here, so an installed server needs no other package to serve it.
 */
export const bundledDashboardDir: string = join(packageRoot, 'dashboard')

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json')
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === PACKAGE_NAME
    )
      return dir
    if (dirname(dir) === dir) throw new Error(`${PACKAGE_NAME}: package.json not found above ${from}`)
  }
}
