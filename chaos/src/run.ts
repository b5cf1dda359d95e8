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
Each scenario runs the server (in the suite's process, through \`startChainPulse\`; crash-restart runs
\`chainpulse serve\` as its own process, to SIGKILL it; soak runs it in a child process, to sample its memory
and handles alone) over a devnet in its own process, drives bounded load from real HTTP clients on
127.0.0.1, records every client-side event and (except crash-restart and soak) every request each provider
received (a recording front sits before each devnet provider), and checks its invariants over the whole
history. The short profile runs in CI (\`chaos/src/chaos.test.ts\`, part of
\`pnpm test\`); each section below is from the run named in it.

**Invariants** are correctness that must hold on any machine (no errors, exact ids, bounded counts, bounds
relative to the same run with slack); a violation fails \`pnpm chaos\` and CI. **Targets** are the issue's
figures that depend on the machine (latency under CPU contention): reported with the measured figure, never
asserted. The pool runs with probes every second and a breaker that half-opens after 2 s
(\`chaos/src/scenarios/pool-knobs.ts\`); everything else is its default.
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
  // The sections stay; the header is always the current one.
  const existing = readFileSync(docPath, 'utf8')
  const firstSection = existing.indexOf('<!-- chaos:')
  document = firstSection === -1 ? header : `${header}\n${existing.slice(firstSection)}`
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
