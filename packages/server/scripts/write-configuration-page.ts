// Writes docs/configuration.md from the config schemas: `pnpm docs:config` (from the repository root).
import { writeFileSync } from 'node:fs'
import { configurationPage } from '../src/config/configuration-page.js'

const target = new URL('../../../docs/configuration.md', import.meta.url)
writeFileSync(target, configurationPage())
console.log(`wrote ${target.pathname}`)
