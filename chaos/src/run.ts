/**
 * `pnpm chaos [--profile short|long] [scenario-id...]`: runs the chaos scenarios (all by default), prints
 * each table and writes it into docs/reliability.md. Exits 1 when any invariant is violated.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { renderSection, upsertSection } from './report.js'
import type { Profile } from './scenario.js'
import { scenarios } from './scenarios/index.js'

const docPath = new URL('../../docs/reliability.md', import.meta.url)
const header = `# Reliability under fire

Produced by \`pnpm chaos\` (one scenario: \`pnpm chaos <id>\`; the long profile: \`pnpm chaos --profile long\`).
Each scenario runs the server over the devnet, drives bounded load from real clients on loopback, records
every client-side and upstream event, and checks its invariants over the whole history. The short profile
runs in CI (\`chaos/src/chaos.test.ts\`); the figures below are from the last run named in each section.
`

const args = process.argv.slice(2)
let profile: Profile = 'short'
const wanted: string[] = []
for (let i = 0; i < args.length; i++) {
  const arg = args[i]!
  if (arg === '--profile') {
    const value = args[++i]
    if (value !== 'short' && value !== 'long') {
      console.error(`--profile: short or long, not ${value}`)
      process.exit(2)
    }
    profile = value
  } else wanted.push(arg)
}
const selected = wanted.length ? scenarios.filter((scenario) => wanted.includes(scenario.id)) : scenarios
if (selected.length !== (wanted.length || scenarios.length)) {
  console.error(`unknown scenario; known: ${scenarios.map((scenario) => scenario.id).join(', ')}`)
  process.exit(2)
}

const environment = `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.`
let document: string
try {
  document = readFileSync(docPath, 'utf8')
} catch {
  document = header
}

let violated = 0
for (const scenario of selected) {
  console.log(`\n▶ ${scenario.id} (${profile})`)
  const result = await scenario.run(profile)
  const section = renderSection(scenario, result, profile, environment)
  console.log(section.split('\n').slice(1, -1).join('\n'))
  document = upsertSection(document, scenario.id, section)
  writeFileSync(docPath, document)
  violated += result.verdicts.filter((verdict) => !verdict.holds).length
}
console.log(`\nwrote ${docPath.pathname}; ${violated} invariant violation(s)`)
process.exitCode = violated > 0 ? 1 : 0
