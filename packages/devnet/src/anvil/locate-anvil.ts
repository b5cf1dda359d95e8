import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { AnvilError } from '../errors.js'

const PLATFORM_PACKAGES: Readonly<Record<string, string>> = {
  'linux-x64': '@foundry-rs/anvil-linux-amd64',
  'linux-arm64': '@foundry-rs/anvil-linux-arm64',
  'darwin-x64': '@foundry-rs/anvil-darwin-amd64',
  'darwin-arm64': '@foundry-rs/anvil-darwin-arm64',
  'win32-x64': '@foundry-rs/anvil-win32-amd64',
}

/**
 * Finds the anvil binary shipped by npm's `@foundry-rs/anvil-<platform>` package, resolved through
 * Node's module resolution (never a hard-coded `node_modules/.pnpm` path). The platform package is
 * looked up from this package first, then from `@foundry-rs/anvil` (which lists every platform).
 * `CHAINPULSE_ANVIL_PATH` overrides the lookup.
 *
 * @throws {AnvilError} when no binary exists for this platform
 * @example
 * spawn(locateAnvil(), ['--version'])
 */
export function locateAnvil(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.CHAINPULSE_ANVIL_PATH
  if (override) {
    if (!existsSync(override))
      throw new AnvilError(`CHAINPULSE_ANVIL_PATH points at a missing file: ${override}`)
    return override
  }
  const key = `${process.platform}-${process.arch}`
  const platformPackage = PLATFORM_PACKAGES[key]
  if (!platformPackage) throw new AnvilError(`anvil has no npm binary for ${key}; set CHAINPULSE_ANVIL_PATH`)
  const binary = process.platform === 'win32' ? 'anvil.exe' : 'anvil'
  const require = createRequire(import.meta.url)
  const resolvers = [() => require, () => createRequire(require.resolve('@foundry-rs/anvil/package.json'))]
  for (const resolver of resolvers) {
    try {
      const manifest = resolver().resolve(`${platformPackage}/package.json`)
      const candidate = join(dirname(manifest), 'bin', binary)
      if (existsSync(candidate)) return candidate
    } catch {
      // not resolvable from here: try the next starting point
    }
  }
  throw new AnvilError(
    `cannot find ${platformPackage}; install it (pnpm install) or set CHAINPULSE_ANVIL_PATH`,
  )
}
