import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { bundledDashboardDir, packageRoot, packageVersion } from './package-info.js'

describe('package info', () => {
  it('finds the server package from its source folder', () => {
    const manifest = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8'))
    expect(manifest.name).toBe('@chainpulse/server')
    expect(packageVersion).toBe(manifest.version)
  })

  it('looks for the dashboard inside the package, where the build copies it', () => {
    expect(bundledDashboardDir).toBe(join(packageRoot, 'dashboard'))
  })
})
